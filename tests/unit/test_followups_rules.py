"""What logging sets in motion, through the Core: follow-ups owed and closed, leads,
`done` / `snooze` / `drop`, planned follow-ups, meetings held, opportunities, and
which contact a member means."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.domain import (
    ActivityKind,
    Contact,
    FollowUpKind,
    FollowUpStatus,
    MeetingStatus,
    OpportunityStage,
)
from bot.matching import match_contacts
from bot.replies import plain
from tests.unit.harness import WED, Chat, local

THU, FRI = date(2025, 1, 9), date(2025, 1, 10)


# --- owed after a conversation ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["met Jane Doe from Acme", "log interview Jane Doe @Acme"])
async def test_a_conversation_owes_a_thankyou_in_24h_and_a_checkback_in_7_days(text: str) -> None:
    chat = Chat()
    reply = await chat.ok(text)
    (activity,) = chat.activities()
    jane = chat.contact("Jane Doe")
    (thankyou,) = chat.open_followups(FollowUpKind.THANKYOU)
    (checkback,) = chat.open_followups(FollowUpKind.CHECKBACK)
    assert thankyou.due_at == WED + timedelta(hours=24)
    assert checkback.due_at == WED + timedelta(days=7)
    for owed in (thankyou, checkback):
        assert owed.contact_id == jane.id
        assert owed.company == "Acme"
        assert owed.source_activity_id == activity.id
    assert "Thank-you due by tomorrow 15:00" in reply.text()
    # The button acts on the thank-you: the number `followups` shows for it.
    assert reply.actions[0].command == f"done {thankyou.number}"


async def test_an_interview_moves_the_contact_to_stage_3() -> None:
    chat = Chat()
    await chat.ok("log interview Jane Doe @Acme")
    assert chat.contact("Jane Doe").stage == 3


async def test_a_second_conversation_with_the_same_person_owes_nothing_twice() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")
    chat.clock.advance(timedelta(days=2))
    await chat.ok("met Jane")
    assert len(chat.open_followups(FollowUpKind.THANKYOU)) == 1
    (checkback,) = chat.open_followups(FollowUpKind.CHECKBACK)
    assert checkback.due_at == WED + timedelta(days=2 + 7)  # the newer conversation restarts it
    await chat.ok("met Omar")  # someone else: owed separately
    assert len(chat.open_followups(FollowUpKind.THANKYOU)) == 2
    assert len(chat.open_followups(FollowUpKind.CHECKBACK)) == 2


async def test_outreach_and_applications_owe_nothing() -> None:
    chat = Chat()
    await chat.ok("emailed Jane Doe")
    await chat.ok("applied to Hooli")
    assert chat.followups() == []


# --- closing --------------------------------------------------------------------------------


async def test_a_thankyou_closes_the_thankyou_only() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")
    chat.clock.advance(timedelta(hours=3))
    reply = await chat.ok("thanked Jane")
    (thankyou,) = chat.followups(FollowUpKind.THANKYOU)
    assert thankyou.status is FollowUpStatus.DONE
    assert thankyou.closed_at == WED + timedelta(hours=3)
    assert len(chat.open_followups(FollowUpKind.CHECKBACK)) == 1
    assert "Follow-up closed." in reply.text()


async def test_a_followup_closes_one_owed_follow_up_at_a_time_earliest_first() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")
    await chat.ok("followed up with Jane")
    assert chat.followups(FollowUpKind.THANKYOU)[0].status is FollowUpStatus.DONE
    assert len(chat.open_followups(FollowUpKind.CHECKBACK)) == 1
    chat.clock.advance(timedelta(minutes=11))  # another one, not the same sent twice
    await chat.ok("followed up with Jane")
    assert chat.open_followups() == []
    # A third one has nothing to close, and says so by not saying "closed".
    chat.clock.advance(timedelta(minutes=11))
    reply = await chat.ok("followed up with Jane")
    assert "closed" not in reply.text()


async def test_a_lead_is_due_in_48h_and_remembers_who_referred_it() -> None:
    chat = Chat()
    await chat.ok("contact add Sam Lee")
    reply = await chat.ok("lead Priya Patel @Initech via Sam")
    priya, sam = chat.contact("Priya Patel"), chat.contact("Sam Lee")
    assert priya.referred_by_id == sam.id
    assert priya.how_met == "referral"
    assert priya.company == "Initech"
    assert len(chat.contacts()) == 2  # Sam was found, not created again
    (lead,) = chat.open_followups(FollowUpKind.LEAD)
    assert lead.due_at == WED + timedelta(hours=48)
    assert lead.contact_id == priya.id
    assert [a.kind for a in chat.activities()] == [ActivityKind.REFERRAL]
    assert "Reach out to Priya Patel yourself by Fri 15:00" in reply.text()


@pytest.mark.parametrize("act", ["emailed Priya", "met Priya", "log interview Priya"])
async def test_outreach_or_a_conversation_acts_on_the_lead(act: str) -> None:
    chat = Chat()
    await chat.ok("lead Priya @Initech via Sam")
    reply = await chat.ok(act)
    (lead,) = chat.followups(FollowUpKind.LEAD)
    assert lead.status is FollowUpStatus.DONE
    assert "That lead is acted on" in reply.text()


async def test_a_lead_for_someone_else_stays_open() -> None:
    chat = Chat()
    await chat.ok("lead Priya @Initech via Sam")
    await chat.ok("emailed Omar")
    assert len(chat.open_followups(FollowUpKind.LEAD)) == 1


# --- done / snooze / drop -------------------------------------------------------------------


async def test_done_closes_and_logs_the_step_which_counts_for_the_streak() -> None:
    chat = Chat()
    await chat.ok("lead Priya @Initech via Sam")  # a referral alone keeps no streak
    assert "Fresh start" in (await chat.ok("streak")).text()
    (lead,) = chat.open_followups(FollowUpKind.LEAD)
    reply = await chat.ok(f"done {lead.id}")
    assert chat.followups(FollowUpKind.LEAD)[0].status is FollowUpStatus.DONE
    outreach = chat.activities(ActivityKind.OUTREACH)
    assert [(a.contact_id, a.company, a.local_date) for a in outreach] == [
        (lead.contact_id, "Initech", WED.date())
    ]
    assert "That was the last one." in reply.text()
    assert "Streak: 1 working day." in (await chat.ok("streak")).text()


async def test_done_by_name_closes_a_thankyou_and_logs_a_thankyou() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")
    await chat.ok("done Jane")
    assert chat.followups(FollowUpKind.THANKYOU)[0].status is FollowUpStatus.DONE
    assert len(chat.activities(ActivityKind.THANKYOU)) == 1


async def test_snooze_moves_the_due_time_into_the_future() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")
    (thankyou,) = chat.open_followups(FollowUpKind.THANKYOU)
    reply = await chat.ok(f"snooze {thankyou.id} fri")
    snoozed = chat.store.followups[thankyou.id or 0]
    assert snoozed.due_at > chat.clock.now()
    assert snoozed.due_at == datetime(2025, 1, 10, 9, 30, tzinfo=snoozed.due_at.tzinfo)
    assert snoozed.status is FollowUpStatus.OPEN
    assert "until Fri 09:30" in reply.text()
    await chat.ok(f"snooze {thankyou.id}")  # default: tomorrow
    assert chat.store.followups[thankyou.id or 0].due_at.date() == THU


async def test_snoozing_into_the_past_is_refused_and_changes_nothing() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")
    before = chat.store.snapshot()
    reply = await chat.say("snooze 1 yesterday")
    assert reply.is_error and "still ahead" in reply.text()
    assert chat.store.snapshot() == before


async def test_drop_lets_it_go() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")
    (_thankyou, checkback) = chat.open_followups()
    await chat.ok(f"drop {checkback.id}")
    assert chat.store.followups[checkback.id or 0].status is FollowUpStatus.DROPPED
    listing = (await chat.ok("followups")).text()
    assert "check-back" not in listing and "thank-you" in listing
    reply = await chat.say(f"done {checkback.id}")
    assert reply.is_error and "no open follow-up" in reply.text()


async def test_unknown_follow_up_numbers_and_names_are_errors() -> None:
    chat = Chat()
    for text in ("done 99", "drop #7", "snooze Nobody fri", "done"):
        reply = await chat.say(text)
        assert reply.is_error, text


# --- planned follow-ups -----------------------------------------------------------------------


async def test_followup_on_a_future_day_plans_a_reminder() -> None:
    chat = Chat()
    reply = await chat.ok("followup Jane Doe fri")
    (planned,) = chat.open_followups(FollowUpKind.PLANNED)
    assert planned.due_at == datetime(2025, 1, 10, 9, 30, tzinfo=planned.due_at.tzinfo)
    assert planned.contact_id == chat.contact("Jane Doe").id
    assert chat.activities() == []  # nothing done yet
    assert "I'll remind you to follow up with Jane Doe Fri 09:30." in reply.text()


async def test_followup_without_a_day_logs_it_now_and_closes_the_planned_one() -> None:
    chat = Chat()
    await chat.ok("followup Jane Doe fri")
    reply = await chat.ok("followup Jane")
    (done,) = chat.activities(ActivityKind.FOLLOWUP)
    assert done.occurred_at == WED and done.contact_id == chat.contact("Jane Doe").id
    assert chat.followups(FollowUpKind.PLANNED)[0].status is FollowUpStatus.DONE
    assert "Logged your follow-up with Jane Doe today." in reply.text()


async def test_followup_in_3_days_is_planned_not_logged() -> None:
    chat = Chat()
    await chat.ok("followup Jane in 3 days")
    (planned,) = chat.open_followups(FollowUpKind.PLANNED)
    assert planned.due_at.date() == date(2025, 1, 11)
    assert chat.contact("Jane").name == "Jane"  # not "Jane in 3 days"


async def test_followups_lists_overdue_first() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")  # thank-you due Thursday 15:00
    await chat.ok("followup Sam fri")  # planned for Friday 09:30
    chat.clock.advance(timedelta(hours=30))  # Thursday 21:00: Jane's thank-you is late
    await chat.ok("met Omar")  # thank-you due Friday 21:00
    reply = await chat.ok("followups")
    overdue, coming = reply.sections
    assert (overdue.heading, coming.heading) == ("Overdue", "Coming up")
    now = chat.clock.now()
    late = [f for f in chat.open_followups() if f.due_at < now]
    ahead = sorted((f for f in chat.open_followups() if f.due_at >= now), key=lambda f: f.due_at)
    assert [(f.kind, f.contact_id) for f in late] == [
        (FollowUpKind.THANKYOU, chat.contact("Jane Doe").id)
    ]
    assert [plain(x).split()[0] for x in overdue.lines] == [f"#{f.id}" for f in late]
    assert [plain(x).split()[0] for x in coming.lines] == [f"#{f.id}" for f in ahead]
    assert "overdue since" in plain(overdue.lines[0])
    assert reply.actions[0].command == f"done {late[0].id}"
    assert "Follow-ups owed (5)" in reply.text()


# --- meetings and opportunities -------------------------------------------------------------


async def test_a_logged_conversation_marks_the_scheduled_one_held() -> None:
    chat = Chat()
    await chat.ok("schedule Jane Doe @Acme tomorrow 3pm interview")
    await chat.ok("schedule Omar fri 10am")
    assert "Jane Doe (Acme), tomorrow 15:00" in (await chat.ok("next")).text()
    chat.clock.set(datetime(2025, 1, 9, 16, 30, tzinfo=WED.tzinfo))
    await chat.ok("log interview Jane")
    jane, omar = sorted(chat.store.meetings.values(), key=lambda m: m.starts_at)
    assert jane.status is MeetingStatus.HELD
    assert omar.status is MeetingStatus.SCHEDULED
    assert "Omar" in (await chat.ok("next")).text()


async def test_scheduling_in_the_past_is_refused() -> None:
    chat = Chat()
    reply = await chat.say("schedule Jane Doe yesterday 3pm")
    assert reply.is_error and "log it instead" in reply.text()
    assert chat.store.meetings == {}


async def test_interviewed_at_creates_an_opportunity_and_stages_move() -> None:
    chat = Chat()
    await chat.ok("interviewed at Initech")
    (opp,) = chat.store.opportunities.values()
    assert (opp.organisation, opp.stage) == ("Initech", OpportunityStage.INTERVIEWING)
    assert "Interviewing" in (await chat.ok("pipeline")).text()
    reply = await chat.ok("opportunity initech offer")
    assert chat.store.opportunities[opp.id or 0].stage is OpportunityStage.OFFER
    assert "Initech is now at offer." in reply.text()
    assert "Offer" in (await chat.ok("pipeline")).text()


async def test_activities_warm_opportunities_without_inventing_them() -> None:
    chat = Chat()
    await chat.ok("emailed Jane from Globex")
    assert chat.store.opportunities == {}  # an outreach alone does not create one
    await chat.ok("met Jane from Globex")  # a conversation puts it in the works
    (opp,) = chat.store.opportunities.values()
    assert opp.stage is OpportunityStage.CONVERSATION
    await chat.ok("applied to Globex")  # an earlier stage never moves it back
    assert chat.store.opportunities[opp.id or 0].stage is OpportunityStage.CONVERSATION
    await chat.ok("applied to Hooli")
    hooli = [o for o in chat.store.opportunities.values() if o.organisation == "Hooli"]
    assert [o.stage for o in hooli] == [OpportunityStage.CONTACTED]


async def test_moving_an_unknown_opportunity_is_an_error() -> None:
    chat = Chat()
    reply = await chat.say("opportunity Nowhere interviewing")
    assert reply.is_error and "opportunity add Nowhere" in reply.text()


# --- which contact ----------------------------------------------------------------------------


def contact(cid: int, name: str, company: str | None = None) -> Contact:
    return Contact(member_id=1, name=name, company=company, id=cid)


JANE, JOHN, JANET = contact(1, "Jane Doe", "Acme"), contact(2, "John Dunn"), contact(3, "Janet Li")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jane doe", [JANE]),
        ("Jane", [JANE]),
        ("jd", [JANE, JOHN]),
        ("JL", [JANET]),
        ("J. Doe", [JANE]),
        ("J Dunn", [JOHN]),
        ("Jane D", [JANE]),
        ("Jan", []),
        ("", []),
    ],
)
def test_match_contacts(query: str, expected: list[Contact]) -> None:
    assert match_contacts(query, [JANE, JOHN, JANET]) == expected


@pytest.mark.parametrize("name", ["Jane Doe", "jane", "JD", "J. Doe", "Jane D"])
async def test_a_contact_is_found_by_name_first_name_initials(name: str) -> None:
    chat = Chat()
    await chat.ok("contact add Jane Doe @Acme")
    await chat.ok("contact add Priya Patel")
    await chat.ok(f"met {name} yesterday")
    jane = chat.contact("Jane Doe")
    assert len(chat.contacts()) == 2
    assert [a.contact_id for a in chat.activities()] == [jane.id]


async def test_an_ambiguous_name_asks_and_its_actions_work() -> None:
    chat = Chat()
    await chat.ok("contact add Jane Doe @Acme")
    await chat.ok("contact add Jane Smith @Globex")
    before = chat.store.snapshot()
    reply = await chat.say("met Jane yesterday -- lunch")
    assert reply.is_error
    assert "Which Jane did you mean?" in reply.text()
    assert chat.store.snapshot() == before
    doe, smith = chat.contact("Jane Doe"), chat.contact("Jane Smith")
    assert [a.command for a in reply.actions] == [
        f"log meeting #{doe.id} yesterday -- lunch",
        f"log meeting #{smith.id} yesterday -- lunch",
    ]
    await chat.ok(reply.actions[1].command)
    (meeting,) = chat.activities()
    assert (meeting.contact_id, meeting.note) == (smith.id, "lunch")
    assert meeting.local_date == date(2025, 1, 7)


async def test_a_company_settles_an_ambiguous_name() -> None:
    chat = Chat()
    await chat.ok("contact add Jane Doe @Acme")
    await chat.ok("contact add Jane Smith @Globex")
    await chat.ok("met Jane @Globex")
    assert [a.contact_id for a in chat.activities()] == [chat.contact("Jane Smith").id]


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("contact stage Jane 2", "stage"),
        ("contact Jane", "card"),
        ("lead Priya via Jane", "referrer"),
    ],
)
async def test_every_ambiguity_question_carries_commands_that_work(text: str, check: str) -> None:
    chat = Chat()
    await chat.ok("contact add Jane Doe @Acme")
    await chat.ok("contact add Jane Smith @Globex")
    reply = await chat.say(text)
    assert reply.is_error and len(reply.actions) == 2
    smith = chat.contact("Jane Smith")
    assert f"#{smith.id}" in reply.actions[1].command
    answer = await chat.ok(reply.actions[1].command)
    if check == "stage":
        assert chat.contact("Jane Smith").stage == 2
        assert chat.contact("Jane Doe").stage == 1
    elif check == "card":
        assert "Jane Smith (Globex)" in answer.text()
    else:
        assert chat.contact("Priya").referred_by_id == smith.id


async def test_first_contact_is_created_on_the_fly_with_company() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe")
    await chat.ok("emailed Jane @Acme")  # the company fills in what was missing
    assert chat.contact("Jane Doe").company == "Acme"


async def test_logging_at_local_midnight_counts_for_the_new_day() -> None:
    chat = Chat(now=local(FRI, 0, 5, "UTC"))
    await chat.ok("met Jane")
    assert chat.activities()[0].local_date == FRI


async def test_setting_up_a_conversation_with_a_lead_acts_on_it_and_undo_reopens_it() -> None:
    chat = Chat()
    await chat.ok("lead Priya @Initech via Sam")
    reply = await chat.ok("coffee with Priya tomorrow at 10am")
    assert "That lead is acted on" in reply.text()
    (lead,) = chat.followups(FollowUpKind.LEAD)
    assert lead.status is FollowUpStatus.DONE
    await chat.ok("undo")
    assert chat.store.meetings == {}
    (lead,) = chat.followups(FollowUpKind.LEAD)
    assert lead.status is FollowUpStatus.OPEN
