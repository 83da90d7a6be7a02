"""The corpus files and how a parse is compared with what a row expects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.commands import Invocation
from bot.dates import DateError, nearer_when, parse_when
from bot.errors import UserError
from bot.handlers.log import FUTURE_SLACK
from bot.parser import parse_text

HERE = Path(__file__).parent
# Every row is read at this moment (a Wednesday afternoon) by a member in UTC.
NOW = datetime(2025, 1, 8, 15, 0, tzinfo=UTC)
TZ = ZoneInfo("UTC")
FIELDS = ("command", "kind", "person", "company", "role", "referrer", "day", "note")
_EDGE = " ,.!?;:\"'()-—–"


def rows(name: str) -> list[dict[str, str]]:
    """A TSV file as dicts; `#` lines are comments, empty cells are ""."""
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    out = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        assert len(cells) == len(header), f"{name}:{number}: {len(cells)} cells"
        out.append({**dict(zip(header, cells, strict=True)), "line": str(number)})
    return out


def same(a: str | None, b: str | None) -> bool:
    def n(x: str | None) -> str:
        return re.sub(r"\s+", " ", (x or "").casefold()).strip(_EDGE)

    return n(a) == n(b)


@dataclass(frozen=True, slots=True)
class Parse:
    command: str
    kind: str | None
    person: str | None
    company: str | None
    role: str | None
    referrer: str | None
    day: str | None
    note: str | None

    def get(self, field: str) -> str | None:
        value: str | None = getattr(self, field)
        return value


def _day(when: str | None, prefer: str) -> tuple[date | None, datetime | None]:
    try:
        w = parse_when(when or "now", TZ, NOW, "future" if prefer == "future" else "past")
    except DateError:
        return None, None
    return w.local_date, w.at


def parse_of(text: str) -> Parse | str:
    """What the parser makes of `text`, as the corpus's columns (or the error it raised)."""
    try:
        inv: Invocation = parse_text(text)
    except UserError as e:
        return f"error: {e}"
    command = inv.name
    kind = {"lead": "referral", "followup": "followup"}.get(command, inv.text("kind"))
    prefer = "future" if command in ("followup", "schedule") else "past"
    day, at = _day(inv.text("when"), prefer)
    when = inv.text("when")
    if command == "log" and inv.text("tense") == "neutral" and when:
        # No tense: the log command takes the nearer reading, and schedules a future one.
        try:
            chosen, _ = nearer_when(when, TZ, NOW)
        except DateError:
            chosen = None
        if chosen is not None:
            day, at = chosen.local_date, chosen.at
            if at > NOW + FUTURE_SLACK:
                command = "schedule"
    return Parse(
        command=command,
        kind=kind,
        person=inv.text("person"),
        company=inv.text("company"),
        role=inv.text("role"),
        referrer=inv.text("via"),
        day=day.isoformat() if day else None,
        note=inv.text("note"),
    )


def misses(row: dict[str, str]) -> list[str]:
    got = parse_of(row["text"])
    if isinstance(got, str):
        return [got]
    return [
        f"{f}: want {row[f]!r}, got {got.get(f)!r}"
        for f in FIELDS
        if not same(row[f] or None, got.get(f))
    ]
