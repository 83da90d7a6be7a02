"""`nextinterview demo`: a sample group over two simulated weeks, in-process."""

from __future__ import annotations

import re

from adapters.demo import run_demo

STAMP = re.compile(r"^\[(\w{3} \d\d \w{3}) (\d\d:\d\d) UTC nudge to (@[\w ]+|#[\w-]+)\]$")


async def test_demo_shows_checkins_at_local_times_across_dst_and_the_weekly_post() -> None:
    printed: list[str] = []
    assert await run_demo(weeks=2, write=printed.append) == 0
    text = "\n".join(printed)
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
