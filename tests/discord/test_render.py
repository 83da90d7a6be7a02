"""Reply -> Discord message: within every limit for any size, no pings from user text, the
next step last, personal replies ephemeral. Checked with the fake Discord's own checker."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import discord

from adapters.discord.hints import slash_form
from adapters.discord.render import Rendered, escape_user, markdown, render, size, total
from bot import messages as msg
from bot.commands import REGISTRY
from bot.domain import ActivityKind, Group
from bot.leaderboard import rank
from bot.replies import Action, Field, Reply, Section, UserText, Visibility, line
from tests.discord import fake_checks
from tests.unit.harness import CLUB, Chat, caller

NASTY = "@everyone @here <@123456789012345678> <@!42> <@&987> **bold** _it_ ~~s~~ ||spoil||"
# What would ping or render as a mention if it reached Discord as is.
MENTION = re.compile(r"<@[!&]?\d+>|@(everyone|here)", re.IGNORECASE)


def body(rendered: Rendered) -> dict[str, Any]:
    """The message as discord.py sends it (the sender adds allowed_mentions none)."""
    out: dict[str, Any] = {"allowed_mentions": {"parse": []}}
    if rendered.content is not None:
        out["content"] = rendered.content
    out["embeds"] = [e.to_dict() for e in rendered.embeds]
    if rendered.view is not None:
        out["components"] = rendered.view.to_components()
    return out


def strings(rendered: Rendered) -> list[str]:
    """Every text the message shows."""
    out = [rendered.content or ""]
    for e in rendered.embeds:
        out += [e.title or "", e.description or ""]
        out += [t for f in e.fields for t in (f.name or "", f.value or "")]
    if rendered.view is not None:
        out += [c.get("label", "") for r in rendered.view.to_components() for c in r["components"]]
    return out


def within_limits(rendered: Rendered, where: str = "reply") -> None:
    message = body(rendered)
    assert fake_checks.check_message(message, where, set()) == ([], False)
    assert not fake_checks.is_empty(message, len(rendered.files)), where
    assert total(rendered.embeds) <= 6000  # counted in UTF-16 units: never under Discord's
    assert not any(MENTION.search(s) for s in strings(rendered)), where
    assert fake_checks.pings({"content": rendered.content or ""}) == []  # even with no
    # allowed_mentions at all


def shown_lines(rendered: Rendered) -> list[str]:
    return [x for e in rendered.embeds for x in (e.description or "").split("\n")]


# -- short replies -----------------------------------------------------------------------------
async def test_a_short_reply_is_content_with_the_next_step_last() -> None:
    chat = Chat()
    reply = await chat.ok("log meeting Jane Doe @Acme yesterday")
    rendered = render(reply)
    within_limits(rendered)
    assert rendered.embeds == [] and rendered.ephemeral is True
    assert rendered.content is not None
    assert rendered.content.splitlines()[-1] == markdown(reply.next_step or ())
    assert "Jane Doe" in rendered.content
    assert rendered.view is not None
    ids = [c["custom_id"] for r in rendered.view.to_components() for c in r["components"]]
    assert ids == [f"ni:run:{a.command}" for a in reply.actions]


async def test_a_group_post_is_public_and_a_personal_reply_private() -> None:
    assert render(Reply(body=(line("Hi"),), visibility=Visibility.PUBLIC)).ephemeral is False
    assert render(Reply(body=(line("Hi"),))).ephemeral is True


async def test_files_are_named_for_the_sender_to_attach() -> None:
    chat = Chat()
    await chat.ok("log meeting Jane Doe @Acme yesterday")
    reply = await chat.ok("export")
    rendered = render(reply)
    assert rendered.files == tuple(f.name for f in reply.files) and "contacts.csv" in rendered.files
    within_limits(rendered)


async def test_a_short_reply_too_long_for_content_becomes_an_embed() -> None:
    reply = Reply(body=tuple(line(f"line {i} " + "x" * 90) for i in range(40)),
                  next_step=line("Next: one thing."))
    rendered = render(reply)
    within_limits(rendered)
    assert rendered.content is None
    assert shown_lines(rendered)[-1] == "Next: one thing."


# -- user text ---------------------------------------------------------------------------------
def test_user_text_never_pings_and_shows_as_typed() -> None:
    assert escape_user("**bold** _it_ `x` a|b ~s~ [site](https://evil.example)") == (
        "\\*\\*bold\\*\\* \\_it\\_ \\`x\\` a\\|b \\~s\\~ \\[site\\](https://evil.example)"
    )
    assert escape_user("@everyone @Here <@123> <#9> </cmd:1>") == (
        "@\u200beveryone @\u200bHere <\u200b@123> <\u200b#9> <\u200b/cmd:1>"
    )
    assert escape_user("see https://jobs.example/a_b_c now") == "see https://jobs.example/a_b_c now"
    assert escape_user("# Big\n> quote", line_start=True) == "\\# Big > quote"
    assert escape_user("Acme # 2 - x") == "Acme # 2 - x"  # only a line's start is markup
    assert escape_user("Jean-Luc O'Neil") == "Jean-Luc O'Neil"
    # Inside the buddy's `code` nothing is parsed: only a backtick could break out.
    in_code = markdown(line("Try: `", UserText("log met @everyone `x` **b**"), "`"))
    assert in_code == "Try: `log met @\u200beveryone \u02cbx\u02cb **b**`"


def test_user_text_is_neutralised_everywhere_in_a_reply() -> None:
    nasty = UserText(NASTY)
    reply = Reply(
        title=line("Leaderboard — ", nasty),
        body=(line("Met ", nasty, " today."), line(nasty)),
        fields=(Field("Who", line(nasty)),),
        sections=(Section("People", (line(nasty),)),),
        next_step=line("Next: thank ", nasty, "."),
        actions=(Action(f"Done {NASTY}", "done 1"),),
    )
    rendered = render(reply)
    within_limits(rendered)
    description = rendered.embeds[0].description or ""
    assert "Met @\u200beveryone @\u200bhere <\u200b@123456789012345678>" in description
    assert "\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\|\\|spoil\\|\\|" in description
    short = render(Reply(body=(line("Met ", nasty),), next_step=line("Next: thank ", nasty)))
    assert short.content is not None and short.embeds == []
    within_limits(short)


# -- real replies from the core ----------------------------------------------------------------
async def test_the_dashboard_is_an_embed_with_fields_then_the_next_step() -> None:
    chat = Chat()
    await chat.ok("log meeting Jane Doe @Acme yesterday")
    reply = await chat.ok("next")
    rendered = render(reply)
    within_limits(rendered)
    first, last = rendered.embeds[0], rendered.embeds[-1]
    assert first.title == "Your search today"
    assert [f.name for f in first.fields] == [f.label for f in reply.fields]
    assert all(f.inline for f in first.fields)  # short values sit side by side
    assert last.description == markdown(reply.next_step or ())  # last, above the buttons
    assert rendered.view is not None


async def test_help_shows_every_command_and_splits_between_sections() -> None:
    chat = Chat()
    rendered = render(await chat.ok("help"))
    within_limits(rendered)
    text = "\n".join(strings(rendered))
    for spec in REGISTRY.values():
        if not spec.hidden:  # a usage that is a whole command shows as its slash command
            shown = slash_form(spec.usage) or spec.usage
            assert f"`{shown}`" in text, spec.name
    assert "`/meetings`" in text and "`/lead person: company: when: via: note:`" in text
    assert "…and" not in text
    for embed in rendered.embeds[1:]:
        assert (embed.description or "").startswith("**")  # a new embed starts a section


async def test_many_follow_ups_keep_the_head_and_count_the_rest() -> None:
    chat = Chat()
    for i in range(30):  # long names: 60 follow-ups take more than one message holds
        name = f"Person{i} {'Longname' * 8}"
        await chat.ok(f"log meeting {name} @Acme Corporation today -- **with** @everyone")
    reply = await chat.ok("followups")
    rendered = render(reply)
    within_limits(rendered, "followups")
    listed = sum(len(s.lines) for s in reply.sections) + len(reply.body)
    lines = shown_lines(rendered)
    more = [x for x in lines if x.startswith("…and ")]
    shown = [x for x in lines if x.startswith("#")]
    assert len(more) == 1 and shown[0].startswith("#1 thank-you · Person0 Longname")
    assert len(shown) + int(more[0].split()[1]) == listed == 60
    assert lines[-1] == markdown(reply.next_step or ())


def _group() -> Group:
    return Group("discord", "G1", "C1", "@everyone <@&1> crew", id=1)


def _people(n: int) -> dict[int, str]:
    shapes = ("@everyone {i}", "<@10000000000000{i:04}> {i}", "**Bold** {i}", "Ada {i}")
    return {i: shapes[i % 4].format(i=i) for i in range(1, n + 1)}


def test_a_300_member_leaderboard_fits_and_pings_nobody() -> None:
    people = _people(300)
    rows = [(mid, name, {ActivityKind.MEETING: mid % 7, ActivityKind.FOLLOWUP: mid % 3})
            for mid, name in people.items()]
    reply = msg.leaderboard(_group(), rank(rows), date(2025, 1, 6), viewer=250)
    rendered = render(reply)
    within_limits(rendered, "leaderboard")
    assert rendered.ephemeral is False  # a group post
    assert rendered.embeds[0].title is not None
    assert rendered.embeds[0].title.startswith("Leaderboard — @\u200beveryone <\u200b@&1> crew")
    assert rendered.files == tuple(f.name for f in reply.files)


def test_a_300_member_group_report_keeps_its_head_within_limits() -> None:
    people = _people(300)
    now = datetime(2025, 1, 8, 15, tzinfo=UTC)
    counts = {mid: {ActivityKind.MEETING: 1} for mid in people if mid % 5}
    last = {mid: now - timedelta(days=1 if mid % 5 else 30) for mid in people}
    reply = msg.group_report(_group(), people, counts, last, now, date(2025, 1, 6))
    rendered = render(reply)
    within_limits(rendered, "group report")
    lines = shown_lines(rendered)
    shown = [x for x in lines if " — " in x]
    (more,) = [x for x in lines if x.startswith("…and ")]
    assert len(shown) + int(more.split()[1]) == 300
    assert lines[-1].startswith("Next: a friendly DM to ")


async def test_a_small_group_from_the_chat_harness() -> None:
    chat = Chat()
    admin = caller("admin", "Admin")
    await chat.ok("group setup crew", who=admin, where=CLUB)
    for i in range(6):
        who = caller(f"u{i}", ("@everyone", "<@123456789012345678>", "**Zed**")[i % 3])
        await chat.ok("group join", who=who, where=CLUB)
        await chat.ok(f"log meeting Jane {i} @Acme today", who=who)
    for command in ("leaderboard", "group report"):
        rendered = render(await chat.ok(command, who=admin, where=CLUB))
        within_limits(rendered, command)


# -- any size ----------------------------------------------------------------------------------
def test_a_huge_reply_stays_within_every_limit() -> None:
    reply = Reply(
        title=line("T" * 400),
        body=tuple(line(f"b{i} ", UserText("Member " + "x" * 60)) for i in range(5000)),
        fields=tuple(Field(f"F{i} " + "L" * 300, line("v" * 3000)) for i in range(60)),
        sections=tuple(Section(f"S{j}" * 200, tuple(line(f"s{j}-{i}") for i in range(5000)))
                       for j in range(3)),
        next_step=line("Next: " + "n" * 5000),
        actions=tuple(Action("B" * 100, f"done {i}") for i in range(100)),
        form=REGISTRY["log"].form(),
    )
    rendered = render(reply)
    within_limits(rendered, "huge")
    assert len(rendered.embeds[0].title or "") == 256
    lines = shown_lines(rendered)
    assert lines[0].startswith("b0 Member ")
    (more,) = [x for x in lines if x.startswith("…and ")]
    shown = sum(x.startswith(("b", "s")) for x in lines)
    fields = sum(len(e.fields) for e in rendered.embeds)
    assert shown + fields + int(more.split()[1]) == 5000 + 60 + 3 * 5000
    assert lines[-1].startswith("Next: nnn") and lines[-1].endswith("…")  # clipped, last
    assert rendered.view is not None
    components = [c for r in rendered.view.to_components() for c in r["components"]]
    assert len(components) == 25 and components[-1]["custom_id"] == "ni:form:log"


def test_wide_characters_count_as_discord_counts_them() -> None:
    reply = Reply(title=line("Wins"), body=tuple(line("🎉" * 50) for _ in range(200)))
    rendered = render(reply)
    within_limits(rendered, "emoji")
    assert size("🎉") == 2 and total(rendered.embeds) <= 6000
    assert sum(len(e.description or "") for e in rendered.embeds) <= 6000


def test_an_embed_has_a_colour_and_no_empty_field() -> None:
    rendered = render(Reply(title=line("T"), fields=(Field("Empty", ()),)))
    within_limits(rendered)
    assert rendered.embeds[0].colour == discord.Colour(0x2E8B57)
    assert rendered.embeds[0].fields[0].value == "\u200b"
