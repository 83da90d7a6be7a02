"""Errors a member caused: shown as a short reply with an example, never a traceback."""

from __future__ import annotations

from bot.replies import Line, Reply, plain


class AskFirst(Exception):
    """End the command with `reply`, a question, and roll back what it wrote so far."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(plain(reply.body[0]) if reply.body else "asked first")
        self.reply = reply


class UserError(Exception):
    def __init__(self, message: str | Line, example: str | None = None) -> None:
        super().__init__(message if isinstance(message, str) else plain(message))
        self.message = message
        self.example = example
