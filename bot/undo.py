"""Taking back a logged step: a journal of what it changed, and the exact reversal.

While a command runs, the code that changes a row says so on the command's `Journal`
(`ctx.journal`): a row it added, or a row's fields before and after. `finish()` writes
the lot as one `Step` row at the end (the log path's only extra statement) and puts an
Undo button on the reply. `take_back()` replays the records newest first: added rows are
deleted (a contact only when nothing else points at it), changed fields get their old
values back. A field someone changed since keeps its newer value, and a row that is gone
is skipped, so an undo never overwrites what came after it.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot import messages as msg
from bot.domain import (
    Activity,
    Contact,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Meeting,
    Opportunity,
    OpportunityStage,
    Step,
)
from bot.replies import Reply

if TYPE_CHECKING:
    from bot.context import Context
    from bot.ports import UnitOfWork

WINDOW = timedelta(hours=24)  # how long a step can be taken back

Row = Activity | Contact | FollowUp | Meeting | Opportunity
Record = dict[str, Any]  # JSON-ready: str, int, bool, None, lists and dicts of those
_TABLE: dict[type[Any], str] = {
    Activity: "activity",
    Contact: "contact",
    FollowUp: "followup",
    Meeting: "meeting",
    Opportunity: "opportunity",
}
_CLASS = {name: cls for cls, name in _TABLE.items()}
_FIXED = frozenset({"id", "member_id", "created_at"})


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()  # one spelling per instant, any zone
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _decode(hint: Any, value: object) -> object:
    if value is None:
        return None
    for t in typing.get_args(hint) or (hint,):
        if t is datetime:
            return datetime.fromisoformat(str(value))
        if t is date:
            return date.fromisoformat(str(value))
        if isinstance(t, type) and issubclass(t, enum.Enum):
            return t(value)
    return value


def _label(row: Row) -> Record:
    """What the reply about the undo needs to name the row without reading it again."""
    if isinstance(row, Activity):
        return {"kind": row.kind.value, "at": _encode(row.occurred_at)}
    if isinstance(row, FollowUp):
        return {"kind": row.kind.value, "at": _encode(row.due_at)}
    if isinstance(row, Meeting):
        return {"kind": row.kind.value, "at": _encode(row.starts_at)}
    if isinstance(row, Opportunity):
        return {"name": row.organisation}
    return {"name": row.name}


@dataclass(slots=True)
class Journal:
    """What one command changed, in order; written once by `finish()`."""

    changes: list[Record] = field(default_factory=list)
    saved: int | None = None  # how many changes the written step holds

    def added(self, row: Row, main: bool = False) -> None:
        """`row` was inserted (it has its id). `main`: the step itself (the activity, the
        planned follow-up, the meeting), named by the summary rather than listed."""
        assert row.id is not None, "record an added row after the insert"
        record: Record = {"op": "add", "t": _TABLE[type(row)], "id": row.id, **_label(row)}
        if main:
            record["main"] = True
        self.changes.append(record)

    def made(self, row: Row | None) -> bool:
        """Was `row` inserted by this command? (A contact met for the first time has no
        history to read: no repeat, nothing owed.)"""
        if row is None or row.id is None:
            return False
        table = _TABLE[type(row)]
        return any(
            c["op"] == "add" and c["t"] == table and c["id"] == row.id for c in self.changes
        )

    def updated(self, before: Row, after: Row) -> None:
        """`after` was written over `before` (a copy taken before the change)."""
        assert after.id is not None and type(before) is type(after)
        old: Record = {}
        new: Record = {}
        for f in dataclasses.fields(after):
            if f.name in _FIXED:
                continue
            a, b = _encode(getattr(before, f.name)), _encode(getattr(after, f.name))
            if a != b:
                old[f.name], new[f.name] = a, b
        if old:
            self.changes.append(
                {
                    "op": "set",
                    "t": _TABLE[type(after)],
                    "id": after.id,
                    "before": old,
                    "after": new,
                    **_label(before),
                }
            )


async def finish(ctx: Context, reply: Reply, summary: str) -> Reply:
    """Write the command's step (one INSERT) and offer to take it back."""
    journal = ctx.journal
    if journal.saved is None and journal.changes:
        step = Step(ctx.member_id, summary, journal.changes, created_at=ctx.now())
        await ctx.uow.steps.add(step)
        journal.saved = len(journal.changes)
    elif journal.saved is not None and journal.saved != len(journal.changes):
        raise RuntimeError("changes recorded after the step was written")
    if journal.saved is None or msg.UNDO_ACTION in reply.actions:
        return reply
    return dataclasses.replace(reply, actions=(*reply.actions, msg.UNDO_ACTION))


