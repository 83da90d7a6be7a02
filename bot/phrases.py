"""Forgiving free text after a command word: "Jane Doe @Acme via Sam yesterday -- coffee"
into its parts. The same reader as free sentences (bot/reading), so `log meeting ...`,
`lead ...`, `schedule ...` and "met Jane ..." understand the same things."""

from __future__ import annotations

from dataclasses import dataclass

from bot.dates import find_when
from bot.reading.lexicon import Slot
from bot.reading.objects import read_parts
from bot.reading.text import split_note, strip_emoji, take_parentheses


@dataclass(frozen=True, slots=True)
class Phrase:
    person: str | None = None
    company: str | None = None
    via: str | None = None
    when: str | None = None
    note: str | None = None
    role: str | None = None
    guess: str | None = None  # "company": one word read as the organisation


def parse_phrase(text: str, slot: Slot = Slot.PERSON, lead: bool = False) -> Phrase:
    """Split `text` into person, company, referrer, date phrase, note and role: the date
    anywhere, "for coffee" a note, "for the analyst role" a role. `slot` says what the
    first words name (an application's are the organisation)."""
    head, note = split_note(strip_emoji(text))
    head, parenthesised = take_parentheses(head)
    words, when = find_when(head.split())
    if words and words[0].lower() == "with":
        words = words[1:]
    parts = read_parts(words, slot, lead=lead)
    company = parts.company
    notes = list(parts.notes)
    if parenthesised and company is None:
        company = parenthesised
    elif parenthesised:
        notes.append(parenthesised)
    if note:
        notes.append(note)
    return Phrase(
        person=parts.person,
        company=company,
        via=parts.referrer,
        when=when,
        note=" — ".join(notes) or None,
        role=parts.role,
        guess=parts.guess,
    )

