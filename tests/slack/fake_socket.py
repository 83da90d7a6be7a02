"""The Socket Mode half of the fake Slack (mixed into FakeSlack).

What it does, as Slack's applink server does:
- `apps.connections.open` (app token) hands out ws://127.0.0.1:PORT/socket?ticket=N; each
  websocket gets {"type": "hello", ...} first.
- Envelopes: {"envelope_id", "type", "payload", "accepts_response_payload"} plus
  "retry_attempt"/"retry_reason" for events_api. accepts_response_payload is true for
  slash_commands and for view_submission/block_suggestion interactions (the ack may carry
  a response), false otherwise. An ack is a text frame {"envelope_id", "payload"?}.
- Envelopes go to the newest open connection (Slack spreads them over all of an app's
  connections; the newest is the one a reconnecting client keeps).
- The server answers websocket pings with pongs (same data) unless go_silent() was called:
  that makes the connections open *now* stale; a connection opened later answers again, so a
  client that rebuilds its connection recovers, as it would against Slack.
- ask_reconnect() sends {"type": "disconnect", "reason": "refresh_requested"} and leaves the
  old socket open for the client to close (Slack closes it ~10 s later).
- push() waits at most `timeout` (5 s) for the ack and raises TimeoutError without one.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "A0001"


@dataclass
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None
    seconds: float  # from the envelope being sent to its ack arriving


class SocketModeFake:
    connections: int
    acks: list[Ack]

    def _init_socket(self) -> None:
        self.connections = 0
        self.acks = []
        self.stray_frames: list[str] = []  # text frames that were not acks of a pending envelope
        self._sockets: list[web.WebSocketResponse] = []
        self._silent: set[int] = set()
        self._pending: dict[str, tuple[float, asyncio.Future[Ack]]] = {}
        self._connected = asyncio.Event()
        self._ticket = 0

    def _socket_url(self, base: str) -> str:
        self._ticket += 1
        return f"{base.replace('http://', 'ws://')}/socket?ticket={self._ticket}&app_id={APP_ID}"

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self._sockets),
            "debug_info": {
                "host": "applink-fake",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": APP_ID},
        }

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        # autoping off so go_silent() can withhold pongs
        ws = web.WebSocketResponse(autoping=False, timeout=2)  # bounded close handshake
        await ws.prepare(request)
        self.connections += 1
        self._sockets.append(ws)
        try:
            await ws.send_str(json.dumps(self._hello()))
            self._connected.set()
            async for msg in ws:
                if msg.type == WSMsgType.PING:
                    if id(ws) not in self._silent:
                        await ws.pong(msg.data)
                elif msg.type == WSMsgType.TEXT:
                    self._on_text(msg.data)
        finally:
            self._sockets.remove(ws)
            self._silent.discard(id(ws))
            if not self._sockets:
                self._connected.clear()
        return ws

    def _on_text(self, data: str) -> None:
        try:
            frame = json.loads(data)
        except ValueError:
            self.stray_frames.append(data)
            return
        envelope_id = frame.get("envelope_id") if isinstance(frame, dict) else None
        pending = self._pending.pop(envelope_id, None) if isinstance(envelope_id, str) else None
        if pending is None:
            self.stray_frames.append(data)
            return
        sent_at, future = pending
        payload = frame.get("payload")
        ack = Ack(str(envelope_id), payload if isinstance(payload, dict) else None,
                  time.monotonic() - sent_at)
        self.acks.append(ack)
        if not future.done():
            future.set_result(ack)

    async def wait_connected(self, timeout: float = 5) -> None:  # noqa: ASYNC109 (agreed API)
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def push(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 5,  # noqa: ASYNC109 - the agreed interface takes a bound
    ) -> Ack:
        """Send an envelope to the connected client and wait for its ack."""
        await self.wait_connected(timeout)
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": _accepts_response(envelope_type, payload),
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        future: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._pending[envelope_id] = (time.monotonic(), future)
        try:
            await self._sockets[-1].send_str(json.dumps(envelope))
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"no ack for {envelope_type} envelope within {timeout} s") from None
        finally:
            self._pending.pop(envelope_id, None)

    async def ask_reconnect(self) -> None:
        frame = {
            "type": "disconnect",
            "reason": "refresh_requested",
            "debug_info": {"host": "applink-fake"},
        }
        for ws in list(self._sockets):
            await ws.send_str(json.dumps(frame))

    def go_silent(self) -> None:
        self._silent.update(id(ws) for ws in self._sockets)

    async def _close_sockets(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        for _, future in self._pending.values():
            future.cancel()
        self._pending.clear()


def _accepts_response(envelope_type: str, payload: dict[str, Any]) -> bool:
    if envelope_type == "slash_commands":
        return True
    return envelope_type == "interactive" and payload.get("type") in (
        "view_submission",
        "block_suggestion",
    )
