"""Words, not identifiers: no reply a member reads shows an enum value that is not a plain
English word (`thankyou`, `checkback`, `no_interview`...). What a member types goes in
backticks (`followups`, `nudges off checkin`) and button commands are for machines: both
are left out of the check; titles, lines, fields, sections and button labels are read."""

from __future__ import annotations

import re

import pytest

from adapters.console.backend import ConsoleBackend
from bot.commands import REGISTRY
from bot.domain import (
    ActivityKind,
    FollowUpKind,
    FollowUpStatus,
    MeetingStatus,
    MemberStatus,
    OpportunityStage,
)
from bot.nudges.model import NudgeKind, NudgeStatus
from bot.replies import Reply, plain
from tests.console.test_data_and_help import SETUP

_ENUMS = (
    ActivityKind,
    FollowUpKind,
    FollowUpStatus,
    MeetingStatus,
    MemberStatus,
    OpportunityStage,
    NudgeKind,
    NudgeStatus,
)
# Enum values a member would read as words are fine ("meeting", "interviewing", "lead").
_ENGLISH = {
    "outreach", "meeting", "interview", "application", "offer", "lead", "planned", "open",
    "done", "dropped", "scheduled", "held", "cancelled", "searching", "landed", "target",
    "contacted", "conversation", "interviewing", "closed", "prep", "debrief", "pipeline",
    "leaderboard", "pending", "claimed", "sent", "skipped", "failed", "referral",
}  # fmt: skip
# Not enum values, but the same identifiers in other clothes.
_ALSO = {"followups", "thankyous", "checkins", "checkbacks"}
IDENTIFIERS = sorted(({e.value for enum in _ENUMS for e in enum} - _ENGLISH) | _ALSO)
_FOUND = re.compile(rf"(?<![\w-])({'|'.join(IDENTIFIERS)})(?![\w-])", re.IGNORECASE)
# "referral" is English ("Record a referral"), but as a kind the buddy's word is "lead".
_KIND_REFERRAL = re.compile(r"·\s*referrals?\b|^referrals?:|,\s*referrals?\s*[,.]", re.I | re.M)
_CODE = re.compile(r"`[^`]*`")


def visible(reply: Reply) -> str:
    """What a member reads, without what they would type and without button commands."""
    lines = [reply.title] if reply.title else []
    lines += list(reply.body)
    lines += [(f"{f.label}: ", *f.value) for f in reply.fields]
    for s in reply.sections:
        lines += [(s.heading,)] if s.heading else []
        lines += list(s.lines)
    lines += [reply.next_step] if reply.next_step else []
    text = "\n".join(plain(x) for x in lines)
    return "\n".join([text, *(a.label for a in reply.actions)])


def raw_identifiers(reply: Reply) -> list[str]:
    text = _CODE.sub(" ", visible(reply))
    return _FOUND.findall(text) + _KIND_REFERRAL.findall(text)


def test_the_check_catches_what_it_should() -> None:
    assert {"thankyou", "checkback", "followup", "checkin", "no_interview"} <= set(IDENTIFIERS)
    caught = Reply(body=(("thankyou: 1 · no_interview, Followup",),), next_step=("`followup`",))
    assert raw_identifiers(caught) == ["thankyou", "no_interview", "Followup"]
    fine = Reply(body=(("thank-yous: 1 · follow-up · check-in · `nudges off checkin`",),))
    assert raw_identifiers(fine) == []
    assert raw_identifiers(Reply(body=(("today · referral",), ("Kinds: a, referral, b",)))) == [
        "· referral",
        ", referral,",
    ]
    assert raw_identifiers(Reply(body=(("Record a referral: a lead to reach out to",),))) == []


async def say(console: ConsoleBackend, text: str, group: str | None = None) -> Reply:
    reply = await console.reply("ann", text, group)
    found = raw_identifiers(reply)
    assert not found, f"{text!r} shows {found}:\n{console.render(reply)}"
    return reply


@pytest.mark.parametrize("name", sorted(REGISTRY))
async def test_each_commands_example_reads_in_words(console: ConsoleBackend, name: str) -> None:
    spec = REGISTRY[name]
    for text, group in SETUP.get(name, []):
        await say(console, text, group)
    await say(console, spec.example, "club" if spec.category == "group" else None)


# After one step of every kind (and a few nudges turned off), what members read most.
LOGGED = (
    "met Jane Doe from Acme yesterday -- coffee",
    "log interview Noor @Hooli",
    "reached out to Sam @Globex",
    "log followup Sam",
    "thanked Jane",
    "lead Priya @Initech via Sam",
    "applied to Initech",
    "log offer @Globex",
    "schedule Noor @Hooli fri 3pm interview",
    "followup Jane fri",
    "nudges off checkin",
    "nudges off followup",
    "nudges off interview",
    "opportunity add Umbrella",
    "opportunity Initech interviewing",
)
FOLLOW_ON = (
    "contact Jane",
    "contact Sam",
    "contact Priya",
    "contacts",
    "followups",
    "next",
    "stats",
    "stats month",
    "streak",
    "pipeline",
    "settings",
    "meetings",
    "help",
    "help log",
    "help nudges",
    "help followups",
    "log blorp Jane",
    "log",
    "nudges off foo",
    "nudges on followup",
    "done Jane",
    "snooze Sam tomorrow",
    "drop Priya",
    "what should I do today?",
    "export",
)


async def test_replies_after_a_busy_week_read_in_words(console: ConsoleBackend) -> None:
    await say(console, "group setup Job club", "club")
    await console.reply("bob", "group join", "club")
    for text in LOGGED:
        await say(console, text)
    for text in FOLLOW_ON:
        await say(console, text)
    for text in ("leaderboard", "group report", "group", "group admins"):
        await say(console, text, "club")


async def test_the_words_members_read(console: ConsoleBackend) -> None:
    await say(console, "met Jane Doe from Acme -- coffee")
    await say(console, "thanked Jane")
    await say(console, "lead Priya @Initech via Jane")
    await say(console, "log followup Jane")
    stats = console.render(await say(console, "stats"))
    for label in ("conversations: 1", "thank-yous: 1", "leads: 1", "follow-ups: 1"):
        assert f"\n{label}\n" in stats, stats
    card = console.render(await say(console, "contact Jane"))
    assert "  today · conversation — coffee" in card
    assert "  today · thank-you" in card and "  today · follow-up" in card
    # Nudge kinds are typed either way and shown as words.
    assert "`check-in` nudges off." in console.render(await say(console, "nudges off checkin"))
    await say(console, "nudges off follow-up")
    assert "Nudges: on (off: check-in, follow-up)" in console.render(await say(console, "settings"))
    assert "`follow-up` nudges on." in console.render(await say(console, "nudges on followups"))
    unknown = console.render(await say(console, "log blorp Jane"))
    assert "follow-up, thank-you, lead, application, offer" in unknown
