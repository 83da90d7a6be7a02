"""Dates and times as members type them, read in the member's own timezone.

dateparser does the parsing; this module decides which trailing words of a
command are a date at all (so "Jane May" stays a name) and caches parses,
which are pure functions of (text, local minute, preference).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

Prefer = Literal["past", "future"]

_WEEKDAYS = {
    "mon", "monday", "tue", "tues", "tuesday", "wed", "weds", "wednesday", "thu", "thur",
    "thurs", "thursday", "fri", "friday", "sat", "saturday", "sun", "sunday",
}  # fmt: skip
_MONTHS = {
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun",
    "june", "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october",
    "nov", "november", "dec", "december",
}  # fmt: skip
# Words that make a phrase a date on their own.
_ANCHORS = _WEEKDAYS | {
    "today", "tonight", "yesterday", "tomorrow", "now", "ago", "noon", "midnight",
    "morning", "afternoon", "evening", "tmrw", "tmr", "tmrow", "yday", "yest", "tdy",
}  # fmt: skip
# Words that may appear inside a date phrase but do not make one.
_FILLERS = {
    "in", "next", "last", "this", "on", "at", "a", "an", "day", "days", "week", "weeks",
    "month", "months", "hour", "hours", "min", "mins", "minute", "minutes", "one", "two",
    "three", "four", "five", "six", "seven", "eight", "nine", "ten", "am", "pm", "of",
    "earlier", "few", "couple", "first", "thing", "the", "other", "past", "just", "night",
    "after",
    "weekend",
}  # fmt: skip
# Units of a relative date: "in 3 days", "next week".
_UNITS = {
    "day", "days", "week", "weeks", "month", "months", "hour", "hours", "min", "mins",
    "minute", "minutes", "night", "weekend",
}  # fmt: skip
_RELATIVE = {"in", "next", "last", "this", "other", "the"}
# What may follow a leading bare number: "3 days ago", "3 dec", "3 pm" (not "Agent 47 today").
_AFTER_NUMBER = _MONTHS | _UNITS | {"am", "pm", "of", "noon", "midnight"}
_NUMBER = re.compile(r"^\d{1,4}(st|nd|rd|th)?$")
_DATEISH = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2}(t\d{1,2}:\d{2}(:\d{2})?)?|\d{1,2}/\d{1,2}(/\d{2,4})?|"
    r"\d{1,2}(:\d{2})?(am|pm)|\d{1,2}:\d{2})$"
)
_HAS_TIME = re.compile(
    r"(\d(am|pm)\b|\d:\d\d|\bnoon\b|\bmidnight\b|\bmorning\b|\bafternoon\b|\bevening\b|"
    r"\btonight\b|\bnow\b|\bhours?\b|\bmin(ute)?s?\b|\b(am|pm)\b)"
)
_CLOCK = re.compile(r"\d(am|pm)\b|\d:\d\d|\b(am|pm)\b|\bnoon\b|\bmidnight\b")
_LATER = re.compile(r"\b(tonight|evening|later)\b")
MAX_DATE_WORDS = 5
MAX_DISTANCE = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class When:
    at: datetime  # aware, UTC
    local_date: date
    has_time: bool


def stamp(at: datetime, tz: ZoneInfo) -> str:
    """A time as a button carries it: absolute, so a tap tomorrow means the same, and in
    the form this module reads back."""
    return f"{at.astimezone(tz):%Y-%m-%d %H:%M}"


class DateError(ValueError):
    """A date phrase that could not be read; the message is shown to the member."""


class DateOutOfRange(DateError):
    """A date that reads, but lies further than MAX_DISTANCE from now."""


_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")


_ORDINAL = re.compile(r"^(\d{1,2})(st|nd|rd|th)$")


def _is_anchor(word: str, words: list[str]) -> bool:
    if word in _ANCHORS or _DATEISH.match(word):
        return True
    # "on the 6th": an ordinal after "the" is a day of the month.
    if _ORDINAL.match(word) and "the" in words[: words.index(word)]:
        return True
    # A unit counts after a relative word: "in 3 days", "next week".
    if word in _UNITS and (words[0] in _RELATIVE or "other" in words):
        return True
    # A month name counts only beside a day number: "dec 3", not "June Smith".
    return word in _MONTHS and any(_NUMBER.match(w) for w in words)


def _is_date_word(word: str) -> bool:
    return (
        word in _ANCHORS
        or word in _FILLERS
        or word in _MONTHS
        or bool(_NUMBER.match(word) or _DATEISH.match(word))
    )


def split_when(words: list[str]) -> tuple[list[str], str | None]:
    """Split trailing date words off `words`: (rest, date phrase or None)."""
    lowered = [w.lower().strip(",.") for w in words]
    for size in range(min(MAX_DATE_WORDS, len(words)), 0, -1):
        tail = lowered[-size:]
        if not all(_is_date_word(w) for w in tail):
            continue
        if not any(_is_anchor(w, tail) for w in tail):
            continue
        if _NUMBER.match(tail[0]) and (len(tail) == 1 or tail[1] not in _AFTER_NUMBER):
            continue  # a number ending a name: "Agent 47 today"
        rest = words[:-size]
        # "met Jane on tuesday": the preposition belongs to the date.
        while rest and rest[-1].lower() in {"on", "at"}:
            rest = rest[:-1]
        return rest, " ".join(tail)
    return words, None


# Before a date phrase, these belong to it: "met Jane on tuesday", "call Jane by fri".
_LEADING = {"on", "at", "by", "for", "from", "over"}
_SHORT_DAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
_UNREAD = {"by", "for", "from", "over"}
# Everyday phrases dateparser does not read, in the words it does.
_SAYINGS = {
    "tmrw": "tomorrow",
    "tmrow": "tomorrow",
    "tmr": "tomorrow",
    "yday": "yesterday",
    "yest": "yesterday",
    "tdy": "today",
    "earlier today": "today",
    "this past": "last",
    "first thing this morning": "this morning",
    "first thing": "this morning",
    "just now": "now",
    "a few days ago": "3 days ago",
    "a couple of days ago": "2 days ago",
    "a couple days ago": "2 days ago",
    "the other day": "2 days ago",
    "last night": "yesterday 20:00",
    "next week": "next monday",
    "the day after tomorrow": "in 2 days",
    "day after tomorrow": "in 2 days",
    "the day before yesterday": "2 days ago",
    "day before yesterday": "2 days ago",
    "this weekend": "saturday",
    "last weekend": "last saturday",
    "over the weekend": "last saturday",
    "the weekend": "saturday",
    "yesterday evening": "yesterday 18:00",
    "yesterday morning": "yesterday 09:00",
    "yesterday afternoon": "yesterday 15:00",
}


def find_when(words: list[str]) -> tuple[list[str], str | None]:
    """Take the date phrase out of `words`, wherever it stands: (rest, phrase or None).

    "Yesterday I met Jane", "met Jane yesterday for coffee" and "met Jane Tue at 3pm"
    all read; two separate pieces ("yesterday ... at 10am") are joined. Names stay
    names: a month needs a day number beside it, a number needs a unit after it.
    """
    lowered = [w.lower().strip(",.!?;:()") for w in words]
    for k, w in enumerate(words[:-1]):
        # "Sun Li", "Wed Ahmed": a capitalised short day before a capitalised word is a name.
        name_like = w[:1].isupper() and words[k + 1][:1].isupper()
        if lowered[k] in _SHORT_DAYS and name_like and not _is_date_word(lowered[k + 1]):
            lowered[k] = "\0"
    taken: list[tuple[int, int]] = []
    i = 0
    while i < len(words) and len(taken) < 2:
        span = _phrase_at(lowered, i)
        if span is None:
            i += 1
            continue
        start, end = span
        lead = start - 1
        if lead >= 0 and lowered[lead] in _LEADING and not any(b > lead for _, b in taken):
            start = lead
        taken.append((start, end))
        i = end
    if not taken:
        return words, None
    pieces = [lowered[a:b] for a, b in taken]
    # "for friday", "by fri": the preposition goes with the date but is not read.
    phrase = " ".join(" ".join(p[1:] if p[0] in _UNREAD else p) for p in pieces)
    rest = [w for k, w in enumerate(words) if not any(a <= k < b for a, b in taken)]
    return rest, phrase


def _phrase_at(lowered: list[str], i: int) -> tuple[int, int] | None:
    """The longest date phrase starting at word i, as (start, end)."""
    if not _is_date_word(lowered[i]) or lowered[i] in _LEADING:
        return None
    for size in range(min(MAX_DATE_WORDS, len(lowered) - i), 0, -1):
        window = lowered[i : i + size]
        if not all(_is_date_word(w) for w in window):
            continue
        if not any(_is_anchor(w, window) for w in window):
            continue
        if _NUMBER.match(window[0]) and (len(window) == 1 or window[1] not in _AFTER_NUMBER):
            continue  # a number in a name: "Agent 47 today"
        while size > 1 and not _is_anchor(window[-1], window) and window[-1] in _FILLERS:
            size -= 1  # "yesterday at Acme": the "at" is the company's
            window = window[:size]
        return i, i + size
    return None


_SAYING = re.compile(
    r"\b(" + "|".join(re.escape(k) for k in sorted(_SAYINGS, key=len, reverse=True)) + r")\b"
)
_BARE_HOUR = re.compile(r"\bat (\d{1,2})$")


def _said(cleaned: str) -> str:
    """Everyday phrasings rewritten into ones dateparser reads."""
    cleaned = _SAYING.sub(lambda m: _SAYINGS[m.group(0)], cleaned)
    # "fri at 2": an hour of the working day, not the 2nd of a month.
    bare = _BARE_HOUR.search(cleaned)
    if bare:
        hour = int(bare.group(1))
        if 1 <= hour <= 12:
            suffix = "pm" if hour == 12 or hour <= 7 else "am"
            cleaned = cleaned[: bare.start(1)] + f"{hour}{suffix}"
    return cleaned


@lru_cache(maxsize=4096)
def _parse_local(text: str, base: datetime, prefer: Prefer) -> datetime | None:
    # Imported on first use: a tenth of a second of every start, and most messages'
    # dates are read without it.
    import dateparser

    return dateparser.parse(
        text,
        languages=["en"],
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": prefer,
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """Attach the zone to a naive local time; a time skipped by a DST change moves on."""
    aware = local.replace(tzinfo=tz)
    roundtrip = aware.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None)
    if roundtrip != local:  # in a spring-forward gap
        aware = (local + timedelta(hours=1)).replace(tzinfo=tz)
    return aware.astimezone(ZoneInfo("UTC"))


_WEEKDAY_INDEX = {
    name: i
    for i, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}


# dateparser misses some short forms ("last wed"); full names always read.
_FULL_DAY = {
    name: full
    for full, *shorts in (
        ("monday", "mon"),
        ("tuesday", "tue", "tues"),
        ("wednesday", "wed", "weds"),
        ("thursday", "thu", "thur", "thurs"),
        ("friday", "fri"),
        ("saturday", "sat"),
        ("sunday", "sun"),
    )
    for name in shorts
}


def _names_today(cleaned: str, local_now: datetime) -> bool:
    """A bare weekday name (maybe with a time) that is today's weekday."""
    words = cleaned.split()
    days = [w for w in words if w in _WEEKDAY_INDEX]
    return (
        len(days) == 1
        and _WEEKDAY_INDEX[days[0]] == local_now.weekday()
        and not any(w in ("next", "last", "ago", "in") for w in words)
    )


