"""The forgiving command language: short forms, kinds, phrases, unknown commands, and
arbitrary text (hypothesis): no exception escapes, every input gets a reply, and a
failing command writes nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import messages as msg
from bot.commands import REGISTRY, Arg, ArgType, ArgValue, Invocation
from bot.errors import UserError
from bot.handlers.log import KIND_WORDS
from bot.parser import _SHORT_FORMS, parse_text
from bot.phrases import Phrase, parse_phrase
from bot.replies import Reply, plain
from tests.unit.harness import ADA, CLUB, Chat

PHRASE_KEYS = ("person", "company", "via", "when", "note")


def log(kind: str, **args: str) -> Invocation:
    return Invocation("log", {**dict.fromkeys(PHRASE_KEYS), **args, "kind": kind})


def phrase_cmd(name: str, **args: str) -> Invocation:
    return Invocation(name, {**dict.fromkeys(PHRASE_KEYS), **args})


# Every short form, with what it must mean.
SHORT_FORMS: dict[str, tuple[str, Invocation]] = {
    "met with": ("met with Jane Doe", log("meeting", person="Jane Doe")),
    "met": (
        "met Jane Doe from Acme for coffee",
        log("meeting", person="Jane Doe", company="Acme", note="coffee"),
    ),
    "had coffee with": ("had coffee with Jane", log("meeting", person="Jane")),
    "reached out to": (
        "reached out to Sam @Globex",
        log("outreach", person="Sam", company="Globex"),
    ),
    "reached out": ("reached out Sam", log("outreach", person="Sam")),
    "emailed": ("emailed Sam yesterday", log("outreach", person="Sam", when="yesterday")),
    "messaged": ("messaged Sam", log("outreach", person="Sam")),
    "wrote to": ("wrote to Sam", log("outreach", person="Sam")),
    "interviewed at": (
        "interviewed at Initech tue",
        log("interview", company="Initech", when="tue"),
    ),
    "interviewed with": (
        "interviewed with Jane @Initech",
        log("interview", person="Jane", company="Initech"),
    ),
    "interviewed": ("interviewed Jane", log("interview", person="Jane")),
    "followed up with": ("followed up with Jane", log("followup", person="Jane")),
    "followed up": ("followed up Jane", log("followup", person="Jane")),
    "follow up with": (
        "follow up with Jane fri",
        phrase_cmd("followup", person="Jane", when="fri"),
    ),
    "follow up": ("follow up Jane", phrase_cmd("followup", person="Jane")),
    "follow-up": ("follow-up Jane", phrase_cmd("followup", person="Jane")),
    "fu": ("fu Jane", phrase_cmd("followup", person="Jane")),
    "thanked": ("thanked Jane", log("thankyou", person="Jane")),
    "sent a thank-you to": ("sent a thank-you to Jane", log("thankyou", person="Jane")),
    "sent thank-you to": ("sent thank-you to Jane", log("thankyou", person="Jane")),
    "thankyou": ("thankyou Jane", log("thankyou", person="Jane")),
    "thank-you": ("thank-you Jane", log("thankyou", person="Jane")),
    "applied to": ("applied to Hooli", log("application", company="Hooli")),
    "applied at": ("applied at Hooli", log("application", company="Hooli")),
    "applied": ("applied Hooli", log("application", company="Hooli")),
    "got an offer from": ("got an offer from Globex", log("offer", company="Globex")),
    "referral": (
        "referral Priya @Initech via Sam",
        phrase_cmd("lead", person="Priya", company="Initech", via="Sam"),
    ),
    "follow-ups": ("follow-ups", Invocation("followups")),
    "owed": ("owed", Invocation("followups")),
    "dashboard": ("dashboard", Invocation("next")),
    "forget me": ("Forget Me", Invocation("forget me")),
    "y": ("y", Invocation("yes")),
    "yes please": ("Yes please!", Invocation("yes")),
    "yep": ("yep.", Invocation("yes")),
    "yeah": ("yeah", Invocation("yes")),
    "nope": ("nope", Invocation("no")),
    "no thanks": ("no thanks", Invocation("no")),
    "?": ("?", Invocation("help")),
}


def test_every_short_form_is_covered() -> None:
    # The phrasings below stay cases whether the reader or the table reads them.
    assert {" ".join(prefix) for prefix, _, _ in _SHORT_FORMS} <= set(SHORT_FORMS)


@pytest.mark.parametrize("form", sorted(SHORT_FORMS))
def test_short_form(form: str) -> None:
    text, expected = SHORT_FORMS[form]
    assert parse_text(text) == expected


KIND_SYNONYMS = {
    "outreach": "outreach",
    "reachout": "outreach",
    "email": "outreach",
    "message": "outreach",
    "meeting": "meeting",
    "meet": "meeting",
    "met": "meeting",
    "coffee": "meeting",
    "networking": "meeting",
    "informational": "meeting",
    "info": "meeting",
    "call": "meeting",
    "chat": "meeting",
    "conversation": "meeting",
    "interview": "interview",
    "interviewed": "interview",
    "followup": "followup",
    "follow-up": "followup",
    "fu": "followup",
    "thankyou": "thankyou",
    "thank-you": "thankyou",
    "thanks": "thankyou",
    "ty": "thankyou",
    "referral": "referral",
    "lead": "referral",
    "application": "application",
    "applied": "application",
    "apply": "application",
    "offer": "offer",
}


def test_every_kind_word_is_covered() -> None:
    assert set(KIND_WORDS) == set(KIND_SYNONYMS)


@pytest.mark.parametrize(("word", "kind"), sorted(KIND_SYNONYMS.items()))
def test_log_kind_words(word: str, kind: str) -> None:
    assert parse_text(f"log {word.upper()} Jane Doe @Acme") == log(
        kind, person="Jane Doe", company="Acme"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/next streak", Invocation("streak")),
        ("next: streak", Invocation("streak")),
        ("/NI   next", Invocation("next")),
        ("  STREAK  ", Invocation("streak")),
        ("stats", Invocation("stats", {"period": "week"})),
        ("stats Month", Invocation("stats", {"period": "month"})),
        ("settings goal 7", Invocation("settings goal", {"n": 7})),
        (
            "Settings Timezone Europe/London",
            Invocation("settings timezone", {"zone": "Europe/London"}),
        ),
        ("group setup Tuesday club", Invocation("group setup", {"name": "Tuesday club"})),
        ("done #3", Invocation("done", {"target": "#3"})),
        ("snooze 3 fri", Invocation("snooze", {"target": "3", "when": "fri"})),
        ("snooze Jane in 3 days", Invocation("snooze", {"target": "Jane", "when": "in 3 days"})),
        ("contact stage Jane Doe 2", Invocation("contact stage", {"name": "Jane Doe", "stage": 2})),
        (
            "opportunity add Acme as data analyst",
            Invocation("opportunity add", {"organisation": "Acme", "role": "data analyst"}),
        ),
        (
            "opportunity @Acme Corp interviewing",
            Invocation("opportunity", {"organisation": "Acme Corp", "stage": "interviewing"}),
        ),
        (
            "schedule Jane @Acme thu 3pm interview",
            Invocation(
                "schedule",
                {
                    "person": "Jane",
                    "company": "Acme",
                    "when": "thu 3pm",
                    "kind": "interview",
                    "note": None,
                },
            ),
        ),
        (
            "contact add Priya Patel @Initech via Sam -- met at a meetup",
            Invocation(
                "contact add",
                {
                    "name": "Priya Patel",
                    "company": "Initech",
                    "via": "Sam",
                    "note": "met at a meetup",
                },
            ),
        ),
    ],
)
def test_commands_and_prefixes(text: str, expected: Invocation) -> None:
    assert parse_text(text) == expected


# --- phrases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Jane Doe @Acme yesterday -- great chat",
            Phrase("Jane Doe", "Acme", None, "yesterday", "great chat"),
        ),
        ("Jane Doe from Acme", Phrase("Jane Doe", "Acme")),
        ("Jane Doe from @Acme", Phrase("Jane Doe", "Acme")),
        ("Jane at Acme Corp", Phrase("Jane", "Acme Corp")),
        ("Jane @ Acme Corp", Phrase("Jane", "Acme Corp")),
        ("Priya @Initech via Sam Lee", Phrase("Priya", "Initech", "Sam Lee")),
        ("Priya via Sam tue", Phrase("Priya", None, "Sam", "tue")),
        ("@Acme with Jane Doe", Phrase("Jane Doe", "Acme")),
        ("with Jane", Phrase("Jane")),
        ("Jane — lunch", Phrase("Jane", note="lunch")),
        ("Jane – lunch", Phrase("Jane", note="lunch")),
        ("Jane on tuesday", Phrase("Jane", when="on tuesday")),
        ("Jane in 3 days", Phrase("Jane", when="in 3 days")),
        ("Jane May", Phrase("Jane May")),
        ("Agent 47", Phrase("Agent 47")),
        ("Agent 47 today", Phrase("Agent 47", when="today")),
        ("Jane -- ", Phrase("Jane")),
        ("", Phrase()),
    ],
)
def test_phrase_splitting(text: str, expected: Phrase) -> None:
    assert parse_phrase(text) == expected


def test_a_purpose_becomes_the_note_and_a_job_the_role() -> None:
    assert parse_phrase("Jane from Acme for coffee yesterday") == Phrase(
        "Jane", "Acme", None, "yesterday", "coffee"
    )
    assert parse_phrase("Jane for coffee -- good").note == "coffee — good"
    assert parse_phrase("Jane @Acme for the data analyst role").role == "data analyst"


# --- errors ----------------------------------------------------------------------------------


def error_of(text: str) -> tuple[str, str | None]:
    with pytest.raises(UserError) as caught:
        parse_text(text)
    message = caught.value.message
    return (message if isinstance(message, str) else plain(message)), caught.value.example


@pytest.mark.parametrize(
    ("text", "suggestion", "example"),
    [
        ("lgo meeting Jane", "log", "log meeting Jane Doe @Acme yesterday"),
        ("strek", "streak", "streak"),
        ("folowups", "followups", "followups"),
        # "group" alone is a command now; `group jion` is answered by it (test_group_rhythm).
        ("forget", "forget me", "forget me"),
    ],
)
def test_unknown_commands_get_did_you_mean(text: str, suggestion: str, example: str) -> None:
    message, ex = error_of(text)
    assert f"did you mean `{suggestion}`?" in message
    assert ex == example


def test_unknown_command_without_a_close_one_points_to_help() -> None:
    message, example = error_of("xyzzy plugh")
    assert "xyzzy" in message and "did you mean" not in message and "`help`" in message
    assert example == "help"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", msg.EMPTY_COMMAND),
        ("/next   ", msg.EMPTY_COMMAND),
        ("log", msg.LOG_WHAT),
        ("log frob Jane", "I don't know the kind `frob`"),
        ("settings goal lots", "should be a number"),
        ("x" * 2001, "at most 2000 characters"),
    ],
)
def test_parse_errors_are_specific(text: str, fragment: str) -> None:
    message, example = error_of(text)
    assert fragment in message
    assert example


async def test_unknown_command_reply_through_the_core() -> None:
    chat = Chat()
    reply = await chat.say("lgo meeting Jane")
    assert reply.is_error
    assert "did you mean `log`?" in reply.text()
    assert "Try: `log meeting Jane Doe @Acme yesterday`" in reply.text()
    # Nothing written but the member (their welcome comes once: bot/core.py).
    assert len(chat.store.members) == 1 and chat.store.contacts == {}


# --- arbitrary text (hypothesis) ---------------------------------------------------------------

HEADS = sorted(
    {
        *REGISTRY,
        *(" ".join(prefix) for prefix, _, _ in _SHORT_FORMS),
        *(f"log {k}" for k in KIND_WORDS),
        "/next",
        "next:",
    }
)
WORDS = [
    "Jane", "Doe", "JD", "J.", "#1", "#2", "#99", "@Acme", "@", "from", "at", "via", "with",
    "for", "--", "—", "as", "until", "yesterday", "today", "tomorrow", "fri", "tue", "3pm",
    "25:00", "in", "3", "days", "next", "week", "ago", "dec", "2025-01-01", "2031-02-30",
    "0", "-1", "99999", "99999999999999999999", "interviewing", "closed", "mon-fri", "off",
    "@everyone", "<@U123>", "yes", "no", "me", "week", "month", "on", "2",
]  # fmt: skip
TAILS = st.lists(
    st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=10)), max_size=8
).map(" ".join)
# Commands that write before they can fail (a referrer created, then the lead's name
# is ambiguous or too long): only a rollback keeps the store clean.
WRITE_THEN_FAIL = st.builds(
    lambda head, person, via, tail: f"{head} {person} via {via} {tail}",
    st.sampled_from(["lead", "referral", "log lead", "log referral"]),
    st.sampled_from(["Jane", "JD", "Priya", "Q" * 81, "#99", "Jane @Nowhere"]),
    st.sampled_from(["Zed", "Sam", "Jane Doe", "#1"]),
    TAILS,
)
TEXTS = st.one_of(
    st.text(max_size=80),
    st.builds(lambda head, tail: f"{head} {tail}", st.sampled_from(HEADS), TAILS),
    WRITE_THEN_FAIL,
)
SETUP = (
    "group setup",
    "contact add Jane Doe @Acme",
    "contact add Jane Smith @Globex",
    "met Jane Doe yesterday",
    "lead Priya @Initech via Sam",
    "opportunity add Hooli",
    "schedule Jane Smith tomorrow 3pm",
)
FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class _FailOnCrash(logging.Handler):
    """The core logs a crash and answers "something went wrong": fail the test instead."""

    def emit(self, record: logging.LogRecord) -> None:
        raise AssertionError(f"the core crashed: {record.getMessage()}")


@pytest.fixture(autouse=True)
def _no_crash_logged() -> Iterator[None]:
    logger, handler = logging.getLogger("bot.core"), _FailOnCrash(logging.ERROR)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


async def seeded_chat() -> Chat:
    """A fresh store per example, with a member who has contacts, follow-ups and a group."""
    chat = Chat()
    for text in SETUP:
        await chat.ok(text, where=CLUB)
    return chat


def assert_answered(reply: Any) -> None:
    assert isinstance(reply, Reply)
    assert reply.text().strip()
    assert msg.SOMETHING_BROKE not in reply.text()


@FUZZ
@given(text=TEXTS)
async def test_any_text_gets_a_reply_and_a_failure_writes_nothing(text: str) -> None:
    chat = await seeded_chat()
    before = chat.store.snapshot()
    reply = await chat.say(text, where=CLUB)
    assert_answered(reply)
    if reply.is_error:
        after = chat.store.snapshot()
        after["link_failures"] = before["link_failures"]  # a wrong link code is counted
        assert after == before, f"{text!r} failed but wrote:\n{reply.text()}"


@FUZZ
@given(text=st.text(max_size=80))
async def test_a_newcomers_first_message_always_gets_a_reply(text: str) -> None:
    chat = Chat()
    reply = await chat.say(text)
    assert_answered(reply)
    if reply.is_error:  # nothing written but the member, welcomed once (bot/core.py)
        # ...and a wrong link code, counted on purpose (guessing slows down).
        newcomer = ("members", "identities", "identity_ids", "cursors", "link_failures")
        after = {k: v for k, v in chat.store.snapshot().items() if k not in newcomer}
        assert after == {k: v for k, v in Chat().store.snapshot().items() if k not in newcomer}
        assert len(chat.store.members) == 1


def _arg_values(arg: Arg) -> st.SearchStrategy[ArgValue]:
    if arg.type is ArgType.NUMBER:
        return st.one_of(st.none(), st.integers(min_value=-(10**12), max_value=10**12))
    choices = st.sampled_from(arg.choices or WORDS)
    return st.one_of(st.none(), choices, st.sampled_from(WORDS), st.text(max_size=30))


@st.composite
def typed_invocations(draw: st.DrawFn) -> Invocation:
    """What a slash command or a form submits: typed options, possibly nonsense."""
    spec = REGISTRY[draw(st.sampled_from(sorted(REGISTRY)))]
    args = {a.name: draw(_arg_values(a)) for a in spec.args}
    return Invocation(spec.name, args)


@FUZZ
@given(invocation=typed_invocations())
async def test_any_typed_invocation_gets_a_reply_and_a_failure_writes_nothing(
    invocation: Invocation,
) -> None:
    if invocation.name in ("yes", "forget me"):  # both fine, but not what this test is about
        return
    chat = await seeded_chat()
    before = chat.store.snapshot()
    reply = await chat.invoke(invocation, where=CLUB)
    assert_answered(reply)
    if reply.is_error:
        after = chat.store.snapshot()
        if invocation.name == "link":  # a wrong code is counted on purpose, and only that
            assert len(after["link_failures"]) == len(before["link_failures"]) + 1
            after["link_failures"] = before["link_failures"]
        assert after == before, f"{invocation} failed but wrote"


async def test_a_failing_command_is_rolled_back_not_half_written() -> None:
    """`lead` creates the referrer before it reads the lead's name; an error after that
    must not leave the referrer behind."""
    chat = await seeded_chat()
    before = chat.store.snapshot()
    rollbacks = chat.store.rollbacks
    reply = await chat.say(f"lead Omar via Zed -- {'x' * 600}", where=CLUB)
    assert reply.is_error and "at most 500 characters" in reply.text()
    assert chat.store.snapshot() == before
    long_name = "Q" * 81
    reply = await chat.say(f"lead {long_name} via Zed", where=CLUB)
    assert reply.is_error and "at most 80 characters" in reply.text()
    assert chat.store.snapshot() == before
    assert chat.store.rollbacks == rollbacks + 2
    assert all(c.name != "Zed" for c in chat.contacts())
    assert ADA.identity in chat.store.identities
