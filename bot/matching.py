"""Which contact did the member mean? Full name, first name, initials or "J. Doe"."""

from __future__ import annotations

from bot.domain import Contact


def same_text(a: str | None, b: str | None) -> bool:
    """Two names or organisations as one, ignoring case the way storage keys them
    (casefold: "STRASSE" is "straße"); nothing is the same as nothing only."""
    return (a or "").casefold() == (b or "").casefold()


def _norm(text: str) -> list[str]:
    # casefold, as storage keys names: "STRASSE" finds "Straße"
    return [w.strip(".,").casefold() for w in text.split() if w.strip(".,")]


def candidate_prefix(query: str) -> str:
    """A prefix that every name `query` can match starts with (case-insensitive), so
    storage reads a handful of candidates rather than every name with that letter."""
    q = _norm(query)
    if not q or not query.lstrip().casefold().startswith(q[0][0]):
        return query.lstrip()[:1]  # punctuation first: as typed, one character
    word = q[0]
    if len(q) == 1 and 2 <= len(word) <= 3 and word.isalpha():
        return word[0]  # may be initials: "JD" is Jane Doe
    return word


def match_contacts(query: str, candidates: list[Contact]) -> list[Contact]:
    """Contacts `query` can mean, best kind of match only (exact beats first name)."""
    q = _norm(query)
    if not q:
        return []
    named = [(c, _norm(c.name)) for c in candidates]
    exact = [c for c, n in named if n == q]
    if exact:
        return exact
    if len(q) == 1:
        word = q[0]
        first = [c for c, n in named if n and n[0] == word]
        if first:
            return first
        if 2 <= len(word) <= 3 and word.isalpha():
            return [c for c, n in named if len(n) == len(word) and "".join(x[0] for x in n) == word]
        return []
    # "J. Doe" / "J Doe": an initial and the rest of the name
    if len(q[0]) == 1:
        return [c for c, n in named if len(n) == len(q) and n[0][0] == q[0] and n[1:] == q[1:]]
    # "Jane D": the name starts with what was typed
    joined = " ".join(q)
    return [c for c, n in named if " ".join(n).startswith(joined)]
