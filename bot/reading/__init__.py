"""Reading what members type: sentences into commands (see sentence.py)."""

from bot.reading.sentence import Reading, read_sentence

__all__ = ["Reading", "read_sentence"]
