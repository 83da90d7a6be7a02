"""The core as a running process serves it: it counts the commands in flight, and once
the process is stopping it takes no new one (a short "send it again in a minute") while
those already begun finish, so a stop never cuts a command half way."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from bot import messages as msg
from bot.commands import Invocation
from bot.context import Caller, Where
from bot.core import Core
from bot.replies import Reply

# Set inside an admitted command: handle_text calls handle, which must not be refused.
_admitted: ContextVar[bool] = ContextVar("admitted", default=False)


class ServingCore(Core):
    """Takes Core's arguments, as they are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draining = False
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def handle_text(self, caller: Caller, where: Where, text: str) -> Reply:
        return await self._admit(lambda: super(ServingCore, self).handle_text(caller, where, text))

    async def handle(self, caller: Caller, where: Where, invocation: Invocation) -> Reply:
        return await self._admit(lambda: super(ServingCore, self).handle(caller, where, invocation))

    async def _admit(self, run: Callable[[], Awaitable[Reply]]) -> Reply:
        if _admitted.get():
            return await run()
        if self.draining:
            return msg.restarting()
        token = _admitted.set(True)
        self._in_flight += 1
        self._idle.clear()
        try:
            return await run()
        finally:
            _admitted.reset(token)
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def drain(self, timeout: float) -> bool:  # noqa: ASYNC109 (a budget, not a deadline)
        """Take no new command and wait up to `timeout` for those in flight; True when
        none is left."""
        self.draining = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True
