"""Contacts through the console: `contacts`, `contact add`, `contact`, `contact stage`."""

from __future__ import annotations

import pytest

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import err, ok


async def test_building_a_network(console: ConsoleBackend) -> None:
    empty = await ok(console, "ann", "contacts")
    assert empty.splitlines() == [
        "No contacts yet.",
        "Start with one person you could talk to: `contact add Jane Doe @Acme`",
    ]

    added = await console.reply("ann", "contact add Sam Rivera @Globex")
    assert console.render(added).splitlines()[0] == "Added Sam Rivera (Globex)."
    assert added.actions[0].command == "log outreach #1"

    referred = await ok(console, "ann", "contact add Priya Patel @Initech via Sam -- met at PyCon")
    assert referred.splitlines()[0] == "Added Priya Patel (Initech), referred by Sam Rivera."

    again = await ok(console, "ann", "contact add priya patel")
    assert "You already have Priya Patel (Initech) (#2)." in again

    listing = await ok(console, "ann", "contacts")
    assert listing.splitlines()[:3] == [
        "Your contacts (2)",
        "#2 Priya Patel (Initech) · stage 1",
        "#1 Sam Rivera (Globex) · stage 1",
    ]
    search = await ok(console, "ann", "contacts globex")
    assert "#1 Sam Rivera (Globex)" in search and "Priya" not in search

    card = await ok(console, "ann", "contact Priya")
    assert card.splitlines()[:5] == [
        "Priya Patel (Initech)",
        "Stage: 1 — in touch",
        "Referred by: Sam Rivera",
        "Notes: met at PyCon",
        "History",
    ]
    assert "Nothing logged yet." in card

    staged = await ok(console, "ann", "contact stage Priya Patel 2")
    assert staged.splitlines()[0] == "Priya Patel (Initech) is now stage 2: interested."
    assert "Stage: 2 — interested" in await ok(console, "ann", "contact #2")
    assert "#2 Priya Patel (Initech) · stage 2" in await ok(console, "ann", "contacts")

    # What was logged with someone shows on their card, newest first.
    await ok(console, "ann", "reached out to Sam yesterday")
    await ok(console, "ann", "met Sam Rivera -- coffee, talked about the data team")
    card = await ok(console, "ann", "contact Sam Rivera")
    history = card.split("History\n", 1)[1].splitlines()
    assert history[:2] == [
        "  today · conversation — coffee, talked about the data team",
        "  yesterday · outreach",
    ]
    assert "Owed\n  #1 thank-you due tomorrow 09:00" in card


async def test_initials_and_first_names_find_the_contact(console: ConsoleBackend) -> None:
    await ok(console, "ann", "contact add Jane Doe @Acme")
    for query in ("Jane", "J. Doe", "jd", "Jane D", "#1"):
        assert (await ok(console, "ann", f"contact {query}")).startswith("Jane Doe (Acme)")


async def test_many_contacts_are_listed_25_at_a_time(console: ConsoleBackend) -> None:
    for i in range(27):
        await ok(console, "ann", f"contact add Person {i:02d} @Co{i}")
    listing = await ok(console, "ann", "contacts")
    assert listing.splitlines()[0] == "Your contacts (27)"
    assert "…and 2 more; `contacts <name>` narrows it." in listing
    assert "Person 26" in await ok(console, "ann", "contacts Person 26")


async def test_two_members_never_see_each_others_contacts(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday -- secret plans")
    await ok(console, "ann", "contact add Priya Patel @Initech")

    assert "No contacts yet." in await ok(console, "bob", "contacts")
    assert "I couldn't find Jane among your contacts." in await err(console, "bob", "contact Jane")
    assert "No contact matches `acme`." in await err(console, "bob", "contacts acme")
    # Numbers are per member too: Ann's #1 is not Bob's to read.
    assert "I couldn't find #1 among your contacts." in await err(console, "bob", "contact #1")
    assert "You owe no follow-ups" in await ok(console, "bob", "followups")
    assert "There's no open follow-up for `1`." in await err(console, "bob", "done 1")

    # Bob's own Jane Doe is a different person.
    await ok(console, "bob", "met Jane Doe from Globex")
    bob = await ok(console, "bob", "contacts")
    assert "Jane Doe (Globex)" in bob and "Acme" not in bob and "Priya" not in bob
    ann = await ok(console, "ann", "contacts")
    assert "Jane Doe (Acme)" in ann and "Globex" not in ann
    assert "secret plans" not in await ok(console, "bob", "contact Jane")

    # Console names are case- and space-insensitive: "Ann " is still Ann.
    assert "Your contacts (2)" in await ok(console, "Ann ", "contacts")


@pytest.mark.parametrize(
    ("text", "says", "example"),
    [
        ("contact add", "Who should I add?", "contact add Priya Patel @Initech via Sam"),
        ("contact add @Acme", "Who should I add?", "contact add Priya Patel @Initech via Sam"),
        ("contact", "Whose history should I show?", "contact Jane Doe"),
        ("contact Nobody", "I couldn't find Nobody among your contacts.", "contacts"),
        ("contact stage Jane Doe 7", "Give a name and a stage", "contact stage Jane Doe 2"),
        ("contact stage Jane Doe", "Give a name and a stage", "contact stage Jane Doe 2"),
        ("contact stage 2", "Give a name and a stage", "contact stage Jane Doe 2"),
        ("contact stage Nobody 2", "I couldn't find Nobody among your contacts.", "contacts"),
        ("contacts zzz", "No contact matches `zzz`.", "contacts"),
        ("contact add " + "N" * 81, "A name can be at most 80 characters.", None),
        ("contact add Jane @" + "C" * 81, "A company name can be at most 80 characters.", None),
        ("contact add Jane -- " + "n" * 501, "A note can be at most 500 characters.", None),
    ],
)
async def test_bad_contact_input(
    console: ConsoleBackend, text: str, says: str, example: str | None
) -> None:
    await ok(console, "ann", "contact add Jane Doe @Acme")
    error = await err(console, "ann", text)
    assert says in error
    if example is not None:
        assert error.endswith(f"Try: `{example}`")
    # Nothing changed.
    listing = await ok(console, "ann", "contacts")
    assert listing.splitlines()[:2] == ["Your contacts (1)", "#1 Jane Doe (Acme) · stage 1"]


async def test_ambiguous_contact_card_offers_each(console: ConsoleBackend) -> None:
    await ok(console, "ann", "contact add Jane Doe @Acme")
    await ok(console, "ann", "contact add Jane Smith @Globex")
    reply = await console.reply("ann", "contact stage Jane 3")
    assert reply.is_error
    assert "Which Jane did you mean?" in console.render(reply)
    # Nothing was staged while asking.
    assert "stage 3" not in await ok(console, "ann", "contacts")
    assert [a.command for a in reply.actions] == ["contact stage #1 3", "contact stage #2 3"]
    await ok(console, "ann", reply.actions[1].command)
    assert "#2 Jane Smith (Globex) · stage 3" in await ok(console, "ann", "contacts")


async def test_ambiguous_referrer_adds_nobody_until_picked(console: ConsoleBackend) -> None:
    await ok(console, "ann", "contact add Jane Doe @Acme")
    await ok(console, "ann", "contact add Jane Smith")
    reply = await console.reply("ann", "contact add Kim Lee @Hooli via Jane")
    assert reply.is_error
    assert "Your contacts (2)" in await ok(console, "ann", "contacts")
    added = await ok(console, "ann", reply.actions[0].command)
    assert "Added Kim Lee (Hooli), referred by Jane Doe." in added
    assert "Referred by: Jane Doe" in await ok(console, "ann", "contact Kim")
