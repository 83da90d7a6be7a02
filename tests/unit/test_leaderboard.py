"""The weekly leaderboard: fair ranking, the right weights, and privacy first (counts and
first names only; opted-out members never shown; the group's own week)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from bot.domain import ActivityKind
from bot.leaderboard import POINTS, points, rank
from bot.messages import ADMINS_ONLY
from bot.replies import Visibility
from tests.unit.harness import CLUB, DM, Chat, caller, local

K = ActivityKind


def rows(
    *scores: tuple[str, Mapping[ActivityKind, int]],
) -> list[tuple[int, str, Mapping[ActivityKind, int]]]:
    return [(i + 1, name, counts) for i, (name, counts) in enumerate(scores)]


# --- rank and points ---------------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    standings = rank(
        rows(
            ("Cy", {K.OUTREACH: 1}),
            ("Bea", {K.INTERVIEW: 1}),
            ("Al", {K.MEETING: 1}),
            ("Di", {}),
        )
    )
    assert [(s.rank, s.name, s.points) for s in standings] == [
        (1, "Al", 5),
        (1, "Bea", 5),
        (3, "Cy", 2),
        (4, "Di", 0),
    ]


def test_a_three_way_tie() -> None:
    standings = rank(
        rows(
            ("E", {K.APPLICATION: 1}),
            ("D", {K.FOLLOWUP: 1, K.OUTREACH: 1}),
            ("C", {K.THANKYOU: 1, K.OUTREACH: 1}),
            ("B", {K.MEETING: 1}),
            ("A", {K.MEETING: 2}),
        )
    )
    assert [s.rank for s in standings] == [1, 2, 2, 2, 5]
    assert [s.name for s in standings] == ["A", "B", "C", "D", "E"]


def test_conversations_and_follow_ups_outweigh_applications() -> None:
    assert points({K.MEETING: 1}) > points({K.APPLICATION: 4})
    assert points({K.INTERVIEW: 1}) == points({K.MEETING: 1})
    assert points({K.FOLLOWUP: 1}) > points({K.APPLICATION: 2})
    assert points({K.THANKYOU: 1}) == points({K.FOLLOWUP: 1}) > points({K.OUTREACH: 1})
    assert points({K.OFFER: 3}) == 0  # an outcome, celebrated, not scored
    assert set(POINTS) == set(ActivityKind)
    top, second = rank(rows(("Apps", {K.APPLICATION: 4}), ("Talker", {K.MEETING: 1})))
    assert (top.name, second.name) == ("Talker", "Apps")


def test_standings_count_conversations_and_follow_ups() -> None:
    (s,) = rank(rows(("A", {K.MEETING: 2, K.INTERVIEW: 1, K.FOLLOWUP: 1, K.THANKYOU: 2})))
    assert (s.conversations, s.followups, s.points) == (3, 3, 15 + 9)


# --- through the Core, in a group channel ------------------------------------------------------

ADA = caller("U1", "Ada Lovelace")
BOB_S = caller("U2", "Bob Stone")
BOB_M = caller("U3", "Bob Marley")
CY = caller("U4", "Cy Young")
SECRETS = ("Zebediah", "Quux", "Wonkacorp", "Xanthippe", "Initrode", "moonshot-plan", "Lovelace")


async def club(chat: Chat) -> None:
    await chat.ok("group setup", who=ADA, where=CLUB)
    for member in (BOB_S, BOB_M, CY):
        await chat.ok("group join", who=member, where=CLUB)


async def test_the_leaderboard_shows_counts_and_first_names_never_details() -> None:
    chat = Chat()
    await club(chat)
    await chat.ok("met Zebediah Quux from Wonkacorp -- moonshot-plan", who=ADA)
    await chat.ok("log followup Xanthippe @Initrode -- moonshot-plan", who=BOB_S)
    await chat.ok("applied to Initrode", who=BOB_M)
    reply = await chat.ok("leaderboard", who=CY, where=CLUB)
    text = reply.text()
    assert reply.visibility is Visibility.PUBLIC
    for secret in SECRETS:
        assert secret not in text
    assert "1. Ada — 5 pts · 1 conversation · 0 follow-ups" in text
    assert "2. Bob S. — 3 pts" in text  # two Bobs: a last initial, nothing more
    assert "3. Bob M. — 1 pt" in text
    assert "Stone" not in text and "Marley" not in text
    assert "1 member getting started this week." in text  # Cy, with no points


async def test_members_who_opted_out_never_appear() -> None:
    chat = Chat()
    await club(chat)
    await chat.ok("group optout", who=CY, where=CLUB)
    await chat.ok("met Zebediah Quux", who=CY)
    await chat.ok("met Jane", who=ADA)
    text = (await chat.ok("leaderboard", who=ADA, where=CLUB)).text()
    assert "Cy" not in text
    assert "1. Ada" in text
    assert "2." not in text  # Cy's conversation earns no place on the board
    assert "2 members getting started" in text  # the two Bobs, not Cy
    await chat.ok("group optin", who=CY, where=CLUB)
    assert "1. Ada" in (text := (await chat.ok("leaderboard", where=CLUB)).text())
    assert "1. Cy — 5 pts" in text


async def test_members_who_left_never_appear() -> None:
    chat = Chat()
    await club(chat)
    await chat.ok("met Jane", who=CY)
    await chat.ok("group leave", who=CY, where=CLUB)
    assert "Cy" not in (await chat.ok("leaderboard", where=CLUB)).text()


async def test_ties_share_a_rank_on_the_board() -> None:
    chat = Chat()
    await club(chat)
    await chat.ok("met Jane", who=BOB_S)
    await chat.ok("met Omar", who=ADA)
    await chat.ok("emailed Sam", who=CY)
    text = (await chat.ok("leaderboard", where=CLUB)).text()
    assert "1. Ada — 5 pts" in text
    assert "1. Bob S. — 5 pts" in text
    assert "3. Cy — 2 pts" in text


async def test_the_week_is_the_groups_week_in_its_timezone() -> None:
    zone = "Pacific/Auckland"  # UTC+13 in January
    chat = Chat(now=local(date(2025, 1, 13), 8, 0, zone))  # Monday 08:00 there, Sunday in UTC
    admin = caller("U1", "Ada Lovelace", zone)
    await chat.ok("group setup", who=admin, where=CLUB)
    await chat.ok("group join", who=BOB_S, where=CLUB)  # Bob lives on UTC
    bob_logs = [
        (datetime(2025, 1, 12, 10, 30, tzinfo=UTC), "met Lola"),  # Sun 23:30 in Auckland
        (datetime(2025, 1, 12, 11, 30, tzinfo=UTC), "emailed Milo"),  # Mon 00:30 there
    ]
    for at, text in bob_logs:
        chat.clock.set(at)
        await chat.ok(text, who=BOB_S)
    chat.clock.set(local(date(2025, 1, 13), 8, 0, zone))
    reply = (await chat.ok("leaderboard", who=admin, where=CLUB)).text()
    assert "week of 13 Jan" in reply
    assert "1. Bob — 2 pts · 0 conversations" in reply  # the outreach only, not the meeting
    # A week later, on Sunday evening there, the new week still holds only what is in it.
    chat.clock.set(local(date(2025, 1, 19), 23, 0, zone))
    assert "1. Bob — 2 pts" in (await chat.ok("leaderboard", where=CLUB)).text()
    chat.clock.advance(timedelta(hours=2))  # Monday 20 January there
    later = (await chat.ok("leaderboard", where=CLUB)).text()
    assert "week of 20 Jan" in later and "No points yet this week" in later


async def test_group_report_is_for_admins_only() -> None:
    chat = Chat()
    await club(chat)
    await chat.ok("met Zebediah Quux from Wonkacorp", who=BOB_S)
    before = chat.store.snapshot()
    refused = await chat.say("group report", who=BOB_S, where=CLUB)
    assert refused.is_error and ADMINS_ONLY in refused.text()
    assert chat.store.snapshot() == before
    report = await chat.ok("group report", who=ADA, where=CLUB)
    text = report.text()
    assert report.visibility is Visibility.PRIVATE
    assert "Bob S. — 1 conversation this week" in text
    assert "Zebediah" not in text and "Wonkacorp" not in text


async def test_group_commands_need_a_group_channel() -> None:
    chat = Chat()
    in_dm = await chat.say("leaderboard", where=DM)
    assert in_dm.is_error and "channel" in in_dm.text()
    no_group = await chat.say("leaderboard", where=CLUB)
    assert no_group.is_error and "group setup" in no_group.text()
    await club(chat)
    twice = await chat.say("group setup", where=CLUB)
    assert twice.is_error and len(chat.store.groups) == 1


async def test_a_long_board_shows_the_top_the_callers_own_place_and_attaches_the_rest() -> None:
    chat = Chat()
    await club(chat)
    people = [caller(f"U{i:03d}", f"Member{i:02d} Surname{i}") for i in range(14)]
    for i, who in enumerate(people):
        await chat.ok("group join", who=who, where=CLUB)
        for _ in range(20 - i):  # Member00 20 outreaches, Member13 7: a strict order
            await chat.ok(f"emailed Contact{i}x{_}", who=who)
    last = people[-1]
    reply = await chat.ok("leaderboard", who=last, where=CLUB)
    text = reply.text()
    assert "1. Member00 — 40 pts" in text and "10. Member09 — 22 pts" in text
    assert "11. Member10" not in text  # past the top ten
    assert "⋯\n14. Member13 — 14 pts" in text  # the caller's own place, after the top
    assert "…and 3 more members on the full board, attached." in text
    (board,) = reply.files
    lines = board.content.decode().splitlines()
    assert lines[0] == "rank,name,points,conversations,follow-ups"
    assert len(lines) == 1 + 14 and lines[-1].startswith("14,Member13,14,")
    # Someone in the top ten sees no second copy of their line.
    top = (await chat.ok("leaderboard", who=people[0], where=CLUB)).text()
    assert top.count("Member00") == 1 and "⋯" not in top
    assert "…and 4 more members" in top


async def test_a_short_board_attaches_nothing() -> None:
    chat = Chat()
    await club(chat)
    await chat.ok("met Jane", who=ADA)
    reply = await chat.ok("leaderboard", who=CY, where=CLUB)
    assert reply.files == () and "more member" not in reply.text()


async def test_board_file_cells_never_run_as_formulas() -> None:
    chat = Chat()
    await club(chat)
    for i in range(11):
        who = caller(f"F{i}", f"=HYPERLINK{i}" if i == 10 else f"Plain{i}")
        await chat.ok("group join", who=who, where=CLUB)
        await chat.ok("emailed Sam", who=who)
    (board,) = (await chat.ok("leaderboard", who=ADA, where=CLUB)).files
    assert ",'=HYPERLINK10," in board.content.decode()