@dataclass(slots=True)
class TakenBack:
    """What an undo did, for the reply."""

    summary: str
    main: str | None = None  # what the step was: "activity", "followup", "meeting"
    at: datetime | None = None  # when it happened (or is due)
    removed: list[FollowUpKind] = field(default_factory=list)  # follow-ups it created
    reopened: list[FollowUpKind] = field(default_factory=list)  # ones it closed
    redated: list[tuple[FollowUpKind, datetime]] = field(default_factory=list)
    rescheduled: list[tuple[str, datetime]] = field(default_factory=list)  # kind, start
    stages: list[tuple[str, OpportunityStage]] = field(default_factory=list)  # org, back at
    unlisted: list[str] = field(default_factory=list)  # opportunities it created
    contacts_removed: list[str] = field(default_factory=list)
    contacts_restored: list[str] = field(default_factory=list)


def _at(record: Record) -> datetime | None:
    at = record.get("at")
    return datetime.fromisoformat(at) if isinstance(at, str) else None


async def take_back(uow: UnitOfWork, step: Step) -> TakenBack:
    """Reverse every change of `step`, newest first, and drop the step from the journal
    (`undo` again takes back the one before), in the caller's transaction."""
    assert step.id is not None, "a journaled step has an id"
    out = TakenBack(step.summary)
    for record in reversed(step.changes):
        if record.get("main"):
            out.main, out.at = str(record["t"]), _at(record)
        if record["op"] == "add":
            await _remove(uow, step.member_id, record, out)
        else:
            await _restore(uow, step.member_id, record, out)
    await uow.steps.delete(step.member_id, step.id)
    for listed in (out.removed, out.reopened, out.redated, out.rescheduled, out.stages):
        listed.reverse()  # named in the order the step did them
    out.unlisted.reverse()
    out.contacts_removed.reverse()
    out.contacts_restored.reverse()
    return out


async def _remove(uow: UnitOfWork, member_id: int, record: Record, out: TakenBack) -> None:
    table, row_id, main = record["t"], int(record["id"]), bool(record.get("main"))
    if table == "activity":
        await uow.activities.delete(member_id, row_id)
    elif table == "followup":
        await uow.followups.delete(member_id, row_id)
        if not main:
            out.removed.append(FollowUpKind(record["kind"]))
    elif table == "meeting":
        await uow.meetings.delete(member_id, row_id)
    elif table == "opportunity":
        await uow.opportunities.delete(member_id, row_id)
        out.unlisted.append(str(record["name"]))
    elif table == "contact":
        contact = await uow.contacts.get(member_id, row_id)
        # One the member has used since (or merged others into) stays.
        if contact is not None and not await uow.contacts.in_use(member_id, row_id):
            await uow.contacts.delete(member_id, row_id)
            out.contacts_removed.append(contact.name)


async def _current(uow: UnitOfWork, member_id: int, table: str, row_id: int) -> Row | None:
    if table == "followup":
        return await uow.followups.get(member_id, row_id)
    if table == "meeting":
        return await uow.meetings.get(member_id, row_id)
    if table == "opportunity":
        return await uow.opportunities.get(member_id, row_id)
    if table == "contact":
        return await uow.contacts.get(member_id, row_id)
    return None  # activities are only ever added by a step


async def _save(uow: UnitOfWork, row: Row) -> None:
    if isinstance(row, FollowUp):
        await uow.followups.update(row)
    elif isinstance(row, Meeting):
        await uow.meetings.update(row)
    elif isinstance(row, Opportunity):
        await uow.opportunities.update(row)
    elif isinstance(row, Contact):
        await uow.contacts.update(row)


async def _restore(uow: UnitOfWork, member_id: int, record: Record, out: TakenBack) -> None:
    table = str(record["t"])
    row = await _current(uow, member_id, table, int(record["id"]))
    if row is None:
        return  # deleted or merged away since: nothing to put back
    hints = typing.get_type_hints(_CLASS[table])
    before: Record = record["before"]
    after: Record = record["after"]
    restored = set()
    for name, old in before.items():
        if _encode(getattr(row, name)) == after.get(name):  # untouched since the step
            setattr(row, name, _decode(hints[name], old))
            restored.add(name)
    if not restored:
        return
    await _save(uow, row)
    _note(row, restored, out)


def _note(row: Row, restored: set[str], out: TakenBack) -> None:
    if isinstance(row, FollowUp):
        if "status" in restored and row.status is FollowUpStatus.OPEN:
            out.reopened.append(row.kind)
        elif "due_at" in restored:
            out.redated.append((row.kind, row.due_at))
    elif isinstance(row, Meeting) and "status" in restored:
        out.rescheduled.append((row.kind.value, row.starts_at))
    elif isinstance(row, Opportunity) and "stage" in restored:
        out.stages.append((row.organisation, row.stage))
    elif isinstance(row, Contact):
        out.contacts_restored.append(row.name)
