"""Errors a member caused: shown as a short reply with an example, never a traceback."""

from __future__ import annotations

from bot.replies import Line, plain


class UserError(Exception):
    def __init__(self, message: str | Line, example: str | None = None) -> None:
        super().__init__(message if isinstance(message, str) else plain(message))
        self.message = message
        self.example = example
