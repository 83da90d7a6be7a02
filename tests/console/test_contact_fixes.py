"""Fixing a contact through the console, on SQLite and PostgreSQL: `contact <name> company`,
`contact <name> name`, `contact merge <duplicate> into <keeper>`, checked through `export`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import err, example_of, ok

ANN = "ann"


async def exported(console: ConsoleBackend, export_dir: Path) -> dict[str, Any]:
    await ok(console, ANN, "export")
    data: dict[str, Any] = json.loads((export_dir / "nextinterview.json").read_text())
    return data


def by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in data["contacts"]}


async def test_company_and_name_are_fixed_and_the_card_still_shows(
    console_db: ConsoleBackend, export_dir: Path
) -> None:
    await ok(console_db, ANN, "met Jane Doe yesterday")
    fixed = await ok(console_db, ANN, "contact Jane company Acme")
    assert fixed.splitlines()[0] == "Jane Doe is now at Acme."
    changed = await ok(console_db, ANN, "contact jane doe company Acme Corp")
    assert changed.splitlines()[0] == "Jane Doe is now at Acme Corp."
    renamed = await ok(console_db, ANN, "contact Jane name Jane Smith-Ortiz")
    assert renamed.splitlines()[0] == "Renamed Jane Doe to Jane Smith-Ortiz (Acme Corp)."
    (jane,) = (await exported(console_db, export_dir))["contacts"]
    assert (jane["name"], jane["company"]) == ("Jane Smith-Ortiz", "Acme Corp")
    card = await ok(console_db, ANN, "contact Jane")
    assert card.splitlines()[0] == "Jane Smith-Ortiz (Acme Corp)"
    assert "History" in card
    # The new name is the one that finds her now.
    assert "Jane Smith-Ortiz" in await ok(console_db, ANN, "contacts smith")
    assert "No contact matches" in await console_db.say(ANN, "contacts doe")


async def test_fixes_that_cannot_be_made_say_how(
    console_db: ConsoleBackend, export_dir: Path
) -> None:
    await ok(console_db, ANN, "contact add Jane Doe")
    await ok(console_db, ANN, "contact add Jane Smith @Acme")
    assert example_of(await err(console_db, ANN, "contact Jane Doe company")) == (
        "contact Jane company Acme"
    )
    assert example_of(await err(console_db, ANN, "contact Jane Doe name")) == (
        "contact Jane name Jane Smith"
    )
    taken = await err(console_db, ANN, "contact Jane Doe name jane smith")
    assert "You already have Jane Smith (Acme)" in taken
    assert example_of(taken) == "contact merge Jane Doe into Jane Smith"
    too_long = await err(console_db, ANN, "contact Jane Doe company " + "A" * 81)
    assert "at most 80 characters" in too_long
    assert "I couldn't find" in await err(console_db, ANN, "contact Bo company Acme")
    # Two Janes: it asks which one, and changes nothing.
    asked = await console_db.reply(ANN, "contact Jane company Initech")
    assert [a.command for a in asked.actions] == [
        "contact #1 company Initech",
        "contact #2 company Initech",
    ]
    contacts = (await exported(console_db, export_dir))["contacts"]
    companies = {c["name"]: c["company"] for c in contacts}
    assert companies == {"Jane Doe": None, "Jane Smith": "Acme"}


async def test_merge_moves_everything_onto_the_contact_kept(
    console_db: ConsoleBackend, export_dir: Path
) -> None:
    await ok(console_db, ANN, "contact add Sam Rivera")
    await ok(console_db, ANN, "contact add Jane Smith @Acme via Sam -- met at PyCon")
    await ok(console_db, ANN, "contact add Jane Doe -- likes data")
    await ok(console_db, ANN, "contact stage Jane Doe 2")
    await ok(console_db, ANN, "met Jane Doe yesterday")
    await ok(console_db, ANN, "lead Priya Patel via Jane Doe")
    await ok(console_db, ANN, "schedule Jane Doe fri 3pm")
    before = await exported(console_db, export_dir)
    doe, smith = by_name(before)["Jane Doe"]["id"], by_name(before)["Jane Smith"]["id"]

    merged = await ok(console_db, ANN, "contact merge Jane Doe into Jane Smith")
    assert merged.splitlines()[0].startswith("Merged Jane Doe into Jane Smith (Acme)")
    after = await exported(console_db, export_dir)
    people = by_name(after)
    assert set(people) == {"Sam Rivera", "Jane Smith", "Priya Patel"}
    kept = people["Jane Smith"]
    assert kept["id"] == smith
    assert (kept["company"], kept["stage"]) == ("Acme", 2)  # hers kept, the higher stage
    assert kept["notes"] == "met at PyCon · likes data"
    assert kept["referred_by_id"] == people["Sam Rivera"]["id"]
    assert people["Priya Patel"]["referred_by_id"] == smith
    for table in ("activities", "followups", "meetings"):
        moved = [r["contact_id"] for r in before[table] if r["contact_id"] == doe]
        assert moved, table
        assert [r["contact_id"] for r in after[table] if r["contact_id"] in (doe, smith)] == [
            smith
        ] * len(moved), table
        assert len(after[table]) == len(before[table])
    card = await ok(console_db, ANN, "contact Jane Smith")
    assert "History\n  yesterday · " in card and "Coming up\n  #1 Fri 15:00" in card


async def test_merge_asks_which_and_refuses_one_into_itself(
    console_db: ConsoleBackend, export_dir: Path
) -> None:
    await ok(console_db, ANN, "contact add Jane Doe")
    await ok(console_db, ANN, "contact add Jane Smith")
    asked = await console_db.reply(ANN, "contact merge Jane into Jane Smith")
    assert "Which Jane did you mean?" in console_db.render(asked)
    assert [a.command for a in asked.actions] == [
        "contact merge #1 into Jane Smith",
        "contact merge #2 into Jane Smith",
    ]
    itself = await err(console_db, ANN, "contact merge Jane Smith into jane smith")
    assert "Both names lead to Jane Smith" in itself
    assert example_of(itself) == "contact merge Jane Doe into Jane Smith"
    assert example_of(await err(console_db, ANN, "contact merge Jane Doe")) == (
        "contact merge Jane Doe into Jane Smith"
    )
    assert len((await exported(console_db, export_dir))["contacts"]) == 2
    await ok(console_db, ANN, "contact merge #1 into Jane Smith")
    assert [c["name"] for c in (await exported(console_db, export_dir))["contacts"]] == [
        "Jane Smith"
    ]
