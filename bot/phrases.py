"""Forgiving free text: "Jane Doe @Acme via Sam yesterday -- coffee" into its parts."""

from __future__ import annotations

from dataclasses import dataclass

from bot.dates import split_when

_COMPANY_WORDS = ("from", "at")


@dataclass(frozen=True, slots=True)
class Phrase:
    person: str | None = None
    company: str | None = None
    via: str | None = None
    when: str | None = None
    note: str | None = None


def _join(words: list[str]) -> str | None:
    text = " ".join(words).strip()
    return text or None


def _split_note(text: str) -> tuple[str, str | None]:
    for marker in (" -- ", " — ", " – "):
        if marker in f" {text} ":
            head, _, tail = f" {text} ".partition(marker)
            return head.strip(), tail.strip() or None
    return text, None


def parse_phrase(text: str, purpose_note: bool = False) -> Phrase:
    """Split `text` into person, company, referrer, date phrase and note.

    `purpose_note` lets "for coffee" become the note ("met Jane from Acme for coffee").
    """
    head, note = _split_note(text)
    words = head.split()
    words, when = split_when(words)
    if purpose_note and "for" in (w.lower() for w in words):
        idx = max(i for i, w in enumerate(words) if w.lower() == "for")
        if idx > 0:
            extra = _join(words[idx + 1 :])
            note = " — ".join(x for x in (extra, note) if x) or None
            words = words[:idx]
    via = None
    lowered = [w.lower() for w in words]
    if "via" in lowered:
        idx = len(lowered) - 1 - lowered[::-1].index("via")
        via = _join(words[idx + 1 :])
        words = words[:idx]
    company_words: list[str] | None = None
    for i, w in enumerate(words):
        if w.startswith("@") and len(w) > 1:
            company_words = [w[1:], *words[i + 1 :]]
            words = words[:i]
            break
        if w == "@" and i + 1 < len(words):
            company_words = words[i + 1 :]
            words = words[:i]
            break
    if company_words is not None:
        # "Jane from @Acme": the word before the company belongs to it.
        while words and words[-1].lower() in _COMPANY_WORDS:
            words = words[:-1]
    else:
        lowered = [w.lower() for w in words]
        for i in range(len(words) - 1, 0, -1):
            if lowered[i] in _COMPANY_WORDS and i + 1 < len(words):
                company_words = words[i + 1 :]
                words = words[:i]
                break
    person_words = words
    if company_words is not None:
        lowered_c = [w.lower() for w in company_words]
        if "with" in lowered_c and not person_words:
            idx = lowered_c.index("with")
            person_words = company_words[idx + 1 :]
            company_words = company_words[:idx]
    if person_words and person_words[0].lower() == "with":
        person_words = person_words[1:]
    return Phrase(
        person=_join(person_words),
        company=_join(company_words or []),
        via=via,
        when=when,
        note=note,
    )
