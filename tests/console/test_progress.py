"""Progress through the console: `schedule`, `next`, `pipeline`, `opportunity add`,
`opportunity`, `streak`, `stats`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import err, ok
from tests.fakes import FakeClock

DAY = timedelta(days=1)


def field(dashboard: str, label: str) -> str:
    """One `Label: value` line of the dashboard."""
    for line in dashboard.splitlines():
        if line.startswith(f"{label}: "):
            return line.removeprefix(f"{label}: ")
    raise AssertionError(f"no {label!r} in:\n{dashboard}")


# --- schedule and the dashboard -----------------------------------------------------------


async def test_dashboard_shows_the_next_scheduled_conversation(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    scheduled = await ok(console, "ann", "schedule Jane Doe @Acme thu 3pm interview")
    assert scheduled.splitlines() == [
        "Your next interview: Jane Doe (Acme), Thu 15:00.",
        "Next: research them and write down three questions before then.",
        "[Undo: undo]",
    ]
    await ok(console, "ann", "schedule Sam @Globex fri 10:00")
    dash = await ok(console, "ann", "next")
    assert dash.splitlines()[0] == "Your search today"
    assert field(dash, "Your next interview") == "Jane Doe (Acme), Thu 15:00"
    assert dash.splitlines()[-1] == "Next: prepare — research them and have three questions ready."

    # Thursday after the interview: the next one is Sam's.
    clock.set(datetime(2025, 1, 9, 16, 0, tzinfo=UTC))
    dash = await ok(console, "ann", "dashboard")
    assert field(dash, "Your next conversation") == "Sam (Globex), tomorrow 10:00"

    # Logging the interview counts it this week and owes a thank-you, which comes first.
    await ok(console, "ann", "interviewed with Jane Doe today")
    dash = await ok(console, "ann", "next")
    assert field(dash, "Conversations this week") == "1 of 5"
    assert field(dash, "Follow-ups owed") == "2"
    assert field(dash, "Streak") == "1 day · done today"
    assert dash.splitlines()[-2] == "Next: send Jane Doe (Acme) that thank-you today."


async def test_dashboard_without_a_meeting_suggests_one_action(console: ConsoleBackend) -> None:
    dash = await ok(console, "ann", "next")
    assert field(dash, "Your next interview") == "not scheduled yet"
    assert field(dash, "Follow-ups owed") == "0"
    assert field(dash, "Things in the works") == "0 (aim for 6–10)"
    assert field(dash, "Conversations this week") == "0 of 5"
    assert field(dash, "Streak") == "0 days"
    next_lines = [line for line in dash.splitlines() if line.startswith("Next: ")]
    assert next_lines == [
        "Next: who could you talk to at a company on your list? `contact add Jane Doe @Acme`"
    ]

    # With contacts, it names the one furthest along and offers to log the outreach.
    await ok(console, "ann", "contact add Sam Rivera @Globex")
    await ok(console, "ann", "contact add Priya Patel @Initech")
    await ok(console, "ann", "contact stage Sam Rivera 2")
    reply = await console.reply("ann", "next")
    dash = console.render(reply)
    next_lines = [line for line in dash.splitlines() if line.startswith("Next: ")]
    assert next_lines == ["Next: ask Sam Rivera for 20 minutes — set it up yourself."]
    assert [a.command for a in reply.actions] == ["log outreach #1"]
    await ok(console, "ann", reply.actions[0].command)
    assert "Streak: 1 day · done today" in await ok(console, "ann", "next")


async def test_logging_the_conversation_clears_it_from_the_calendar(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    await ok(console, "ann", "schedule Jane Doe @Acme thu 3pm")
    await ok(console, "ann", "schedule Sam fri 10am")
    # It happened earlier than planned, on Thursday.
    clock.set(datetime(2025, 1, 9, 14, 0, tzinfo=UTC))
    await ok(console, "ann", "met Jane today")
    dash = await ok(console, "ann", "next")
    assert field(dash, "Your next conversation") == "Sam, tomorrow 10:00"


@pytest.mark.parametrize(
    ("text", "says", "example"),
    [
        ("schedule", "Who is the conversation with?", "schedule Jane Doe @Acme thu 3pm interview"),
        ("schedule Jane Doe", "When is it?", "schedule Jane Doe @Acme thu 3pm interview"),
        ("schedule Jane Doe yesterday", "That time has passed — log it instead.", None),
        ("schedule Jane Doe 2025-13-45", "I couldn't read `2025-13-45` as a date.", None),
        ("schedule " + "J" * 81 + " fri 10:00", "A name can be at most 80 characters.", None),
    ],
)
async def test_bad_schedule_input(
    console: ConsoleBackend, text: str, says: str, example: str | None
) -> None:
    error = await err(console, "ann", text)
    assert says in error
    if example:
        assert error.endswith(f"Try: `{example}`")
    assert field(await ok(console, "ann", "next"), "Your next interview") == "not scheduled yet"
    assert "No contacts yet." in await ok(console, "ann", "contacts")


async def test_schedule_in_the_past_suggests_logging_it(console: ConsoleBackend) -> None:
    error = await err(console, "ann", "schedule Jane Doe yesterday")
    assert error.endswith("Try: `log meeting Jane Doe yesterday`")
    assert "conversation with Jane Doe yesterday" in await ok(
        console, "ann", "log meeting Jane Doe yesterday"
    )


# --- pipeline and opportunities -----------------------------------------------------------


async def test_keeping_six_to_ten_things_in_the_works(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    empty = await ok(console, "ann", "pipeline")
    assert empty.splitlines() == [
        "You have 0 things in the works; aim for 6 to 10.",
        "Next: name one organisation you'd like to work for: `opportunity add Acme`",
    ]
    added = await ok(console, "ann", "opportunity add Acme as data analyst")
    assert (
        added.splitlines()[0]
        == "Added Acme to your targets; it counts as in the works once you're in touch."
    )
    await ok(console, "ann", "opportunity add @Globex -- product manager")

    moved = await ok(console, "ann", "opportunity Acme interviewing")
    assert moved.splitlines()[:2] == [
        "Acme is now at interviewing.",
        "You have 1 thing in the works; aim for 6 to 10.",
    ]
    pipeline = await ok(console, "ann", "pipeline")
    assert "Interviewing\n  Acme — data analyst" in pipeline
    assert "Target\n  Globex — product manager" in pipeline

    # Logging steps at an organisation warms it up; an interview adds it.
    await ok(console, "ann", "reached out to Sam @Globex")
    for org in ("Initech", "Hooli", "Umbrella", "Stark"):
        await ok(console, "ann", f"applied to {org}")
    pipeline = await ok(console, "ann", "pipeline")
    assert "6 things in the works — right in the 6–10 zone." in pipeline
    assert "Contacted\n  Globex — product manager\n  Initech" in pipeline

    await ok(console, "ann", "opportunity Stark closed")
    assert "Closed\n  Stark" in await ok(console, "ann", "pipeline")
    assert "Things in the works: 5 (aim for 6–10)" in await ok(console, "ann", "next")

    # Untouched for over 30 days, an opportunity goes cold and stops counting.
    clock.advance(timedelta(days=31))
    pipeline = await ok(console, "ann", "pipeline")
    assert "You have 0 things in the works" in pipeline
    assert "Acme — data analyst (gone cold)" in pipeline


@pytest.mark.parametrize(
    ("text", "says", "example"),
    [
        ("opportunity add", "Which organisation?", "opportunity add Acme as data analyst"),
        ("opportunity add Acme", "Acme is already on your list", "opportunity Acme interviewing"),
        ("opportunity Acme", "Give an organisation and a stage", "opportunity Acme interviewing"),
        ("opportunity Acme winning", "Give an organisation and a stage", None),
        ("opportunity Nowhere offer", "Nowhere isn't on your list yet.", "opportunity add Nowhere"),
        ("opportunity add " + "O" * 81, "An organisation can be at most 80 characters.", None),
        ("opportunity add Initech as " + "r" * 81, "A role can be at most 80 characters.", None),
    ],
)
async def test_bad_opportunity_input(
    console: ConsoleBackend, text: str, says: str, example: str | None
) -> None:
    await ok(console, "ann", "opportunity add Acme")
    before = await ok(console, "ann", "pipeline")
    error = await err(console, "ann", text)
    assert says in error
    if example:
        assert error.endswith(f"Try: `{example}`")
    assert await ok(console, "ann", "pipeline") == before


# --- streak ---------------------------------------------------------------------------


async def test_streak_over_working_days_a_weekend_and_a_missed_day(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    async def streak() -> list[str]:
        return (await ok(console, "ann", "streak")).splitlines()

    assert (await streak())[0].startswith("Fresh start today")
    # Monday to Friday, one step a day.
    for step in (
        "reached out to Sam @Globex",
        "followup Sam",
        "met Jane Doe @Acme",
        "reached out to Kim",
        "thanked Jane",
    ):
        await ok(console, "ann", step)
        clock.advance(DAY)
    # Saturday: a rest day, nothing lost; the streak stays at 5.
    saturday = await streak()
    assert saturday[0] == "Streak: 5 working days."
    assert "Today is a rest day: it doesn't count against you." in saturday
    assert saturday[-1] == "Enjoy the rest. Next: pick tomorrow's first outreach."
    # Sunday closes a full week: a freeze is earned.
    clock.advance(DAY)
    assert (await streak())[1] == "Best: 5 days · freezes banked: 1 of 2."
    # Monday: still 5 until something is done, then 6.
    clock.advance(DAY)
    monday = await streak()
    assert monday[0] == "Streak: 5 working days."
    assert "rest day" not in " ".join(monday)
    await ok(console, "ann", "reached out to Lee")
    assert await streak() == [
        "Streak: 6 working days.",
        "Best: 6 days · freezes banked: 1 of 2.",
        "Today counts already. Next: line up tomorrow's conversation.",
    ]
    # Tuesday missed: the freeze covers it on Wednesday.
    clock.advance(2 * DAY)
    wednesday = await streak()
    assert wednesday[:2] == [
        "Streak: 6 working days (1 day covered by a freeze).",
        "Best: 6 days · freezes banked: 0 of 2.",
    ]
    # Wednesday missed too, with no freeze left: Thursday starts over; the best stays.
    clock.advance(DAY)
    thursday = await streak()
    assert thursday[:2] == [
        "Fresh start today — one message to someone you've met is enough to begin.",
        "Best: 6 days · freezes banked: 0 of 2.",
    ]
    await ok(console, "ann", "followed up with Jane")
    assert (await streak())[0] == "Streak: 1 working day."
    assert field(await ok(console, "ann", "next"), "Streak") == "1 day · done today"


async def test_applications_and_leads_do_not_keep_a_streak(console: ConsoleBackend) -> None:
    await ok(console, "ann", "applied to Hooli")
    await ok(console, "ann", "lead Priya via Sam")
    assert "Fresh start today" in await ok(console, "ann", "streak")


async def test_a_day_ends_at_the_members_midnight(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    await ok(console, "ann", "settings timezone Pacific/Auckland")  # UTC+13 in January
    clock.set(datetime(2025, 1, 6, 20, 0, tzinfo=UTC))  # Tuesday 09:00 in Auckland
    await ok(console, "ann", "reached out to Sam")
    assert "Today counts already." in await ok(console, "ann", "streak")
    # 10:59 UTC on Tuesday is 23:59 Tuesday in Auckland: the same day.
    clock.set(datetime(2025, 1, 7, 10, 59, tzinfo=UTC))
    assert "Today counts already." in await ok(console, "ann", "streak")
    # One minute later it is Wednesday there, though still Tuesday in UTC.
    clock.advance(timedelta(minutes=1))
    wednesday = await ok(console, "ann", "streak")
    assert wednesday.splitlines()[0] == "Streak: 1 working day."
    assert "Next: one outreach or follow-up today keeps it going." in wednesday
    # "yesterday" is read on the member's calendar too.
    await ok(console, "ann", "met Jane yesterday")
    assert "yesterday · conversation" in await ok(console, "ann", "contact Jane")


# --- stats -------------------------------------------------------------------------------


async def test_stats_week_and_month(console: ConsoleBackend, clock: FakeClock) -> None:
    clock.set(datetime(2025, 1, 15, 9, 0, tzinfo=UTC))  # Wednesday
    await ok(console, "ann", "met Jane Doe @Acme 2025-01-02")  # earlier this month
    await ok(console, "ann", "met Sam @Globex mon")  # this week
    await ok(console, "ann", "interviewed at Initech today")
    await ok(console, "ann", "reached out to Kim")
    await ok(console, "ann", "settings goal 2")

    week = await ok(console, "ann", "stats week")
    assert week.splitlines() == [
        "Your week",
        "This week: 2 conversations of your goal of 2.",
        "outreach: 1",
        "conversations: 2 (1 interview)",
        "Goal met — next: a follow-up with each person you met keeps them warm.",
    ]
    assert week == await ok(console, "ann", "stats")  # a week by default

    month = await ok(console, "ann", "stats month")
    assert month.splitlines()[:3] == [
        "Your month",
        "This month: 3 conversations of your goal of 8.",
        "outreach: 1",
    ]
    assert "conversations: 3 (1 interview)" in month
    assert month.splitlines()[-1] == "Next: 5 more — who could you ask for 20 minutes?"

    # Next month starts from zero.
    clock.set(datetime(2025, 2, 3, 9, 0, tzinfo=UTC))
    assert "This month: 0 conversations of your goal of 8." in await ok(
        console, "ann", "stats month"
    )


async def test_stats_period_must_be_week_or_month(console: ConsoleBackend) -> None:
    error = await err(console, "ann", "stats year")
    assert error.splitlines() == ["Stats cover a `week` or a `month`.", "Try: `stats month`"]


async def test_talking_to_people_fills_the_pipeline_in_funnel_order(
    console: ConsoleBackend,
) -> None:
    # The demo's Chen: conversations at Grab and Shopee used to leave 0 in the works.
    await ok(console, "ann", "met Lin from Grab")
    assert "You have 1 thing in the works" in await ok(console, "ann", "pipeline")
    await ok(console, "ann", "met Ravi from Shopee")
    assert field(await ok(console, "ann", "next"), "Things in the works") == "2 (aim for 6–10)"
    # Only forward: an interview moves Grab on; another coffee there keeps it there.
    await ok(console, "ann", "interviewed at Grab with Lin")
    await ok(console, "ann", "met Lin from Grab")
    # A scheduled conversation is not one held yet: Lazada stays off the list.
    await ok(console, "ann", "schedule Mei @Lazada fri 10:00")
    for text in (
        "opportunity add Sea",
        "applied to Gojek",
        "got an offer from Tokopedia",
        "opportunity add Foodpanda",
        "opportunity Foodpanda closed",
    ):
        await ok(console, "ann", text)
    pipeline = await ok(console, "ann", "pipeline")
    assert "5 things in the works" not in pipeline  # Sea is a target, Foodpanda closed
    assert "You have 4 things in the works; aim for 6 to 10." in pipeline
    headings = [line for line in pipeline.splitlines() if line and not line.startswith(" ")]
    assert headings[headings.index("Target") :] == [
        "Target",
        "Contacted",
        "Conversation",
        "Interviewing",
        "Offer",
        "Closed",
        "Next: who could you talk to at a company on your list?",
    ]
    assert "Conversation\n  Shopee\nInterviewing\n  Grab\nOffer\n  Tokopedia" in pipeline
    assert "Lazada" not in pipeline
