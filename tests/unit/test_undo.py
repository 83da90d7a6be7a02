"""`undo` on the fakes: each effect a step sets in motion, taken back exactly; the journal
rules (a day, a stack, later changes win); the Undo button on every logged step."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from bot import messages as msg
from bot.commands import Invocation
from bot.domain import (
    ActivityKind,
    FollowUpKind,
    FollowUpStatus,
    MeetingStatus,
    OpportunityStage,
)
from bot.replies import Reply
from tests.unit.harness import WED, Chat

TABLES = ("contacts", "activities", "followups", "meetings", "opportunities")


def rows(chat: Chat) -> dict[str, Any]:
    return {name: copy.deepcopy(getattr(chat.store, name)) for name in TABLES}


async def taken_back(chat: Chat, text: str) -> tuple[Reply, str]:
    """Say `text`, undo it, insist the store is as before; the step's reply and the undo's."""
    before, steps = rows(chat), dict(chat.store.steps)
    reply = await chat.ok(text)
    assert msg.UNDO_ACTION in reply.actions, reply.text()
    assert rows(chat) != before
    assert len(chat.store.steps) == len(steps) + 1
    undone = (await chat.ok("undo")).text()
    assert rows(chat) == before, undone
    assert chat.store.steps == steps  # that step is gone, the ones before it stay
    return reply, undone


# --- each effect ------------------------------------------------------------------------------


async def test_a_new_contact_and_its_follow_ups_go() -> None:
    chat = Chat()
    _, undone = await taken_back(chat, "met Jane Doe yesterday")
    assert undone.splitlines()[0] == (
        "Took back your conversation with Jane Doe yesterday: its thank-you and "
        "check-back are gone; Jane Doe is off your contacts."
    )


async def test_a_company_filled_in_is_emptied_again() -> None:
    chat = Chat()
    await chat.ok("reached out to Jane Doe")
    await taken_back(chat, "followup Jane @Acme")
    assert chat.contact("Jane Doe").company is None


async def test_a_pushed_check_back_gets_its_old_date() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")
    chat.clock.advance(timedelta(days=2))
    _, undone = await taken_back(chat, "met Jane")
    (checkback,) = chat.open_followups(FollowUpKind.CHECKBACK)
    assert checkback.due_at == WED + timedelta(days=7)
    assert "the check-back is due Wed 15:00 again" in undone


@pytest.mark.parametrize(
    ("first", "then", "reopened"),
    [
        ("met Jane Doe", "thanked Jane", FollowUpKind.THANKYOU),
        ("lead Jane Doe via Sam", "reached out to Jane", FollowUpKind.LEAD),
        ("lead Jane Doe via Sam", "met Jane", FollowUpKind.LEAD),
        ("followup Jane Doe fri", "followup Jane", FollowUpKind.PLANNED),
    ],
)
async def test_what_a_step_closed_is_open_again(
    first: str, then: str, reopened: FollowUpKind
) -> None:
    chat = Chat()
    await chat.ok(first)
    chat.clock.advance(timedelta(hours=1))
    _, undone = await taken_back(chat, then)
    (again,) = chat.followups(reopened)
    assert (again.status, again.closed_at) == (FollowUpStatus.OPEN, None)
    assert "it closed is open again" in undone


async def test_done_is_taken_back_with_its_activity() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")
    (thankyou,) = chat.open_followups(FollowUpKind.THANKYOU)
    _, undone = await taken_back(chat, f"done {thankyou.id}")
    assert undone.startswith("Took back your thank-you to Jane Doe today")
    assert [a.kind for a in chat.activities()] == [ActivityKind.MEETING]


async def test_an_interview_gives_back_the_stage_the_meeting_and_the_pipeline() -> None:
    chat = Chat()
    await chat.ok("contact add Noor @Hooli")
    await chat.ok("contact stage Noor 2")
    await chat.ok("schedule Noor tomorrow 3pm interview")
    chat.clock.advance(timedelta(days=1, minutes=30))
    _, undone = await taken_back(chat, "log interview Noor @Hooli")
    assert chat.contact("Noor").stage == 2
    (meeting,) = chat.store.meetings.values()
    assert meeting.status is MeetingStatus.SCHEDULED
    assert chat.store.opportunities == {}
    assert "your interview today 15:00 is scheduled again" in undone
    assert "Hooli is off your pipeline" in undone


async def test_an_opportunity_goes_back_to_its_stage_and_its_date() -> None:
    chat = Chat()
    await chat.ok("opportunity add Globex")
    chat.clock.advance(timedelta(days=40))
    _, undone = await taken_back(chat, "met Sam @Globex")
    (opp,) = chat.store.opportunities.values()
    assert (opp.stage, opp.updated_at) == (OpportunityStage.TARGET, WED)
    assert "Globex is back at target in your pipeline" in undone


async def test_a_lead_gives_back_the_referrer_link_of_a_known_contact() -> None:
    chat = Chat()
    await chat.ok("contact add Priya @Initech")
    await chat.ok("contact add Sam")
    _, undone = await taken_back(chat, "lead Priya via Sam")
    priya = chat.contact("Priya")
    assert (priya.referred_by_id, priya.how_met) == (None, None)
    assert "its first outreach is gone" in undone and "Priya is as before" in undone


async def test_plans_and_schedules_go() -> None:
    chat = Chat()
    await chat.ok("contact add Jane Doe")
    _, undone = await taken_back(chat, "followup Jane fri")
    assert undone.startswith("Took back your reminder to follow up with Jane Doe Fri.")
    _, undone = await taken_back(chat, "schedule Jane fri 3pm interview")
    assert undone.startswith("Took back your scheduled interview with Jane Doe Fri 15:00.")


@pytest.mark.parametrize(
    "text",
    [
        *(f"log {k.value} Jane Doe @Acme" for k in ActivityKind if k is not ActivityKind.REFERRAL),
        "log referral Jane Doe via Sam",
        "lead Priya via Sam",
        "followup Jane",
        "followup Jane fri",
        "schedule Jane fri 3pm",
    ],
)
async def test_every_logged_step_offers_undo_and_undo_takes_it_back(text: str) -> None:
    chat = Chat()
    await taken_back(chat, text)


# --- the journal's rules ----------------------------------------------------------------------


async def test_undo_is_a_stack_within_a_day() -> None:
    chat = Chat()
    await chat.ok("reached out to Sam @Globex")
    chat.clock.advance(timedelta(hours=2))
    await chat.ok("met Jane Doe @Acme")
    assert (await chat.ok("undo")).text().startswith("Took back your conversation with Jane")
    assert (await chat.ok("undo")).text().startswith("Took back your outreach to Sam (Globex)")
    nothing = await chat.ok("undo")
    assert nothing.next_step is not None and "Nothing to take back" in nothing.text()
    assert chat.activities() == [] and chat.contacts() == []


async def test_a_step_past_24_hours_is_kept() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe @Acme")
    chat.clock.advance(timedelta(hours=24, seconds=1))
    assert "Nothing to take back" in (await chat.ok("undo")).text()
    assert len(chat.activities()) == 1


async def test_a_change_made_since_the_step_is_kept() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")
    chat.clock.advance(timedelta(days=2))
    await chat.ok("met Jane")  # pushes the check-back...
    (checkback,) = chat.open_followups(FollowUpKind.CHECKBACK)
    await chat.ok(f"snooze {checkback.id} 2025-01-30")  # ...then the member moves it
    moved = chat.open_followups(FollowUpKind.CHECKBACK)[0].due_at
    await chat.ok("undo")
    assert chat.open_followups(FollowUpKind.CHECKBACK)[0].due_at == moved
    assert len(chat.activities()) == 1


async def test_records_of_a_merged_contact_are_still_taken_back() -> None:
    chat = Chat()
    await chat.ok("contact add Jane Smith @Acme")
    await chat.ok("met Jane Doe")
    await chat.ok("contact merge Jane Doe into Jane Smith")
    await chat.ok("undo")
    assert [c.name for c in chat.contacts()] == ["Jane Smith"]
    assert chat.activities() == [] and chat.followups() == []


async def test_nothing_written_for_a_refused_or_ambiguous_step() -> None:
    chat = Chat()
    await chat.ok("contact add Jane Doe")
    await chat.ok("contact add Jane Smith")
    asked = await chat.say("met Jane")
    assert msg.UNDO_ACTION not in asked.actions
    refused = await chat.say("log meeting")
    assert refused.is_error and msg.UNDO_ACTION not in refused.actions
    assert chat.store.steps == {}
    assert "Nothing to take back" in (await chat.ok("undo")).text()


async def test_forget_me_forgets_the_journal() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")
    assert len(chat.store.steps) == 1
    for command in ("forget me", "yes"):
        assert not (await chat.invoke(Invocation(command))).is_error
    assert chat.store.steps == {}
