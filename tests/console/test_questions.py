"""A question the buddy asks (`forget me`) is answered by the very next message or not at
all: any other message lets it lapse (and the reply says so), it expires after five
minutes, and `yes` or `no` with nothing asked says there is nothing to confirm.
Real SQLite storage: the question travels with the member's row (a join), not in memory.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import err, ok
from tests.fakes import FakeClock

DROPPED = "(I dropped the question about deleting your data.)"
NOTHING = "There's nothing to confirm: I haven't asked you anything."


async def kept(console: ConsoleBackend) -> bool:
    return "Jane Doe (Acme)" in await ok(console, "ann", "contacts")


async def test_a_day_of_other_commands_then_yes_deletes_nothing(
    console: ConsoleBackend, clock: FakeClock
) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "forget me")
    clock.advance(timedelta(days=1))
    logged = await ok(console, "ann", "met Bo @Acme")
    assert logged.splitlines()[0] == DROPPED
    assert "Nice — logged your conversation with Bo (Acme)" in logged
    assert DROPPED not in await ok(console, "ann", "contacts")  # said once
    assert (await ok(console, "ann", "yes")).splitlines()[0] == NOTHING
    assert await kept(console)


@pytest.mark.parametrize(
    "other",
    ["contacts", "export", "help", "streak", "settings goal 7", "forget", "forget me please"],
)
async def test_the_very_next_message_being_anything_else_lets_it_lapse(
    console: ConsoleBackend, other: str
) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "forget me")
    shown = console.render(await console.reply("ann", other))
    assert DROPPED in shown.splitlines()[:2], shown  # after a title, if the reply has one
    assert NOTHING in await ok(console, "ann", "yes")
    assert await kept(console)


@pytest.mark.parametrize("failing", ["log meeting", "done 99", "blargh", "snooze Jane never"])
async def test_a_message_that_fails_lets_it_lapse_too(
    console: ConsoleBackend, failing: str
) -> None:
    """The failed command's transaction rolls back; the lapse is kept all the same."""
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "forget me")
    shown = await err(console, "ann", failing)
    assert shown.splitlines()[0] == DROPPED, shown
    assert NOTHING in await ok(console, "ann", "yes")
    assert await kept(console)


async def test_an_ambiguous_name_lets_it_lapse_and_still_asks(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "met Jane Smith from Globex yesterday")
    await ok(console, "ann", "forget me")
    reply = await console.reply("ann", "done Jane")
    assert console.render(reply).splitlines()[:2] == [DROPPED, "Which Jane did you mean?"]
    assert [a.command for a in reply.actions] == ["done 1", "done 3"]
    assert NOTHING in await ok(console, "ann", "yes")


async def test_it_expires_after_five_minutes(console: ConsoleBackend, clock: FakeClock) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "forget me")
    clock.advance(timedelta(minutes=5, seconds=1))
    assert (await ok(console, "ann", "yes")).splitlines()[0] == NOTHING
    assert await kept(console)

    await ok(console, "ann", "forget me")
    clock.advance(timedelta(minutes=4, seconds=59))
    assert "everything about you is deleted" in await ok(console, "ann", "yes")
    assert "No contacts yet." in await ok(console, "ann", "contacts")


async def test_yes_and_no_with_nothing_asked(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    assert (await ok(console, "ann", "yes")).splitlines()[0] == NOTHING
    assert (await ok(console, "ann", "no")).splitlines()[0] == NOTHING
    await ok(console, "ann", "forget me")
    assert (await ok(console, "ann", "no")).splitlines()[0] == "Kept everything."
    assert (await ok(console, "ann", "no")).splitlines()[0] == NOTHING
    assert await kept(console)


async def test_asking_again_is_the_same_question_not_a_lapse(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "forget me")
    again = await ok(console, "ann", "forget me")
    assert DROPPED not in again and again.startswith("This deletes everything")
    assert "everything about you is deleted" in await ok(console, "ann", "yes")


async def test_a_copy_first_then_ask_again(console: ConsoleBackend) -> None:
    """The question offers `export`: that lapses it, so the reply says to ask again."""
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    asked = await ok(console, "ann", "forget me")
    assert "Want a copy first? `export`, then `forget me` again." in asked
    assert (await ok(console, "ann", "export")).startswith(DROPPED)
    await ok(console, "ann", "forget me")
    assert "everything about you is deleted" in await ok(console, "ann", "yes")
