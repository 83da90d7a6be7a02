"""Numbers that mean one thing: each member sees small numbers of their own per kind
(contacts, follow-ups, meetings), a button carries the number of what it acts on, and a
number is never given to another row. On SQLite and PostgreSQL: numbers are storage's."""

from __future__ import annotations

from datetime import timedelta

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import err, ok
from tests.fakes import FakeClock


async def _someone_else_first(console: ConsoleBackend) -> None:
    """Ann fills the tables first, so ids and numbers part ways for Bob."""
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "lead Priya @Initech via Sam")
    await ok(console, "ann", "schedule Jane thu 3pm")


async def test_a_new_members_numbers_start_at_one(console_db: ConsoleBackend) -> None:
    await _someone_else_first(console_db)
    met = await ok(console_db, "bob", "met Bob Lee from Globex")
    assert "[Log thank-you: done 1]" in met
    assert (await ok(console_db, "bob", "contacts")).splitlines()[1] == (
        "#1 Bob Lee (Globex) · stage 1"
    )
    owed = await ok(console_db, "bob", "followups")
    assert "#1 thank-you · Bob Lee (Globex)" in owed and "#2 check-back" in owed
    await ok(console_db, "bob", "schedule Bob thu 3pm")
    assert "#1 Thu 15:00 · conversation with Bob Lee (Globex)" in await ok(
        console_db, "bob", "meetings"
    )
    # Typed numbers are the member's own: Bob's #1s, never Ann's rows.
    assert "Bob Lee (Globex)" in await ok(console_db, "bob", "contact #1")
    assert "Done: thank-you to Bob Lee (Globex)." in await ok(console_db, "bob", "done 1")
    assert "Bob Lee" in await ok(console_db, "bob", "cancel 1")
    assert "thank-you · Jane Doe (Acme)" in await ok(console_db, "ann", "followups")
    assert "Thu 15:00 · conversation with Jane Doe (Acme)" in await ok(
        console_db, "ann", "meetings"
    )


async def test_the_thank_you_button_names_the_thank_you_followups_lists(
    console_db: ConsoleBackend,
) -> None:
    await _someone_else_first(console_db)
    await ok(console_db, "bob", "met Carol from Hooli")  # contact #1, follow-ups #1 and #2
    reply = await console_db.reply("bob", "met Bob Lee from Globex")  # contact #2, #3 and #4
    [thank] = [a for a in reply.actions if a.label == "Log thank-you"]
    assert thank.command == "done 3"
    assert "#3 thank-you · Bob Lee (Globex)" in await ok(console_db, "bob", "followups")
    assert "#2 Bob Lee (Globex)" in await ok(console_db, "bob", "contacts")
    assert "Done: thank-you to Bob Lee (Globex)." in await ok(console_db, "bob", thank.command)
    owed = await ok(console_db, "bob", "followups")
    assert "Bob Lee (Globex) · due" in owed and "thank-you · Bob Lee" not in owed


async def test_a_number_taken_back_is_not_given_again(
    console_db: ConsoleBackend, clock: FakeClock
) -> None:
    await ok(console_db, "bob", "met Carol from Hooli")  # follow-ups #1 and #2
    old = await console_db.reply("bob", "met Bob Lee from Globex")  # contact #2; #3, #4
    assert [a.command for a in old.actions if a.label == "Log thank-you"] == ["done 3"]
    await ok(console_db, "bob", "undo")
    clock.advance(timedelta(minutes=1))
    await ok(console_db, "bob", "met Dana from Initech")  # contact #3; #5 and #6
    owed = await ok(console_db, "bob", "followups")
    assert "#5 thank-you · Dana (Initech)" in owed and "#3" not in owed
    assert "#3 Dana (Initech)" in await ok(console_db, "bob", "contacts")
    # The older reply's button reaches nothing rather than Dana's thank-you.
    stale = await err(console_db, "bob", "done 3")
    assert "There's no open follow-up for `3`." in stale
    assert "#5 thank-you · Dana (Initech)" in await ok(console_db, "bob", "followups")
