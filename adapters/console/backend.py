"""Chat with the buddy in-process: each console user is an identity on platform `console`.

Tests drive it directly (`await console.say("ann", "streak")`); the command line wraps
it in a read-print loop. No queues, no sleeps: every call is awaited to its reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.context import Caller, Where
from bot.core import Core
from bot.domain import Identity
from bot.replies import Reply

PLATFORM = "console"


@dataclass
class ConsoleBackend:
    core: Core
    tenant: str = "local"
    export_dir: Path | None = None
    # What the "platform" says about the user, like Slack's tz: this machine is the platform
    # (the command line passes the operator's default); None acts as Discord, which says none.
    timezone: str | None = "UTC"
    transcript: list[tuple[str, str, Reply]] = field(default_factory=list)

    def caller(self, user: str) -> Caller:
        user_id = " ".join(user.split()).lower()
        return Caller(Identity(PLATFORM, self.tenant, user_id), user.strip(), self.timezone)

    def where(self, group: str | None) -> Where:
        return Where(PLATFORM, self.tenant, group.lower() if group else None, group)

    async def reply(self, user: str, text: str, group: str | None = None) -> Reply:
        """Send `text` as `user` (in `group`'s channel, or a DM) and return the reply."""
        reply = await self.core.handle_text(self.caller(user), self.where(group), text)
        self.transcript.append((user, text, reply))
        return reply

    async def say(self, user: str, text: str, group: str | None = None) -> str:
        """Like reply(), rendered as the console prints it."""
        return self.render(await self.reply(user, text, group))

    def render(self, reply: Reply) -> str:
        text = reply.text()
        if reply.files and self.export_dir is not None:
            self.export_dir.mkdir(parents=True, exist_ok=True)
            for f in reply.files:
                path = self.export_dir / f.name
                path.write_bytes(f.content)
                text += f"\nwrote {path}"
        return text
