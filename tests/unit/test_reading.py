"""The sentence reader (bot/reading): what it finds where, and, on arbitrary text and on
arbitrary mixes of corpus fragments, that it never crashes and never invents a name."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import Invocation
from bot.domain import ActivityKind, FollowUpKind, MeetingStatus
from bot.errors import UserError
from bot.parser import parse_text
from bot.reading import read_sentence
from bot.reading.text import strip_each, strip_emoji
from tests.corpus.reading import rows
from tests.unit.harness import Chat


def read(text: str) -> dict[str, object]:
    r = read_sentence(text)
    assert r is not None, f"{text!r} was not read"
    return {k: getattr(r, k) for k in ("command", "kind", "person", "company", "role",
                                       "referrer", "when", "note")}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yesterday I met Jane Doe from Acme", {"person": "Jane Doe", "company": "Acme",
                                                "when": "yesterday"}),
        ("met Jane Doe from Acme yesterday for coffee", {"company": "Acme", "note": "coffee"}),
        ("Just had a call with Omar Little (Baltimore PD)", {"person": "Omar Little",
                                                             "company": "Baltimore PD"}),
        ("spoke with Luis de la Cruz, Mercado Libre", {"person": "Luis de la Cruz",
                                                       "company": "Mercado Libre"}),
        ("met June Smith on monday", {"person": "June Smith", "when": "on monday"}),
        ("met May Chen today", {"person": "May Chen", "when": "today"}),
        ("met Agent 47 today", {"person": "Agent 47", "when": "today"}),
        ("Met Sun Li from Alibaba this morning", {"person": "Sun Li", "when": "this morning"}),
        ("applied for the data analyst role at Globex Corp", {"company": "Globex Corp",
                                                              "role": "data analyst"}),
        ("got an intro to Priya from Sam", {"command": "lead", "person": "Priya",
                                            "referrer": "Sam"}),
        ("Sam referred me to Priya at Initech", {"person": "Priya", "referrer": "Sam",
                                                 "company": "Initech"}),
        ("messaged Kim from HHM on linkedin", {"person": "Kim", "company": "HHM", "note": None}),
        ("met jane. great chat about their team", {"note": "great chat about their team"}),
        ("interviewed at Bank of America yesterday", {"company": "Bank of America"}),
        ("I have a call with Raj on monday", {"command": "schedule", "person": "Raj"}),
        ("remind me to follow up with Jane on fri", {"command": "followup", "when": "on fri"}),
        ("Stripe made me an offer!", {"kind": ActivityKind.OFFER, "company": "Stripe"}),
    ],
)  # fmt: skip
def test_what_is_found_where(text: str, expected: dict[str, object]) -> None:
    got = read(text)
    for key, value in expected.items():
        assert got[key] == value, f"{text!r}: {key} is {got[key]!r}, want {value!r}"


@pytest.mark.parametrize("text", ["hi", "how are you", "ugh another rejection", "lol", ""])
def test_chatter_is_not_a_sentence_to_log(text: str) -> None:
    assert read_sentence(text) is None


# --- through the core ---------------------------------------------------------------------

# Wednesday 8 January 2025, 15:00 UTC.


async def test_the_readmes_first_example_logs_yesterday_at_acme() -> None:
    chat = Chat()
    reply = await chat.ok("met Jane Doe from Acme yesterday for coffee")
    assert "Nice — logged your conversation with Jane Doe (Acme) yesterday." in reply.text()
    (met,) = chat.activities(ActivityKind.MEETING)
    assert str(met.local_date) == "2025-01-07" and met.company == "Acme" and met.note == "coffee"
    assert chat.contact("Jane Doe").company == "Acme"
    (thanks,) = chat.open_followups(FollowUpKind.THANKYOU)
    assert thanks.contact_id == chat.contact("Jane Doe").id


async def test_a_conversation_still_to_come_is_scheduled_and_says_so() -> None:
    chat = Chat()
    reply = await chat.ok("coffee with Jane tomorrow")
    assert "put it on your calendar" in reply.text()
    (meeting,) = chat.store.meetings.values()
    assert meeting.status is MeetingStatus.SCHEDULED
    assert str(meeting.starts_at.date()) == "2025-01-09"
    assert chat.activities() == []  # nothing logged as held


async def test_a_bare_weekday_with_a_time_is_a_plan_and_the_past_reading_is_offered() -> None:
    chat = Chat()
    reply = await chat.ok("interview with Acme friday 3pm")
    (meeting,) = chat.store.meetings.values()
    assert meeting.starts_at == datetime(2025, 1, 10, 15, 0, tzinfo=UTC)
    assert meeting.kind is ActivityKind.INTERVIEW and meeting.company == "Acme"
    assert "log interview @Acme 2025-01-03" in reply.text()  # the other reading, ready to use


async def test_this_morning_said_early_is_earlier_today() -> None:
    chat = Chat(datetime(2025, 1, 8, 7, 0, tzinfo=UTC))
    await chat.ok("met Jane this morning")
    (met,) = chat.activities(ActivityKind.MEETING)
    assert met.occurred_at <= datetime(2025, 1, 8, 7, 0, tzinfo=UTC)


async def test_remind_me_to_follow_up_plans_it() -> None:
    chat = Chat()
    await chat.ok("remind me to follow up with Jane on friday")
    (planned,) = chat.open_followups(FollowUpKind.PLANNED)
    assert str(planned.due_at.date()) == "2025-01-10"
    assert chat.activities() == []


async def test_a_role_goes_on_the_opportunity() -> None:
    chat = Chat()
    await chat.ok("applied for the data analyst role at Globex Corp")
    (opp,) = chat.store.opportunities.values()
    assert opp.organisation == "Globex Corp" and opp.role == "data analyst"


async def test_one_word_after_an_interview_is_the_company_unless_it_is_a_contact() -> None:
    chat = Chat()
    reply = await chat.ok("interviewed with Hooli yesterday")
    assert "I read Hooli as the organisation" in reply.text()
    assert chat.contacts() == []
    await chat.ok("contact add Priya @Initech")
    await chat.ok("interviewed with Priya yesterday")
    (_, with_priya) = chat.activities(ActivityKind.INTERVIEW)
    assert with_priya.contact_id == chat.contact("Priya").id


async def test_greetings_get_a_warm_answer_not_an_error() -> None:
    chat = Chat()
    for text in ("hi", "thanks!", "what should I do today?", "help me"):
        reply = await chat.say(text)
        assert not reply.is_error, f"{text!r}: {reply.text()}"
        assert reply.next_step is not None


# --- properties ---------------------------------------------------------------------------

FRAGMENTS = sorted({w for row in rows("phrasings.tsv") for w in row["text"].split()})
MIXES = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=14).map(" ".join)
PROPS = settings(max_examples=300, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
_EDGE = " ,.!?;:\"'()-—–@"


def _words(value: str) -> list[str]:
    return [w.strip(_EDGE).casefold() for w in re.split(r"\s+|—", value) if w.strip(_EDGE)]


def assert_nothing_invented(text: str, inv: Invocation) -> None:
    said = text.casefold()
    for key in ("person", "company", "via", "role", "note"):
        value = inv.text(key)
        if value is None:
            continue
        for word in _words(value):
            assert word in said, f"{text!r}: {key} {value!r} has {word!r}, which was not typed"


@PROPS
@given(text=st.one_of(st.text(max_size=120), MIXES))
def test_any_text_reads_without_crashing_or_inventing(text: str) -> None:
    read_sentence(text)  # never raises
    try:
        inv = parse_text(text)
    except UserError:
        return
    assert_nothing_invented(text, inv)


@PROPS
@given(text=MIXES)
async def test_any_mix_of_corpus_words_gets_a_reply(text: str) -> None:
    chat = Chat()
    reply = await chat.say(text)
    assert reply.text().strip()
    assert "Something went wrong" not in reply.text()


async def test_the_other_reading_button_swaps_the_step_for_what_was_meant() -> None:
    chat = Chat()
    reply = await chat.ok("interview with Acme friday 3pm")
    (swap,) = [a for a in reply.actions if a.command.startswith("instead ")]
    assert swap.label == "It was last Fri"
    await chat.ok(swap.command)
    assert chat.store.meetings == {}  # the plan is gone...
    (held,) = chat.activities(ActivityKind.INTERVIEW)  # ...and the interview is logged
    assert str(held.local_date) == "2025-01-03" and held.company == "Acme"


async def test_a_swap_button_under_an_older_reply_changes_nothing() -> None:
    chat = Chat()
    reply = await chat.ok("coffee with Jane monday")  # Wednesday: Monday just past is nearer
    (met,) = chat.activities(ActivityKind.MEETING)
    assert str(met.local_date) == "2025-01-06"
    (swap,) = [a for a in reply.actions if a.command.startswith("instead ")]
    await chat.ok("emailed Sam")
    before = chat.store.snapshot()
    stale = await chat.say(swap.command)
    assert stale.is_error and "earlier step" in stale.text()
    assert chat.store.snapshot() == before


async def test_a_far_date_in_a_sentence_is_called_too_far_not_unreadable() -> None:
    chat = Chat()
    reply = await chat.say("coffee with Jane 2030-01-01")
    assert reply.is_error
    assert "couldn't read" not in reply.text()
    assert chat.store.meetings == {} and chat.activities() == []


def test_again_is_not_part_of_a_name() -> None:
    assert read("met Tom Hart again")["person"] == "Tom Hart"


async def test_dinner_tonight_said_in_the_afternoon_is_a_plan() -> None:
    chat = Chat()  # Wednesday 15:00
    await chat.ok("dinner with Marcus Lee tonight")
    (meeting,) = chat.store.meetings.values()
    assert meeting.starts_at > datetime(2025, 1, 8, 15, 0, tzinfo=UTC)
    assert chat.activities() == []


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_plain_ascii_loses_what_the_character_by_character_reading_loses(text: str) -> None:
    assert strip_emoji(text) == strip_each(text)


def test_emoji_and_the_two_ascii_symbols_become_spaces() -> None:
    from bot.reading.text import strip_emoji

    assert strip_emoji("met Jane 🎉 today") == "met Jane today"
    assert strip_emoji("met^Jane`today") == "met Jane today"
    assert strip_emoji("met José ☕️") == "met José"
