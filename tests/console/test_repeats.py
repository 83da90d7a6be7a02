"""The same line sent twice (a double tap, a retried message) is asked about, not counted
twice; a second lead renews the outreach owed; the board scores a follow-up once per
person a day. On SQLite and PostgreSQL: the repeat check and the board's counts are reads
of their own."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import ok
from tests.fakes import FakeClock

ANN = "ann"
TABLES = ("contacts", "activities", "followups", "meetings", "opportunities")
CLUB = "club"


async def state(console: ConsoleBackend, export_dir: Path) -> dict[str, Any]:
    await ok(console, ANN, "export")
    data = json.loads((export_dir / "nextinterview.json").read_text())
    return {name: data[name] for name in TABLES}


def button(rendered: str, label: str) -> str:
    """The command of the button `label` in a rendered reply."""
    found = re.search(rf"\[{label}: ([^\]]+)\]", rendered)
    assert found, rendered
    return found.group(1)


async def test_the_same_conversation_twice_asks_and_writes_nothing(
    console_db: ConsoleBackend, clock: FakeClock, export_dir: Path
) -> None:
    await ok(console_db, ANN, "met tom hart from acme")
    logged = await state(console_db, export_dir)
    clock.advance(timedelta(minutes=2))

    asked = await ok(console_db, ANN, "met tom hart from acme")
    assert asked.splitlines() == [
        "You logged this 2 minutes ago — log it again?",
        "If it was another conversation with tom hart (acme), tap Log again; "
        "if not, it's counted already.",
        "[Log again: log meeting #1 again @acme]",
    ]
    # No activity, no follow-up, no undo step: `undo` takes back the first one.
    assert await state(console_db, export_dir) == logged
    assert len(logged["activities"]) == 1
    assert sorted(f["kind"] for f in logged["followups"]) == ["checkback", "thankyou"]
    undone = await ok(console_db, ANN, "undo")
    assert undone.startswith("Took back your conversation with tom hart (acme) today")
    assert await state(console_db, export_dir) == {name: [] for name in TABLES}


async def test_log_again_logs_it_and_so_does_a_later_or_another_step(
    console_db: ConsoleBackend, clock: FakeClock
) -> None:
    await ok(console_db, ANN, "met tom hart from acme")
    asked = await ok(console_db, ANN, "met tom hart from acme")
    assert asked.startswith("You logged this just now — log it again?")
    again = await ok(console_db, ANN, button(asked, "Log again"))
    assert again.startswith("Nice — logged your conversation with tom hart (acme) today.")
    assert "[Undo: undo]" in again
    assert "conversations: 2" in await ok(console_db, ANN, "stats")

    # Another kind, person or company is another step.
    for text in ("interviewed with tom hart", "met Sam from acme", "thanked tom"):
        assert not (await ok(console_db, ANN, text)).startswith("You logged this")
    # Ten minutes on, or another day, the same line is a new conversation.
    clock.advance(timedelta(minutes=10, seconds=1))
    assert (await ok(console_db, ANN, "met tom hart from acme")).startswith("Nice — logged")
    assert (await ok(console_db, ANN, "met tom hart from acme yesterday")).startswith(
        "Nice — logged your conversation with tom hart (acme) yesterday."
    )
    assert "conversations: 5 (1 interview)" in await ok(console_db, ANN, "stats")


async def test_a_step_without_a_person_is_the_same_at_the_same_company(
    console_db: ConsoleBackend, clock: FakeClock
) -> None:
    clock.set(clock.now().replace(hour=11))
    await ok(console_db, ANN, "log application @Hooli yesterday")
    clock.advance(timedelta(minutes=9))
    asked = await ok(console_db, ANN, "applied to hooli yesterday")
    assert asked.startswith("You logged this 9 minutes ago — log it again?")
    # The button names the day as it was meant: tapped tomorrow, it is still yesterday.
    command = button(asked, "Log again")
    assert command == "log application again @hooli 2025-01-05 12:00"
    clock.advance(timedelta(days=1))
    again = await ok(console_db, ANN, command)
    assert again.startswith("Logged your application to hooli last Sun.")
    assert re.search(r"^applications?: 2$", await ok(console_db, ANN, "stats month"), re.M)


async def test_followups_sent_four_times_score_once_and_stats_count_what_was_logged(
    console_db: ConsoleBackend, clock: FakeClock
) -> None:
    await ok(console_db, "coach", "group setup Job club", CLUB)
    await ok(console_db, ANN, "group join", CLUB)
    # The 22 points: 4x `followup Mo` and 2x `met Mo @Stripe`.
    for text in ("followup Mo", "followup Mo", "followup Mo", "followup Mo"):
        await ok(console_db, ANN, text)
    for text in ("met Mo @Stripe", "met Mo @Stripe"):
        await ok(console_db, ANN, text)
    board = await ok(console_db, ANN, "leaderboard", CLUB)
    assert "1. ann — 8 pts · 1 conversation · 1 follow-up" in board

    # Sent again on purpose the same day: still one follow-up with Mo on the board...
    for _ in range(2):
        asked = await ok(console_db, ANN, "followup Mo")
        assert (await ok(console_db, ANN, button(asked, "Log again"))).startswith(
            "Logged your follow-up with Mo (Stripe) today."
        )
    await ok(console_db, ANN, "followup Kim")  # ...another person counts
    board = await ok(console_db, ANN, "leaderboard", CLUB)
    assert "1. ann — 11 pts · 1 conversation · 2 follow-ups" in board
    # ...and another day counts again.
    clock.advance(timedelta(days=1))
    await ok(console_db, ANN, "followup Mo")
    board = await ok(console_db, ANN, "leaderboard", CLUB)
    assert "1. ann — 14 pts · 1 conversation · 3 follow-ups" in board
    # `stats` counts everything the member logged.
    assert re.search(r"^follow-?ups?: 5$", await ok(console_db, ANN, "stats"), re.M)


async def test_a_second_lead_renews_the_first_outreach_owed(
    console_db: ConsoleBackend, clock: FakeClock, export_dir: Path
) -> None:
    first = await ok(console_db, ANN, "lead Priya @Initech via Sam")
    assert "yourself by Wed 09:00" in first
    clock.advance(timedelta(minutes=3))
    asked = await ok(console_db, ANN, "lead Priya @Initech via Sam")
    assert asked.splitlines()[0] == "You logged this 3 minutes ago — log it again?"
    assert button(asked, "Log again") == "lead #2 again @Initech via #1"

    clock.advance(timedelta(hours=5))  # Sam mentions her again later that day
    renewed = await ok(console_db, ANN, "lead Priya via Sam")
    assert "yourself by Wed 14:03" in renewed
    data = await state(console_db, export_dir)
    assert [(f["kind"], f["status"]) for f in data["followups"]] == [("lead", "open")]
    assert data["followups"][0]["due_at"] == "2025-01-08T14:03:00+00:00"
    assert [a["kind"] for a in data["activities"]] == ["referral", "referral"]
    owed = await ok(console_db, ANN, "followups")
    assert "Follow-ups owed (1)" in owed
    # Undo puts the first due date back, and keeps the one lead owed.
    assert "the first outreach is due Wed 09:00 again" in await ok(console_db, ANN, "undo")
    assert "Follow-ups owed (1)" in await ok(console_db, ANN, "followups")


async def test_a_repeat_changes_nothing_about_the_person_either(
    console: ConsoleBackend, export_dir: Path
) -> None:
    await ok(console, ANN, "met Mo")
    logged = await state(console, export_dir)
    asked = await ok(console, ANN, "met Mo @Stripe")
    assert asked.startswith("You logged this just now")
    assert await state(console, export_dir) == logged  # Mo's company is not set
    assert button(asked, "Log again") == "log meeting #1 again @Stripe"
    await ok(console, ANN, "log meeting #1 again @Stripe")
    assert "Mo (Stripe)" in await ok(console, ANN, "contacts")


async def test_again_is_a_word_of_the_command_not_of_the_name(console: ConsoleBackend) -> None:
    await ok(console, ANN, "log followup Mo again")  # nothing to repeat: logged
    asked = await ok(console, ANN, "log followup Mo")
    assert asked.startswith("You logged this just now")
    logged = await ok(console, ANN, "log followup Mo again -- pinged again")
    assert logged.startswith("Logged your follow-up with Mo today.")
    card = await ok(console, ANN, "contact Mo")
    assert "pinged again" in card
    assert "Your contacts (1)" in await ok(console, ANN, "contacts")


async def test_done_to_someone_followed_up_with_today_scores_once(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    await ok(console, "coach", "group setup Job club", CLUB)
    await ok(console, ANN, "group join", CLUB)
    await ok(console, ANN, "met Mo @Stripe")
    assert "Follow-up closed." in await ok(console, ANN, "followup Mo")  # the thank-you
    clock.advance(timedelta(hours=2))
    assert (await ok(console, ANN, "done Mo")).startswith("Done")  # the check-back
    board = await ok(console, ANN, "leaderboard", CLUB)
    assert "1. ann — 8 pts · 1 conversation · 1 follow-up" in board
    assert re.search(r"^follow-?ups?: 2$", await ok(console, ANN, "stats"), re.M)
