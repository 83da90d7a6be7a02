"""`undo` through the console, on SQLite and PostgreSQL: each step taken back leaves the
member's data (read through `export`) exactly as it was before the step."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters.console.backend import ConsoleBackend
from bot import messages as msg
from tests.console.helpers import ok
from tests.fakes import FakeClock

ANN = "ann"
TABLES = ("contacts", "activities", "followups", "meetings", "opportunities")


async def state(console: ConsoleBackend, export_dir: Path) -> dict[str, Any]:
    await ok(console, ANN, "export")
    data = json.loads((export_dir / "nextinterview.json").read_text())
    return {name: data[name] for name in TABLES}


async def step_and_undo(
    console: ConsoleBackend, export_dir: Path, text: str
) -> tuple[dict[str, Any], str]:
    """Log `text`, then undo it; returns the state it had made and the undo reply."""
    before = await state(console, export_dir)
    reply = await console.reply(ANN, text)
    assert not reply.is_error, console.render(reply)
    assert msg.UNDO_ACTION in reply.actions, console.render(reply)
    made = await state(console, export_dir)
    assert made != before, f"{text!r} changed nothing"
    undone = await ok(console, ANN, "undo")
    assert await state(console, export_dir) == before, undone
    return made, undone


async def test_a_conversation_taken_back_with_all_it_set_in_motion(
    console_db: ConsoleBackend, export_dir: Path
) -> None:
    made, undone = await step_and_undo(
        console_db, export_dir, "met Jane Doe from Acme yesterday for coffee"
    )
    assert [c["name"] for c in made["contacts"]] == ["Jane Doe"]
    assert sorted(f["kind"] for f in made["followups"]) == ["checkback", "thankyou"]
    first = undone.splitlines()[0]
    assert first.startswith(
        "Took back your conversation with Jane Doe (Acme) yesterday: its thank-you and "
        "check-back are gone; "
    )
    assert first.endswith("; Jane Doe is off your contacts.")
    assert await state(console_db, export_dir) == {name: [] for name in TABLES}
    again = await ok(console_db, ANN, "undo")  # nothing left to take back
    assert again.splitlines() == [
        "Nothing to take back: you've logged nothing in the last 24 hours.",
        "Next: log your latest step, like `met Jane Doe from Acme yesterday`.",
    ]


async def test_a_second_conversation_gives_back_the_company_and_the_check_back_date(
    console_db: ConsoleBackend, export_dir: Path, clock: FakeClock
) -> None:
    await ok(console_db, ANN, "met Jane Doe")
    clock.advance(timedelta(days=2))
    made, undone = await step_and_undo(console_db, export_dir, "met Jane from Acme")
    (jane,) = made["contacts"]
    assert jane["company"] == "Acme"  # filled in by the step, empty again after
    checkback = next(f for f in made["followups"] if f["kind"] == "checkback")
    assert checkback["due_at"].startswith("2025-01-15")  # pushed a week past the new one
    assert "the check-back is due Mon 09:00 again" in undone
    assert "Jane Doe is as before" in undone
    (card,) = (await state(console_db, export_dir))["contacts"]
    assert card["company"] is None


async def test_a_thank_you_taken_back_reopens_the_one_it_closed(
    console_db: ConsoleBackend, export_dir: Path, clock: FakeClock
) -> None:
    await ok(console_db, ANN, "met Jane Doe from Acme")
    clock.advance(timedelta(hours=3))
    made, undone = await step_and_undo(console_db, export_dir, "thanked Jane")
    thankyou = next(f for f in made["followups"] if f["kind"] == "thankyou")
    assert (thankyou["status"], thankyou["closed_at"] is not None) == ("done", True)
    assert "the thank-you it closed is open again" in undone
    reopened = next(
        f for f in (await state(console_db, export_dir))["followups"] if f["kind"] == "thankyou"
    )
    assert (reopened["status"], reopened["closed_at"]) == ("open", None)


async def test_an_interview_taken_back_puts_the_meeting_stage_and_pipeline_back(
    console_db: ConsoleBackend, export_dir: Path, clock: FakeClock
) -> None:
    await ok(console_db, ANN, "schedule Noor @Hooli tomorrow 3pm interview")
    clock.advance(timedelta(days=1, hours=6, minutes=30))  # Tuesday 15:30
    made, undone = await step_and_undo(console_db, export_dir, "log interview Noor @Hooli")
    assert [m["status"] for m in made["meetings"]] == ["held"]
    assert [c["stage"] for c in made["contacts"]] == [3]
    assert [(o["organisation"], o["stage"]) for o in made["opportunities"]] == [
        ("Hooli", "interviewing")
    ]
    assert "your interview today 15:00 is scheduled again" in undone
    assert "Hooli is off your pipeline" in undone
    after = await state(console_db, export_dir)
    assert [m["status"] for m in after["meetings"]] == ["scheduled"]
    assert [c["stage"] for c in after["contacts"]] == [1]


async def test_instead_of_a_conversation_that_held_a_meeting_the_meant_one_holds_it(
    console_db: ConsoleBackend, export_dir: Path, clock: FakeClock
) -> None:
    """`instead` takes the step back (the meeting is scheduled again) and logs what was
    meant in the same transaction: that conversation holds the meeting in its turn."""
    await ok(console_db, ANN, "schedule Noor @Hooli tomorrow 3pm interview")
    clock.advance(timedelta(days=1, hours=1))  # Tuesday 10:00
    await ok(console_db, ANN, "met Noor")
    assert [m["status"] for m in (await state(console_db, export_dir))["meetings"]] == ["held"]
    await ok(console_db, ANN, "instead activity 1 interviewed Noor")
    after = await state(console_db, export_dir)
    assert [a["kind"] for a in after["activities"]] == ["interview"]
    assert [m["status"] for m in after["meetings"]] == ["held"]


async def test_an_opportunity_moved_forward_goes_back_with_its_old_date(
    console_db: ConsoleBackend, export_dir: Path, clock: FakeClock
) -> None:
    await ok(console_db, ANN, "opportunity add Globex")
    clock.advance(timedelta(days=40))  # gone cold
    made, undone = await step_and_undo(console_db, export_dir, "reached out to Sam @Globex")
    (opp,) = made["opportunities"]
    assert opp["stage"] == "contacted"
    assert "Globex is back at target in your pipeline" in undone
    (back,) = (await state(console_db, export_dir))["opportunities"]
    assert (back["stage"], back["updated_at"][:10]) == ("target", "2025-01-06")


async def test_a_lead_takes_its_referrer_and_first_outreach_with_it(
    console_db: ConsoleBackend, export_dir: Path
) -> None:
    made, undone = await step_and_undo(console_db, export_dir, "lead Priya @Initech via Sam")
    assert sorted(c["name"] for c in made["contacts"]) == ["Priya", "Sam"]
    assert [f["kind"] for f in made["followups"]] == ["lead"]
    assert undone.splitlines()[0] == (
        "Took back your lead Priya (Initech) today: its first outreach is gone; "
        "Sam and Priya are off your contacts."
    )


async def test_planned_follow_ups_done_and_schedules_are_steps_too(
    console_db: ConsoleBackend, export_dir: Path
) -> None:
    await ok(console_db, ANN, "met Jane Doe from Acme")
    planned, undone = await step_and_undo(console_db, export_dir, "followup Jane fri")
    assert "planned" in [f["kind"] for f in planned["followups"]]
    assert undone.startswith("Took back your reminder to follow up with Jane Doe (Acme) Fri")
    _, undone = await step_and_undo(console_db, export_dir, "done 1")
    assert undone.startswith("Took back your thank-you to Jane Doe (Acme) today")
    assert "the thank-you it closed is open again" in undone
    scheduled, undone = await step_and_undo(console_db, export_dir, "schedule Jane thu 3pm")
    assert [m["status"] for m in scheduled["meetings"]] == ["scheduled"]
    assert undone.splitlines() == [
        "Took back your scheduled conversation with Jane Doe (Acme) Thu 15:00.",
        "Next: schedule it again at the right time.",
    ]


async def test_undo_twice_takes_back_the_step_before_and_the_streak_follows(
    console_db: ConsoleBackend, export_dir: Path
) -> None:
    assert "Fresh start" in await ok(console_db, ANN, "streak")
    await ok(console_db, ANN, "reached out to Sam @Globex")
    await ok(console_db, ANN, "met Jane Doe from Acme")
    assert "Streak: 1 working day." in await ok(console_db, ANN, "streak")
    first = await ok(console_db, ANN, "undo")
    assert first.startswith("Took back your conversation with Jane Doe (Acme) today")
    second = await ok(console_db, ANN, "undo")
    assert second.startswith("Took back your outreach to Sam (Globex) today")
    assert await state(console_db, export_dir) == {name: [] for name in TABLES}
    assert "Fresh start" in await ok(console_db, ANN, "streak")
    assert "Nothing to take back" in await ok(console_db, ANN, "undo")


async def test_a_step_older_than_a_day_stays(
    console_db: ConsoleBackend, export_dir: Path, clock: FakeClock
) -> None:
    await ok(console_db, ANN, "met Jane Doe from Acme")
    clock.advance(timedelta(hours=24, minutes=1))
    before = await state(console_db, export_dir)
    reply = await console_db.reply(ANN, "undo")
    assert not reply.is_error and reply.next_step is not None
    assert "Nothing to take back" in console_db.render(reply)
    assert await state(console_db, export_dir) == before


async def test_a_contact_used_since_is_kept(
    console_db: ConsoleBackend, export_dir: Path
) -> None:
    await ok(console_db, ANN, "met Jane Doe from Acme")
    await ok(console_db, ANN, "contact add Priya Patel via Jane")  # not a logged step
    undone = await ok(console_db, ANN, "undo")
    assert "off your contacts" not in undone
    after = await state(console_db, export_dir)
    assert sorted(c["name"] for c in after["contacts"]) == ["Jane Doe", "Priya Patel"]
    assert (after["activities"], after["followups"]) == ([], [])


async def test_the_leaderboard_follows(console_db: ConsoleBackend) -> None:
    await ok(console_db, ANN, "group setup Job club", "club")
    await ok(console_db, ANN, "met Jane Doe from Acme")
    assert "1 conversation" in await ok(console_db, ANN, "leaderboard", "club")
    await ok(console_db, ANN, "undo")
    assert "1 conversation" not in await ok(console_db, ANN, "leaderboard", "club")
