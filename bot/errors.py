"""Errors a member caused: shown as a short reply with an example, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    def __init__(self, message: str, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example
