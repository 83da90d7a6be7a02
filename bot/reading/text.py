"""Preparing a message for reading: emoji off, the note split off, words normalised."""

from __future__ import annotations

import re
import unicodedata

from bot.reading.lexicon import ABBREVIATIONS

# Separators that start a note: "met Jane -- talked about their data team".
_NOTE_DASH = re.compile(r"\s(?:--|—|–|-)\s|\s(?:--|—|–)(?=\S)")
# A sentence end; what follows is the member's remark ("met Jane. Great chat").
_SENTENCE_END = re.compile(r"([.!?;]+)\s+(?=\S)")
_PARENS = re.compile(r"\(([^()]{1,80})\)")
_SPACES = re.compile(r"\s+")
_EDGE = ",.!?;:\"'“”‘’"


# The only ASCII characters in the symbol categories below: both modifier symbols (Sk).
_ASCII_SYMBOLS = str.maketrans({"^": " ", "`": " "})


def strip_emoji(text: str) -> str:
    """Emoji and pictographs carry no name, company or date: they become spaces."""
    if text.isascii():  # most messages: no character to look up one by one
        return _SPACES.sub(" ", text.translate(_ASCII_SYMBOLS)).strip()
    return strip_each(text)


def strip_each(text: str) -> str:
    """strip_emoji, character by character."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("So", "Sk", "Cs", "Co") or ch in "\u200d\ufe0f\ufe0e":
            out.append(" ")
        else:
            out.append(ch)
    return _SPACES.sub(" ", "".join(out)).strip()


def _is_abbreviation(text: str, end: int) -> bool:
    """Does the '.' at `end` close "Dr" or an initial ("J.") rather than a sentence?"""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:end].lower().strip("(\"'")
    initials = all(len(p) == 1 and p.isalpha() for p in word.split("."))  # "J", "J.P"
    return word in ABBREVIATIONS or initials


def split_note(text: str) -> tuple[str, str | None]:
    """The command part and the note: after ` -- `, a dash, or the first sentence end."""
    notes: list[str] = []
    dash = _NOTE_DASH.search(f" {text} ")
    if dash:
        head, tail = f" {text} "[: dash.start()], f" {text} "[dash.end() :]
        text, notes = head.strip(), [tail.strip()]
    for end in _SENTENCE_END.finditer(text):
        if end.group(1) == "." and _is_abbreviation(text, end.start()):
            continue
        head, tail = text[: end.start()], text[end.end() :]
        if head.strip():
            text = head.strip()
            notes.insert(0, tail.strip())
            break
    note = " — ".join(n.strip(_EDGE + " ") for n in notes if n.strip(_EDGE + " "))
    return text.strip().rstrip(_EDGE).strip(), note or None


def take_parentheses(text: str) -> tuple[str, str | None]:
    """"Omar Little (Baltimore PD)": what stands in parentheses, and the rest."""
    found = _PARENS.search(text)
    if not found:
        return text, None
    inside = found.group(1).strip()
    rest = (text[: found.start()] + " " + text[found.end() :]).strip()
    return _SPACES.sub(" ", rest), inside or None


def norm(word: str) -> str:
    """A word as the lexicon holds it: lower case, edge punctuation off, curly quotes plain."""
    w = word.lower().replace("’", "'").strip(_EDGE.replace("'", ""))
    if w in ("w/", "w"):
        return "with"
    return w.rstrip("'").strip(",.")


def clean_words(words: list[str]) -> str | None:
    """Words back into a name or phrase, edge punctuation trimmed."""
    text = " ".join(words).strip().strip(_EDGE + " ").strip()
    return text or None