_THE_NTH = re.compile(r"\b(?:on )?the (\d{1,2})(?:st|nd|rd|th)\b")


def _day_of_month(cleaned: str, today: date, prefer: Prefer) -> str:
    """"the 20th": that day of this month, or of the next (last) one when it has passed
    (is still to come) — dateparser reads it as a day of some other month."""
    found = _THE_NTH.search(cleaned)
    if not found:
        return cleaned
    day = int(found.group(1))
    year, month = today.year, today.month
    for _ in range(3):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and (
            (prefer == "future" and candidate >= today) or (prefer == "past" and candidate <= today)
        ):
            return cleaned[: found.start()] + candidate.isoformat() + cleaned[found.end() :]
        step = 1 if prefer == "future" else -1
        month += step
        if month == 0:
            year, month = year - 1, 12
        elif month == 13:
            year, month = year + 1, 1
    return cleaned


_QUICK = {
    "now": timedelta(0),
    "today": timedelta(0),
    "yesterday": timedelta(days=-1),
    "tomorrow": timedelta(days=1),
}


def parse_when(
    text: str,
    tz: ZoneInfo,
    now: datetime,
    prefer: Prefer,
    default_time: time | None = None,
) -> When:
    """Read `text` in zone `tz` relative to `now` (aware UTC).

    Without a time of day, a past date keeps the current time when it is today and
    noon otherwise; a future date takes `default_time` (else 09:00).
    """
    cleaned = " ".join(_FULL_DAY.get(w, w) for w in text.lower().replace(",", " ").split())
    cleaned = _said(cleaned)
    # dateparser reads "²" or "٣" as something; nobody means a date by them.
    if not cleaned or any(c.isdigit() and not c.isascii() for c in cleaned):
        raise DateError(text)
    local_now = now.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
    cleaned = _day_of_month(cleaned, local_now.date(), prefer)
    # The words most messages carry need no parser: dateparser costs ~0.3 ms a call.
    quick = _QUICK.get(cleaned)
    parsed = local_now + quick if quick is not None else _parse_local(cleaned, local_now, prefer)
    if parsed is None:
        raise DateError(text)
    has_time = bool(_HAS_TIME.search(cleaned))
    if _names_today(cleaned, local_now):
        # "met Jane wed" on a Wednesday means today, not a week ago (dateparser's reading).
        today_at = datetime.combine(local_now.date(), parsed.time())
        earlier = today_at <= local_now
        if (prefer == "past" and (not has_time or earlier)) or (
            prefer == "future" and has_time and not earlier
        ):
            parsed = today_at
    if not has_time:
        if parsed.date() == local_now.date():
            parsed = local_now
        elif prefer == "past":
            parsed = datetime.combine(parsed.date(), time(12, 0))
        else:
            parsed = datetime.combine(parsed.date(), default_time or time(9, 0))
    # "this morning", not "at 9am" nor "tonight" (which is still to come)
    vague = not _CLOCK.search(cleaned) and not _LATER.search(cleaned)
    if prefer == "past" and vague and parsed.date() == local_now.date() and parsed > local_now:
        parsed = local_now  # "this morning" said at 7 am: earlier today, never later
    if abs(parsed - local_now) > MAX_DISTANCE:
        # A year typed out is a real date, too far off; else a misreading ("32/13": 1932).
        raise (DateOutOfRange if _YEAR.search(cleaned) else DateError)(text)
    at = to_utc(parsed, tz)
    return When(at=at, local_date=parsed.date(), has_time=has_time)


def nearer_when(
    text: str, tz: ZoneInfo, now: datetime, default_time: time | None = None
) -> tuple[When, When | None]:
    """For words with no tense ("coffee with Jane friday", "interview at Hooli on Jan 15"):
    the reading nearer to now, and the other one when it differs (offered as a fix)."""
    readings: list[When] = []
    prefers: tuple[Prefer, Prefer] = ("past", "future")
    too_far = False
    for prefer in prefers:
        try:
            readings.append(parse_when(text, tz, now, prefer, default_time))
        except DateOutOfRange:
            too_far = True
        except DateError:
            continue
    if not readings:
        raise DateOutOfRange(text) if too_far else DateError(text)
    if len(readings) == 1 or readings[0].local_date == readings[1].local_date:
        return readings[0], None
    past, future = readings
    # A time of day names a plan more often than a memory: "interview with Acme thu 3pm".
    planned = future.has_time and future.at - now <= timedelta(days=7)
    if not planned and abs(now - past.at) <= abs(future.at - now):
        return past, future
    return future, past


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def week_start(day: date) -> date:
    """Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    return to_utc(datetime.combine(day, time(0, 0)), tz)
