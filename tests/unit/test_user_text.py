"""User text is always marked: whatever a person typed reaches a reply only inside
`UserText`, so every adapter can neutralise mentions (`@everyone`, `<!channel>`...)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.commands import Invocation
from bot.replies import Reply, UserText
from tests.unit.harness import CLUB, DM, Chat, caller

MENTIONS = ("@everyone", "<!channel>", "@here", "<@U123>", "<!here>")
EVIL = "@everyone <!channel> <@U123>"


def plain_segments(reply: Reply) -> Iterator[str]:
    """Every piece of buddy-written text: title, body, fields, sections, next step."""
    lines = [reply.title, *reply.body, *(f.value for f in reply.fields), reply.next_step]
    for section in reply.sections:
        lines.extend(section.lines)
        if section.heading:
            yield section.heading
    yield from (f.label for f in reply.fields)
    for text_line in lines:
        for segment in text_line or ():
            if not isinstance(segment, UserText):
                yield segment


def assert_marked(reply: Reply, *echoed: str) -> None:
    leaks = [s for s in plain_segments(reply) if any(m in s for m in MENTIONS)]
    assert not leaks, f"unmarked user text {leaks} in:\n{reply.text()}"
    for fragment in echoed:  # the test is not vacuous: the text did come back
        assert fragment in reply.text(), f"{fragment!r} not echoed in:\n{reply.text()}"


def test_the_checker_catches_an_unmarked_mention() -> None:
    from bot.replies import line

    with pytest.raises(AssertionError):
        assert_marked(Reply(body=(line("hi ", "<@U123>"),)))
    assert_marked(Reply(body=(line("hi ", UserText("<@U123>")),)), "<@U123>")


# Commands typed as text, and what each must echo (inside UserText).
TEXT_CASES: list[tuple[str, tuple[str, ...]]] = [
    ("log meeting <!channel> <@U123> -- ping @everyone", ("<!channel> <@U123>",)),
    ("met <@U123> from @here", ("<@U123> (here)",)),
    ("met <!channel> from <@U123> Corp", ("<!channel> (<@U123> Corp)",)),
    ("contact add <!channel> <@U123> @@everyone -- <@U123>", ("<!channel> <@U123>", "@everyone")),
    ("lead <@U123> @@here via <!channel>", ("<@U123>", "@here", "<!channel>")),
    ("opportunity add <!channel> as <@U123>", ("<!channel>",)),
    ("opportunity <@U123> interviewing", ("<@U123>",)),
    ("@here", ("@here",)),
    ("@everyone log meeting Jane", ("@everyone",)),
    ("log <@U123> Jane", ("<@U123>",)),
    ("pause until @everyone", ("@everyone",)),
    ("snooze <@U123> fri", ("<@U123>",)),
    ("settings timezone <!channel>/@here", ("<!channel>/@here",)),
    ("settings days <@U123>", ("<@U123>",)),
    ("settings checkin @everyone", ("@everyone",)),
    ("settings quiet <!channel>", ("<!channel>",)),
    ("help @here", ("@here",)),
    ("contacts <@U123>", ("<@U123>",)),
    ("contact <!here>", ("<!here>",)),
    ("group setup @here crew", ("@here crew",)),
    ("followup <@U123> fri", ("<@U123>",)),
    ("schedule <@U123> @@everyone tomorrow 3pm", ("<@U123>", "@everyone")),
]


@pytest.mark.parametrize(("text", "echoed"), TEXT_CASES, ids=[t for t, _ in TEXT_CASES])
async def test_text_commands_mark_what_they_echo(text: str, echoed: tuple[str, ...]) -> None:
    chat = Chat()
    assert_marked(await chat.say(text, where=CLUB), *echoed)


async def test_a_typed_person_company_and_date_are_marked() -> None:
    chat = Chat()
    logged = await chat.invoke(
        Invocation("log", {"kind": "meeting", "person": EVIL, "company": "@here", "note": EVIL})
    )
    assert not logged.is_error
    assert_marked(logged, EVIL, "@here")
    bad_date = await chat.invoke(
        Invocation("log", {"kind": "meeting", "person": "Jane", "when": "@everyone <@U123>"})
    )
    assert bad_date.is_error
    assert_marked(bad_date, "@everyone <@U123>")
    unknown = await chat.invoke(Invocation("log", {"kind": "<!channel>", "person": "Jane"}))
    assert unknown.is_error
    assert_marked(unknown, "<!channel>")


async def test_a_contact_with_a_mention_in_its_name_stays_marked_everywhere() -> None:
    chat = Chat()
    added = await chat.invoke(Invocation("contact add", {"name": EVIL, "note": "call @here"}))
    assert_marked(added, EVIL)
    await chat.ok("contact add <@U123> Two @<!channel>")
    await chat.ok("contact add <@U123> Three")
    which = await chat.say("met <@U123> yesterday")
    assert which.is_error and len(which.actions) == 2  # "which <@U123> did you mean?"
    assert_marked(which, "<@U123> Two (<!channel>)", "<@U123> Three")
    for text in ("contact <@U123>", "contacts", "contacts <@U123>"):
        assert_marked(await chat.say(text), "<@U123>")
    await chat.ok("met #1")
    for text in ("contact #1", "followups", "next", "contacts", "export", "done 1", "drop 2"):
        assert_marked(await chat.say(text))
    card = await chat.say("contact #1")
    assert_marked(card, EVIL, "call @here")


async def test_names_on_the_leaderboard_and_report_are_marked() -> None:
    chat = Chat()
    admin = caller("U1", "<!channel> Admin")
    member = caller("U2", "@everyone Bob")
    room = CLUB.__class__(CLUB.platform, CLUB.tenant, "club", "@here")
    assert_marked(await chat.say("group setup", who=admin, where=room), "@here")
    assert_marked(await chat.say("group join", who=member, where=room), "@here")
    await chat.ok("met Jane", who=member)
    assert_marked(await chat.say("leaderboard", who=member, where=room), "@everyone", "@here")
    report = await chat.say("group report", who=admin, where=room)
    assert_marked(report, "@everyone", "<!channel>")


async def test_a_mention_as_display_name_in_a_dm_dashboard() -> None:
    chat = Chat()
    who = caller("U9", "<@U123>")
    for text in ("next", "settings", "streak", "stats", "pipeline"):
        assert_marked(await chat.say(text, who=who, where=DM))
