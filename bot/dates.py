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

import dateparser

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
    "morning", "afternoon", "evening",
}  # fmt: skip
# Words that may appear inside a date phrase but do not make one.
_FILLERS = {
    "in", "next", "last", "this", "on", "at", "a", "an", "day", "days", "week", "weeks",
    "month", "months", "hour", "hours", "min", "mins", "minute", "minutes", "one", "two",
    "three", "four", "five", "six", "seven", "eight", "nine", "ten", "am", "pm", "of",
}  # fmt: skip
# Units of a relative date: "in 3 days", "next week".
_UNITS = {
    "day", "days", "week", "weeks", "month", "months", "hour", "hours", "min", "mins",
    "minute", "minutes",
}  # fmt: skip
_RELATIVE = {"in", "next", "last", "this"}
# What may follow a leading bare number: "3 days ago", "3 dec", "3 pm" (not "Agent 47 today").
_AFTER_NUMBER = _MONTHS | _UNITS | {"am", "pm", "of", "noon", "midnight"}
_NUMBER = re.compile(r"^\d{1,4}(st|nd|rd|th)?$")
_DATEISH = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}(/\d{2,4})?|\d{1,2}(:\d{2})?(am|pm)|\d{1,2}:\d{2})$"
)
_HAS_TIME = re.compile(
    r"(\d(am|pm)\b|\d:\d\d|\bnoon\b|\bmidnight\b|\bmorning\b|\bafternoon\b|\bevening\b|"
    r"\btonight\b|\bnow\b|\bhours?\b|\bmin(ute)?s?\b|\b(am|pm)\b)"
)
MAX_DATE_WORDS = 5
MAX_DISTANCE = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class When:
    at: datetime  # aware, UTC
    local_date: date
    has_time: bool


class DateError(ValueError):
    """A date phrase that could not be read; the message is shown to the member."""


def _is_anchor(word: str, words: list[str]) -> bool:
    if word in _ANCHORS or _DATEISH.match(word):
        return True
    # A unit counts after a relative word: "in 3 days", "next week".
    if word in _UNITS and words[0] in _RELATIVE:
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


@lru_cache(maxsize=4096)
def _parse_local(text: str, base: datetime, prefer: Prefer) -> datetime | None:
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
    # dateparser reads "²" or "٣" as something; nobody means a date by them.
    if not cleaned or any(c.isdigit() and not c.isascii() for c in cleaned):
        raise DateError(text)
    local_now = now.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
    parsed = _parse_local(cleaned, local_now, prefer)
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
    if abs(parsed - local_now) > MAX_DISTANCE:
        raise DateError(text)
    at = to_utc(parsed, tz)
    return When(at=at, local_date=parsed.date(), has_time=has_time)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def week_start(day: date) -> date:
    """Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    return to_utc(datetime.combine(day, time(0, 0)), tz)
