"""Who, where, which role, via whom: the words after the verb.

    Jane Doe @Acme            Jane Doe from Acme          Omar Little (Baltimore PD)
    Jane, Acme                Priya at Initech via Sam    the data analyst role at Globex
    a recruiter from Acme     Jane for coffee             Kim from HHM on linkedin

A marker word (`at`, `from`, `of`, `@`, `,`, `with`, `via`, `as`, `for`, `about`, a
channel) starts a new part; a part runs until the next marker. Nothing here invents a
name: every part is made of the member's own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.reading.lexicon import (
    CHANNEL_MARKERS,
    CHANNELS,
    COMPANY_MARKERS,
    DETERMINERS,
    ENDERS,
    ORG_ENDINGS,
    ORG_HEADS,
    PURPOSE,
    PURPOSE_PAIRS,
    REFERRER_MARKERS,
    ROLE_NOUNS,
    Slot,
)
from bot.reading.text import clean_words, norm


@dataclass(slots=True)
class Parts:
    person: str | None = None
    company: str | None = None
    role: str | None = None
    referrer: str | None = None
    notes: list[str] = field(default_factory=list)
    guess: str | None = None  # a split the reader was unsure of, said in the reply

    @property
    def note(self) -> str | None:
        return " — ".join(self.notes) or None


def _role_words(words: list[str]) -> list[str]:
    """"the data analyst role" -> "data analyst"; "a PM position" -> "PM"."""
    out = list(words)
    while out and norm(out[0]) in DETERMINERS:
        out = out[1:]
    if len(out) > 1 and norm(out[-1]) in ROLE_NOUNS:
        out = out[:-1]
    return out


def _is_role(words: list[str]) -> bool:
    return bool(words) and norm(words[-1]) in ROLE_NOUNS


def _channel_at(lowered: list[str], i: int) -> int:
    """How many words a channel phrase at i takes ("on linkedin", "over the phone"): 0 if none."""
    if lowered[i] not in CHANNEL_MARKERS or i + 1 >= len(lowered):
        return 0
    j = i + 1
    if lowered[j] in ("the", "a") and j + 1 < len(lowered):
        j += 1
    return j - i + 1 if lowered[j] in CHANNELS else 0


def read_parts(words: list[str], slot: Slot = Slot.PERSON, lead: bool = False) -> Parts:
    """Read the words after a verb; `slot` says what the first part names, `lead` that
    "from X" is who gave the lead ("an intro to Priya from Sam")."""
    colon = next((k for k, w in enumerate(words) if w.endswith(":")), None) if lead else None
    if colon is not None:
        # "from Priya Nair: Daniel Kim at Goldman Sachs": who gave it, then who it is.
        giver = [w.rstrip(":") for w in words[: colon + 1]]
        while giver and norm(giver[0]) in ("from", "via", "by"):
            giver = giver[1:]
        parts = read_parts(words[colon + 1 :], slot, lead=True)
        parts.referrer = parts.referrer or clean_words(_name(giver))
        return parts
    parts = Parts()
    # "introduced to X from Zalando by Lars": with a "by", "from" is where they work.
    by_later = lead and "by" in [norm(w) for w in words]
    lowered = [norm(w) for w in words]
    chunks: list[tuple[str, list[str]]] = []  # (what, words)
    what, current = "first", list[str]()
    i = 0
    while i < len(words):
        w, lw = words[i], lowered[i]
        channel = _channel_at(lowered, i)
        step, new = 1, None
        if channel:
            step, new = channel, "skip"
        elif w.startswith("@") and len(w) > 1:
            chunks.append((what, current))
            what, current = "company", [w[1:]]
            i += 1
            continue
        elif lw == "from" and lead and not by_later:
            new = "referrer"  # "an intro to Priya from Sam"
        elif lw == "by" and lead:
            new = "referrer"
        elif lw == "to" and lead and (current or what != "first"):
            new = "person"  # "a referral from Sam to Jane"
        elif lw in COMPANY_MARKERS and not (lw == "of" and i and lowered[i - 1] in ORG_HEADS):
            new = "company"
        elif lw == "with" and (current or what != "first" or i == 0):
            new = "person"
        elif any(lowered[i : i + len(m)] == list(m) for m in REFERRER_MARKERS):
            marker = next(m for m in REFERRER_MARKERS if lowered[i : i + len(m)] == list(m))
            step, new = len(marker), "referrer"
        elif lw == "as":
            new = "role"
        elif lw == "for":
            new = "for"
        elif lw in PURPOSE:
            new = "note"
        elif any(lowered[i : i + len(p)] == list(p) for p in PURPOSE_PAIRS):
            pair = next(p for p in PURPOSE_PAIRS if lowered[i : i + len(p)] == list(p))
            step, new = len(pair), "note"
        elif w.endswith(",") and what in ("first", "person") and i + 1 < len(words):
            current.append(w.rstrip(","))
            chunks.append((what, current))
            what, current = "comma", []
            i += 1
            continue
        elif lw in ENDERS and current and what != "note":
            new = "rest"
        if new is None:
            current.append(w)
            i += step
            continue
        chunks.append((what, current))
        what, current = new, []
        i += step
    chunks.append((what, current))
    _assign(parts, chunks, slot)
    return parts


def _assign(parts: Parts, chunks: list[tuple[str, list[str]]], slot: Slot) -> None:
    named_company = any(what == "company" and words for what, words in chunks)
    if slot is Slot.ROLE:
        # "applied for ML engineer at Hugging Face": the first words are the role when an
        # organisation follows, else the organisation ("applied for Hooli").
        first = "role" if named_company else "company"
        chunks = [(first if w == "first" else w, ws) for w, ws in chunks]
    elif slot is Slot.COMPANY and named_company and chunks[0] == ("first", chunks[0][1]):
        slot = Slot.PERSON  # "log application Jane Doe @Acme": a person, then the company
    for what, words in chunks:
        if not words and what != "first":
            continue
        if what == "first":
            _first(parts, words, slot, named_company)
        elif what == "company":
            if words and norm(words[0]) in DETERMINERS and len(words) > 1:
                # "from the Acme team" / "at the meetup": still the organisation's words
                words = words[1:]
            if parts.company is None:
                parts.company = clean_words(_strip_possessive(words))
            else:
                parts.notes.append(" ".join(words))
        elif what == "person":
            if parts.person is None and not _is_description(words):
                parts.person = clean_words(_name(words))
        elif what == "comma":
            if _is_description(words) or _is_role(words):
                _description(parts, words)
            elif parts.company is None:
                parts.company = clean_words(words)
        elif what == "referrer":
            parts.referrer = parts.referrer or clean_words(_name(words))
        elif what == "role":
            parts.role = parts.role or clean_words(_role_words(words))
        elif what == "for":
            if _is_role(words):
                parts.role = parts.role or clean_words(_role_words(words))
            else:
                note = [w for w in words if norm(w) not in ("a", "an")] or words
                parts.notes.append(" ".join(note))
        elif what == "note" or (what == "rest" and not all(norm(w) in ENDERS for w in words)):
            parts.notes.append(" ".join(words))


def _strip_possessive(words: list[str]) -> list[str]:
    """"Acme's data team" -> "Acme"."""
    for k, w in enumerate(words):
        if w.lower().endswith(("'s", "’s")) and k + 1 < len(words):
            return [*words[:k], w[:-2]]
    return words


def _is_description(words: list[str]) -> bool:
    return bool(words) and norm(words[0]) in DETERMINERS


def _description(parts: Parts, words: list[str]) -> None:
    """"a recruiter" / "the hiring manager": who they are, not their name nor a job role
    they want; "the data analyst role" is one."""
    if _is_role(words) and parts.role is None:
        parts.role = clean_words(_role_words(words))


def _name(words: list[str]) -> list[str]:
    """"my old boss Ron Swanson" -> "Ron Swanson": a description before a name goes."""
    if words and norm(words[0]) in ("my", "our") and len(words) > 1:
        for k, w in enumerate(words[1:], start=1):
            if w[:1].isupper():
                return words[k:]
    return words


def looks_like_company(words: list[str]) -> bool:
    """"Procter & Gamble", "Globex Corp", "City of Austin", "IBM": an organisation."""
    lowered = [norm(w) for w in words]
    return (
        "&" in words
        or (bool(lowered) and lowered[-1] in ORG_ENDINGS)
        or (len(lowered) > 2 and lowered[0] in ORG_HEADS and lowered[1] == "of")
        or (len(words) == 1 and len(words[0]) > 1 and words[0].isupper())
    )


def _first(parts: Parts, words: list[str], slot: Slot, named_company: bool) -> None:
    if not words:
        return
    if slot is Slot.COMPANY:
        if words and norm(words[0]) in ("the", "a", "an") and _is_role(words):
            parts.role = clean_words(_role_words(words))
            return
        parts.company = clean_words(words)
        return
    if _is_description(words):
        _description(parts, words)
        return
    if slot is Slot.EITHER and not named_company:
        if looks_like_company(words):
            parts.company = clean_words(words)
            return
        if len(words) == 1:
            # "interview with Acme": one word after an interview is most often the company.
            parts.company = clean_words(words)
            parts.guess = "company"
            return
    parts.person = clean_words(_name(words))


__all__ = ["Parts", "read_parts"]
