"""Reading a sentence, not a syntax: "Yesterday I had a great call with Jane Doe (Acme)
about their data team" is a conversation with Jane Doe at Acme, yesterday, with a note.

The steps: emoji off; the note split off (a dash, a sentence end); a parenthesised
company taken out; the date phrase found wherever it stands; fillers skipped; the verb
phrase matched from the lexicon (or an introduction: "Sam referred me to Priya"); the
rest read into person, company, role and referrer (bot/reading/objects.py). Pure and
deterministic: the same text always reads the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.dates import find_when
from bot.domain import ActivityKind
from bot.reading.lexicon import (
    ADJECTIVES,
    FILLERS,
    INTRO_MIDDLES,
    OFFER_MIDDLES,
    PLANNED,
    VERBS,
    Element,
    Slot,
    Tense,
    Verb,
)
from bot.reading.objects import Parts, read_parts
from bot.reading.text import clean_words, norm, split_note, strip_emoji, take_parentheses

# How far into a message the verb may start, after fillers: "so today I finally had".
_MAX_LEAD = 6


@dataclass(frozen=True, slots=True)
class Reading:
    """What a member's sentence says they did (or will do)."""

    command: str  # log | lead | followup | schedule
    kind: ActivityKind
    person: str | None = None
    company: str | None = None
    role: str | None = None
    referrer: str | None = None
    when: str | None = None
    note: str | None = None
    guess: str | None = None  # "company": one word read as the organisation
    neutral: bool = False  # no tense: a time later today makes it a plan, not a log


def _match(
    pattern: tuple[Element, ...], words: list[str], i: int, loose: int = 0
) -> int | None:
    """Words matched by `pattern` from i (its end), or None. Backtracks over options;
    `loose` lets ADJ take that many words it does not know ("a case interview at")."""
    if not pattern:
        return i
    (alts, optional), rest = pattern[0], pattern[1:]
    if alts == (("ADJ",),):
        ends, j, unknown = [i], i, 0
        while j < len(words) and (words[j] in ADJECTIVES or unknown < loose):
            unknown += words[j] not in ADJECTIVES
            j += 1
            ends.append(j)
        for end in reversed(ends):  # as many adjectives as leave the rest a match
            found = _match(rest, words, end)
            if found is not None:
                return found
        return None
    for alt in alts:
        if tuple(words[i : i + len(alt)]) == alt:
            found = _match(rest, words, i + len(alt), loose)
            if found is not None:
                return found
    if optional:
        return _match(rest, words, i, loose)
    return None


def _firsts(pattern: tuple[Element, ...]) -> frozenset[str] | None:
    """The words a pattern can start with (None: any word, in a loose match)."""
    if not pattern:
        return frozenset()
    (alts, optional), rest = pattern[0], pattern[1:]
    if alts == (("ADJ",),):
        tail = _firsts(rest)
        return None if tail is None else ADJECTIVES | tail
    heads = frozenset(alt[0] for alt in alts)
    if optional:
        tail = _firsts(rest)
        return None if tail is None else heads | tail
    return heads


def _index() -> tuple[dict[str, tuple[Verb, ...]], tuple[Verb, ...]]:
    """Verbs by the word they can start with (so a message tries a handful, not all),
    and those that open with ADJ (a loose match may start them with any word)."""
    by_word: dict[str, list[Verb]] = {}
    for verb in VERBS:
        for word in _firsts(verb.pattern) or ():
            by_word.setdefault(word, []).append(verb)
    open_ = tuple(v for v in VERBS if v.pattern[0][0] == (("ADJ",),))
    return {w: tuple(vs) for w, vs in by_word.items()}, open_


_BY_WORD, _OPEN = _index()
# A loose match needs one of these nouns ("interview", "call"...) somewhere in the message.
_NOUNS = frozenset(w for v in _OPEN for alt in v.pattern[1][0] for w in alt[:1])


def _find_verb(lowered: list[str]) -> tuple[Verb, int, int] | None:
    """The verb phrase: (verb, start, end), at the start or after fillers. Known words
    first; then a noun with words the lexicon lacks before it ("HM interview with")."""
    for loose in (0, 2):
        if loose and _NOUNS.isdisjoint(lowered):
            break
        for start in range(min(_MAX_LEAD, len(lowered)) + 1):
            if start > 0 and lowered[start - 1] not in FILLERS:
                break
            best: tuple[Verb, int, int] | None = None
            first = lowered[start] if start < len(lowered) else ""
            candidates = _BY_WORD.get(first, ())
            if loose:
                candidates = (*candidates, *_OPEN)
            for verb in candidates:
                end = _match(verb.pattern, lowered, start, loose)
                if end is not None and end > start and (best is None or end > best[2]):
                    best = (verb, start, end)
            if best is not None:
                return best
    return None


# "sent Ana a follow-up", "shot Raj a quick note": the person between verb and noun.
_GIVING = frozenset({"sent", "shot", "dropped", "gave", "wrote", "emailed", "messaged"})
_GIVEN: dict[str, ActivityKind] = {
    **dict.fromkeys(
        ("message", "msg", "note", "email", "dm", "text", "line", "inmail", "invite", "request"),
        ActivityKind.OUTREACH,
    ),
    **dict.fromkeys(
        ("follow-up", "followup", "follow", "nudge", "reminder"), ActivityKind.FOLLOWUP
    ),
    **dict.fromkeys(("thank", "thanks", "thank-you", "thankyou", "ty"), ActivityKind.THANKYOU),
}


