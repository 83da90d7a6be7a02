"""How dates, names and counts read in replies."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain import Contact
from bot.replies import Line, UserText, line


def day_label(day: date, today: date) -> str:
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    if -6 <= delta <= 6:
        return f"{'last ' if delta < 0 else ''}{day.strftime('%a')}"
    if day.year == today.year:
        return f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"
    return day.isoformat()


def when_label(instant: datetime, tz: ZoneInfo, today: date, with_time: bool = True) -> str:
    local = instant.astimezone(tz)
    label = day_label(local.date(), today)
    return f"{label} {local.strftime('%H:%M')}" if with_time else label


def first_name(display_name: str) -> str:
    parts = display_name.split()
    return parts[0] if parts else display_name


def who(contact: Contact | None, company: str | None = None) -> Line:
    """'Jane Doe (Acme)', 'Jane Doe', or 'Acme' — all user text."""
    if contact is None:
        return line(UserText(company)) if company else line("someone")
    org = contact.company or company
    if org:
        return line(UserText(contact.name), " (", UserText(org), ")")
    return line(UserText(contact.name))


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²' and other digits int() refuses."""
    return text.isascii() and text.isdigit()
