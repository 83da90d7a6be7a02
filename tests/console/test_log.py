"""Logging through the console: `log` (every kind), short forms, `lead`, `followup`.

The clock starts on Monday 2025-01-06 09:00 UTC; members default to UTC.
"""

from __future__ import annotations

import pytest

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import err, example_of, ok


async def test_every_kind_in_long_form_is_logged_and_counted(console: ConsoleBackend) -> None:
    said = {
        "log outreach Sam @Globex": "Logged: you reached out to Sam (Globex) today.",
        "log meeting Jane Doe @Acme yesterday -- coffee": (
            "Nice — logged your conversation with Jane Doe (Acme) yesterday."
        ),
        "log interview Priya @Initech 2 days ago": (
            "Nice — logged your interview with Priya (Initech) last Sat."
        ),
        "log followup Sam": "Logged your follow-up with Sam (Globex) today.",
        "log thankyou Jane": "Logged your thank-you to Jane Doe (Acme) today.",
        "log referral Kim @Hooli via Jane": "New lead: Kim (Hooli) from Jane Doe.",
        "log application @Hooli": "Logged your application to Hooli today.",
        "log offer @Initech": "Logged your offer from Initech today.",
    }
    for text, expected in said.items():
        assert expected in await ok(console, "ann", text)

    month = await ok(console, "ann", "stats month")
    assert "This month: 2 conversations of your goal of 20." in month
    for kind in ("outreach", "follow-ups", "thank-yous", "leads", "applications", "offers"):
        assert f"{kind}: 1" in month
    assert "conversations: 2 (1 interview)" in month

    contacts = await ok(console, "ann", "contacts")
    assert "Your contacts (4)" in contacts
    for who in ("Jane Doe (Acme)", "Kim (Hooli)", "Priya (Initech)", "Sam (Globex)"):
        assert who in contacts
    # An interview puts the contact at stage 3: discussing real jobs.
    assert "Priya (Initech) · stage 3" in contacts

    history = await ok(console, "ann", "contact Jane Doe")
    assert "yesterday · conversation — coffee" in history
    assert "today · thank-you" in history


async def test_short_forms_read_like_sentences(console: ConsoleBackend) -> None:
    met = await ok(console, "ann", "met Jane Doe from Acme yesterday")
    assert met.splitlines()[0] == "Nice — logged your conversation with Jane Doe (Acme) yesterday."
    assert "Thank-you due by today 13:00" in met

    reached = await ok(console, "ann", "reached out to Sam @Globex")
    assert reached.splitlines() == [
        "Logged: you reached out to Sam (Globex) today.",
        "Next: suggest a time yourself rather than waiting for Sam.",
        "[Undo: undo]",
    ]

    interviewed = await ok(console, "ann", "interviewed at Initech tue")
    assert "Nice — logged your interview with Initech last Tue." in interviewed

    thanked = await ok(console, "ann", "thanked Jane")
    assert "Logged your thank-you to Jane Doe (Acme) today." in thanked
    assert "Follow-up closed." in thanked

    applied = await ok(console, "ann", "applied to Hooli")
    assert "Logged your application to Hooli today." in applied
    assert "find someone at Hooli to talk to" in applied

    # People became contacts; companies alone did not.
    contacts = await ok(console, "ann", "contacts")
    assert contacts.splitlines()[0] == "Your contacts (2)"
    assert "Jane Doe (Acme)" in contacts and "Sam (Globex)" in contacts
    assert "Initech" not in contacts and "Hooli" not in contacts

    # A conversation, an interview and an application put their organisations in the works.
    pipeline = await ok(console, "ann", "pipeline")
    assert "You have 3 things in the works; aim for 6 to 10." in pipeline
    assert "Conversation\n  Acme" in pipeline
    assert "Interviewing\n  Initech" in pipeline
    assert "Contacted\n  Hooli" in pipeline

    # The thank-you to Jane is closed; Initech's thank-you is overdue.
    owed = await ok(console, "ann", "followups")
    assert "thank-you · Jane Doe" not in owed
    assert "check-back · Jane Doe (Acme) · due Sun 13:00" in owed  # six days after thank-you
    assert "thank-you · Initech · due today 13:00" in owed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("met with Jane Doe @Acme yesterday", "conversation with Jane Doe (Acme) yesterday"),
        ("had coffee with Jane Doe @Acme", "conversation with Jane Doe (Acme) today"),
        ("met Jane from Acme for coffee", "conversation with Jane (Acme) today"),
        ("reached out Sam", "you reached out to Sam today"),
        ("emailed Sam @Globex", "you reached out to Sam (Globex) today"),
        ("messaged Sam", "you reached out to Sam today"),
        ("wrote to Sam", "you reached out to Sam today"),
        ("interviewed with Priya @Initech yesterday", "interview with Priya (Initech) yesterday"),
        ("followed up with Jane", "follow-up with Jane today"),
        ("sent a thank-you to Jane", "thank-you to Jane today"),
        ("applied at Hooli", "application to Hooli today"),
        ("got an offer from Initech", "offer from Initech today"),
        ("/next log outreach Sam", "you reached out to Sam today"),
        ("LOG Meeting Jane Doe @Acme on sunday", "conversation with Jane Doe (Acme) yesterday"),
    ],
)
async def test_other_phrasings(console: ConsoleBackend, text: str, expected: str) -> None:
    assert expected in await ok(console, "ann", text)