def _giving(lowered: list[str]) -> tuple[int, int, int, ActivityKind] | None:
    """(verb start, person end, noun end, kind) for "sent <person> a <noun>"."""
    start = _skip_fillers(lowered, 0, min(_MAX_LEAD, len(lowered)))
    if start >= len(lowered) or lowered[start] not in _GIVING:
        return None
    for j in range(start + 2, min(start + 8, len(lowered) - 1)):
        if lowered[j] in ("a", "an", "my", "another", "the"):
            k = j + 1
            while k < len(lowered) and lowered[k] in ADJECTIVES - {"follow-up", "followup"}:
                k += 1
            if k < len(lowered) and lowered[k] in _GIVEN:
                end = k + 1
                while end < len(lowered) and lowered[end] in ("up", "you", "u", "note", "email"):
                    end += 1
                return start, j, end, _GIVEN[lowered[k]]
    return None


def _find_middle(lowered: list[str], middles: tuple[list[str], ...]) -> tuple[int, int] | None:
    firsts = {m[0] for m in middles}
    for i in range(1, len(lowered)):
        if lowered[i] not in firsts:
            continue
        for m in middles:
            if lowered[i : i + len(m)] == m:
                return i, i + len(m)
    return None


def _command(verb: Verb) -> str:
    """What a verb phrase asks for. Without a tense ("coffee with Jane friday") it is a
    log whose date decides: the log command schedules it when the nearer reading of
    the date is still to come (bot/dates.py nearer_when)."""
    if verb.command == "log" and verb.tense is Tense.FUTURE:
        return "schedule"
    return verb.command


def read_sentence(text: str) -> Reading | None:
    """The reading of a free sentence, or None when no verb phrase is found."""
    head, note = split_note(strip_emoji(text))
    head, parenthesised = take_parentheses(head)
    words, when = find_when(head.split())
    lowered = [norm(w) for w in words]
    intro = _find_middle(lowered, INTRO_MIDDLES)
    if intro is not None:
        return _introduction(words, lowered, intro, when, note, parenthesised)
    offer = _find_middle(lowered, OFFER_MIDDLES)
    if offer is not None:
        start = _skip_fillers(lowered, 0, offer[0])
        company = clean_words(words[start : offer[0]])
        parts = read_parts(words[offer[1] :], Slot.COMPANY)
        return _reading("log", ActivityKind.OFFER, parts, when, note, parenthesised, company)
    giving = _giving(lowered)
    if giving is not None:
        start, person_end, end, kind = giving
        parts = read_parts(words[start + 1 : person_end] + words[end:])
        return _reading("log", kind, parts, when, note, parenthesised)
    found = _find_verb(lowered)
    if found is None:
        return None
    verb, _, end = found
    parts = read_parts(words[end:], verb.slot, lead=verb.command == "lead")
    command = _command(verb)
    rest = lowered[end:]
    if command == "log" and verb.tense is Tense.NEUTRAL and _planned(rest):
        command = "schedule"
    if command == "followup" and verb.tense is Tense.FUTURE and not when:
        when = "tomorrow"  # "remind me to follow up with Jane": a reminder, not a log
    return _reading(
        command, verb.kind, parts, when, note, parenthesised, weak=verb.weak,
        neutral=verb.tense is Tense.NEUTRAL and command == "log",
    )  # fmt: skip


def _planned(words: list[str]) -> bool:
    return any(words[k : k + len(p)] == list(p) for p in PLANNED for k in range(len(words)))


def _skip_fillers(lowered: list[str], start: int, end: int) -> int:
    while start < end and lowered[start] in FILLERS:
        start += 1
    return start


def _introduction(
    words: list[str],
    lowered: list[str],
    middle: tuple[int, int],
    when: str | None,
    note: str | None,
    parenthesised: str | None,
) -> Reading:
    """"Sam referred me to Priya at Initech": a lead from the words before the middle."""
    start = _skip_fillers(lowered, 0, middle[0])
    referrer_parts = read_parts(words[start : middle[0]])
    # The referrer is named already: "from Unity" after the person is where they work.
    parts = read_parts(words[middle[1] :], Slot.PERSON, lead=not referrer_parts.person)
    parts.referrer = parts.referrer or referrer_parts.person
    if parts.company is None and referrer_parts.company and parts.person is None:
        parts.company = referrer_parts.company
    return _reading("lead", ActivityKind.REFERRAL, parts, when, note, parenthesised)


def _reading(
    command: str,
    kind: ActivityKind,
    parts: Parts,
    when: str | None,
    note: str | None,
    parenthesised: str | None,
    company: str | None = None,
    weak: bool = False,
    neutral: bool = False,
) -> Reading:
    company = company or parts.company
    if parenthesised and company is None:
        company = parenthesised
    elif parenthesised:
        parts.notes.append(parenthesised)
    if kind in (ActivityKind.APPLICATION, ActivityKind.OFFER) and company is None:
        company, parts.person = parts.person, None  # "applied to Hooli": an organisation
    notes = [n for n in (*parts.notes, note) if n]
    return Reading(
        command=command,
        kind=kind,
        person=parts.person,
        company=company,
        role=parts.role,
        referrer=parts.referrer,
        when=when,
        note=" — ".join(notes) or None,
        guess="weak" if weak else parts.guess,
        neutral=neutral,
    )
