"""`nextinterview demo`: a sample group over two simulated weeks, in-process."""

from __future__ import annotations

import asyncio
import re

import pytest

from adapters.demo import run_demo

STAMP = re.compile(r"^\[(\w{3} \d\d \w{3}) (\d\d:\d\d) UTC nudge to (@[\w ]+|#[\w-]+)\]$")


ACTION = re.compile(r"^\w{3} \d\d \w{3} \d\d:\d\d \S+\s+(\w+)> (.*)$")


@pytest.fixture(scope="module")
def transcript() -> str:
    """Two simulated weeks, run once for every test here (it takes a while)."""
    printed: list[str] = []
    assert asyncio.run(run_demo(weeks=2, write=printed.append)) == 0
    return "\n".join(printed)


def events(text: str) -> list[tuple[str, str]]:
    """In order: ("act", "Ann> text") for what a persona typed, ("@ann lee", message)
    for each nudge delivered."""
    out: list[tuple[str, str]] = []
    for block in text.split("\n\n"):
        for part in ("\n" + block).split("\n["):
            lines = part.strip("\n").split("\n")
            if m := STAMP.match("[" + lines[0]):
                out.append((m.group(3), "\n".join(lines[1:])))
                continue
            for one in lines:
                if a := ACTION.match(one):
                    out.append(("act", f"{a.group(1)}> {a.group(2)}"))
    return out


def test_demo_shows_checkins_at_local_times_across_dst_and_the_weekly_post(
    transcript: str,
) -> None:
    text = transcript
    deliveries = [
        (m.group(1), m.group(2), m.group(3), block.split("\n")[1])
        for block in text.split("\n[")
        if (m := STAMP.match(("[" + block).split("\n")[0]))
    ]
    bo_checkins = [(day, at) for day, at, to, first in deliveries
                   if to == "@bo park" and first.startswith("Who did you")]  # fmt: skip
    # New York's 08:30: 13:30 UTC before the clocks change on Sunday 8 March, 12:30 after.
    by_date = [(int(day[4:6]), at) for day, at in bo_checkins]  # all in March 2026
    assert by_date == [(d, "13:30") for d in (2, 3, 4, 5, 6)] + [
        (d, "12:30") for d in (9, 10, 11, 12, 13)
    ]  # one a working day, none on the weekend
    posts = [d for d in deliveries if d[2] == "#demo-club"]
    assert [(day, at) for day, at, _, _ in posts] == [
        ("Fri 06 Mar", "16:00"),
        ("Fri 13 Mar", "16:00"),
    ]
    assert all(first.startswith("Leaderboard — Demo job club") for *_, first in posts)
    # Every persona gets check-ins; streaks are printed at the end.
    for who in ("@ann lee", "@bo park", "@chen wu", "@dev rao"):
        assert any(to == who for _, _, to, _ in deliveries), who
    assert "Ann Lee: Streak:" in text


def test_no_prep_or_debrief_for_a_conversation_already_held(transcript: str) -> None:
    """Ann schedules her interview with Noor, then logs it on its day: the prep comes
    before, and nothing about it comes after (the demo once sent both)."""
    held, preps, logged = False, 0, 0
    for who, what in events(transcript):
        if who == "act" and what.startswith("Ann> schedule Noor"):
            held = False
        elif who == "act" and what == "Ann> interviewed at Hooli with Noor":
            held, logged = True, logged + 1
        elif who == "@ann lee" and "Your interview with Noor (Hooli)" in what:
            assert not held, what
            preps += 1
        elif who == "@ann lee":
            assert "How did your interview" not in what, what
    assert preps >= 1 and logged >= 1  # the story did happen


def test_conversations_put_their_organisations_in_the_works(transcript: str) -> None:
    """Chen meets people at Grab and Shopee: Monday's note counts them in the works
    (it once said "You have 0 things in the works")."""
    met, notes = False, []
    for who, what in events(transcript):
        if who == "act" and what.startswith("Chen> met"):
            met = True
        elif who == "@chen wu" and met and "in the works" in what:
            notes.append(what)
    assert notes and all("You have 0 things" not in n for n in notes), notes
    assert any("You have 2 things in the works" in n for n in notes), notes