async def test_purpose_becomes_the_note(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane from Acme for coffee yesterday")
    card = await ok(console, "ann", "contact Jane")
    assert "yesterday · conversation — coffee" in card


async def test_thankyou_action_from_the_reply_closes_the_thankyou(
    console: ConsoleBackend,
) -> None:
    reply = await console.reply("ann", "met Jane Doe from Acme yesterday")
    assert reply.actions[0].label == "Log thank-you"
    assert reply.actions[0].command == "done 1"  # the thank-you, #1 in `followups`
    thanked = await ok(console, "ann", reply.actions[0].command)
    assert "Done: thank-you to Jane Doe (Acme). 1 still open." in thanked
    owed = await ok(console, "ann", "followups")
    assert "Follow-ups owed (1)" in owed
    assert "check-back · Jane Doe (Acme)" in owed


async def test_lead_is_a_first_outreach_owed_within_48_hours(console: ConsoleBackend) -> None:
    lead = await ok(console, "ann", "lead Priya @Initech via Sam")
    assert lead.splitlines()[:2] == [
        "New lead: Priya (Initech) from Sam.",
        "Reach out to Priya yourself by Wed 09:00 — ask for 20 minutes.",
    ]
    card = await ok(console, "ann", "contact Priya")
    assert "Referred by: Sam" in card
    assert "today · lead" in card
    assert "first outreach due Wed 09:00" in card

    owed = await ok(console, "ann", "followups")
    assert "first outreach · Priya (Initech) · due Wed 09:00" in owed

    # Reaching out acts on the lead.
    reached = await ok(console, "ann", "reached out to Priya")
    assert "That lead is acted on — well done setting it up yourself." in reached
    assert "You owe no follow-ups" in await ok(console, "ann", "followups")


async def test_referral_short_form_and_log_referral_are_leads(console: ConsoleBackend) -> None:
    await ok(console, "ann", "contact add Sam Rivera @Globex")
    assert "New lead: Dee (Hooli) from Sam Rivera." in await ok(
        console, "ann", "referral Dee @Hooli via Sam"
    )
    assert "New lead: Kim from Sam Rivera." in await ok(console, "ann", "log referral Kim via Sam")
    owed = await ok(console, "ann", "followups")
    assert "Follow-ups owed (2)" in owed
    assert "first outreach · Dee (Hooli)" in owed and "first outreach · Kim" in owed


async def test_followup_logs_now_or_plans_a_reminder(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")

    logged = await ok(console, "ann", "followup Jane")
    assert "Logged your follow-up with Jane Doe (Acme) today." in logged
    assert "Follow-up closed." in logged  # the thank-you owed

    planned = await ok(console, "ann", "followup Jane fri")
    assert planned.splitlines()[0] == "I'll remind you to follow up with Jane Doe (Acme) Fri 09:30."

    fu = await ok(console, "ann", "fu Sam @Globex thu")  # short form, new contact
    assert "I'll remind you to follow up with Sam (Globex) Thu 09:30." in fu

    owed = await ok(console, "ann", "followups")
    assert "follow-up · Jane Doe (Acme) · due Fri 09:30" in owed
    assert "follow-up · Sam (Globex) · due Thu 09:30" in owed
    assert "check-back · Jane Doe (Acme) · due Sun 13:00" in owed

    # Planning is not doing: only the logged follow-up counts.
    week = await ok(console, "ann", "stats")
    assert "follow-ups: 1" in week

    # Following up on the day closes the planned reminder.
    assert "Follow-up closed." in await ok(console, "ann", "followed up with Sam")
    assert "Sam" not in await ok(console, "ann", "followups")


async def test_ambiguous_name_asks_and_writes_nothing(console: ConsoleBackend) -> None:
    await ok(console, "ann", "contact add Jane Doe @Acme")
    await ok(console, "ann", "contact add Jane Smith @Globex")

    reply = await console.reply("ann", "met Jane yesterday")
    text = console.render(reply)
    assert reply.is_error
    assert "Which Jane did you mean?" in text
    assert "#1 Jane Doe (Acme)" in text and "#2 Jane Smith (Globex)" in text
    assert [a.command for a in reply.actions] == [
        "log meeting #1 yesterday",
        "log meeting #2 yesterday",
    ]
    assert "Conversations this week: 0 of 5" in await ok(console, "ann", "next")

    picked = await ok(console, "ann", reply.actions[1].command)
    assert "conversation with Jane Smith (Globex) yesterday" in picked
    # A company narrows it down, a full name settles it.
    assert "Jane Doe (Acme)" in await ok(console, "ann", "met Jane from Acme yesterday")
    assert "Jane Doe (Acme)" in await ok(console, "ann", "thanked Jane Doe")


# --- bad input: short error, an example that works, nothing half-written ---------------


@pytest.mark.parametrize(
    ("text", "says", "example"),
    [
        ("log meeting Bob Smith 2025-13-45", "I couldn't read `2025-13-45` as a date.", None),
        ("met Bob Smith from Acme 32/13", "I couldn't read `32/13` as a date.", None),
        ("lead Priya @Initech via Sam 2025-02-30", "as a date", None),
        ("log meeting Bob Smith tomorrow", "That's still ahead", "schedule Bob Smith tomorrow"),
        ("log", "What should I log?", "log meeting Jane Doe @Acme yesterday"),
        ("log blorp Jane", "I don't know the kind `blorp`", "log meeting Jane Doe @Acme yesterday"),
        ("log meeting", "I couldn't tell who you met.", "log meeting Jane Doe @Acme"),
        ("log outreach", "I couldn't tell who you reached out to.", "log outreach Jane Doe @Acme"),
        ("applied", "I couldn't tell where you applied.", None),
        ("lead via Sam", "I couldn't tell who the lead is.", "lead Priya @Initech via Sam"),
        ("followup", "I couldn't tell who you followed up with.", "followup Jane fri"),
    ],
)
async def test_bad_log_input_is_refused_and_writes_nothing(
    console: ConsoleBackend, text: str, says: str, example: str | None
) -> None:
    error = await err(console, "ann", text)
    assert says in error
    if example is not None:
        assert example_of(error) == example
    assert "No contacts yet." in await ok(console, "ann", "contacts")
    assert "You owe no follow-ups" in await ok(console, "ann", "followups")
    assert "This month: 0 conversations" in await ok(console, "ann", "stats month")
    assert "Fresh start today" in await ok(console, "ann", "streak")


@pytest.mark.parametrize(
    "text",
    [
        "log meeting Bob Smith @Acme 2025-13-45 -- coffee",
        "lead Priya @Initech via Sam 2025-13-45",
        "followup Jane 2025-13-45",
    ],
)
async def test_a_bad_date_suggests_a_date_that_reads(console: ConsoleBackend, text: str) -> None:
    example = example_of(await err(console, "ann", text))
    assert "2025-13-45" not in example
    # The suggestion works as typed.
    await ok(console, "ann", example)


async def test_a_bad_date_leaves_existing_records_unchanged(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    before = [
        await ok(console, "ann", c) for c in ("contacts", "followups", "contact Jane", "next")
    ]
    await err(console, "ann", "met Bob Smith from Initech 2025-13-45")
    await err(console, "ann", "thanked Jane 32/13")
    after = [await ok(console, "ann", c) for c in ("contacts", "followups", "contact Jane", "next")]
    assert after == before


async def test_over_long_names_and_notes_get_the_bound(console: ConsoleBackend) -> None:
    name81, name80 = "A" * 81, "B" * 80
    error = await err(console, "ann", f"log meeting {name81} @Acme")
    assert "A name can be at most 80 characters." in error
    assert "A company name can be at most 80 characters." in await err(
        console, "ann", f"met Jane @{'C' * 81}"
    )
    assert "A note can be at most 500 characters." in await err(
        console, "ann", f"met Jane @Acme -- {'x' * 501}"
    )
    assert "A name can be at most 80 characters." in await err(
        console, "ann", f"lead {name81} via Sam"
    )
    assert "A name can be at most 80 characters." in await err(
        console, "ann", f"followup {name81} fri"
    )
    assert "That message can be at most 2000 characters." in await err(
        console, "ann", "log meeting " + "word " * 400
    )
    assert "No contacts yet." in await ok(console, "ann", "contacts")

    # Exactly at the bound is fine.
    await ok(console, "ann", f"met {name80} @Acme -- {'y' * 500}")
    contacts = await ok(console, "ann", "contacts")
    assert f"{name80} (Acme)" in contacts
    assert "Your contacts (1)" in contacts


async def test_a_question_midway_rolls_back_what_was_already_written(
    console: ConsoleBackend,
) -> None:
    await ok(console, "ann", "contact add Jane Doe @Acme")
    await ok(console, "ann", "contact add Jane Smith")
    before = await ok(console, "ann", "contacts")
    # The referrer is new (created first), then "Jane" turns out to be ambiguous.
    reply = await console.reply("ann", "lead Jane via Newton Grey")
    assert reply.is_error
    assert "Which Jane did you mean?" in console.render(reply)
    assert await ok(console, "ann", "contacts") == before
    assert "You owe no follow-ups" in await ok(console, "ann", "followups")
    # Picking one writes it all at once.
    assert "New lead: Jane Smith from Newton Grey." in await ok(
        console, "ann", reply.actions[1].command
    )
    assert "Your contacts (3)" in await ok(console, "ann", "contacts")
