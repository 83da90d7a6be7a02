"""The member's data and the manual through the console: `export`, `forget me`, `yes`, `no`,
`help`, `help <command>`; and every command's own example, copied from its help."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console.backend import ConsoleBackend
from bot.commands import REGISTRY
from bot.parser import parse_text
from tests.console.helpers import err, ok
from tests.fakes import FakeClock

CSV_FILES = ("contacts.csv", "activities.csv", "followups.csv", "opportunities.csv")


# --- export -----------------------------------------------------------------------------


async def test_export_writes_json_and_csv(console: ConsoleBackend, export_dir: Path) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday -- =SUM(A1) coffee")
    await ok(console, "ann", "opportunity add Initech as analyst")
    await ok(console, "bob", "met Bob's Friend @Globex")  # someone else's data

    reply = await console.reply("ann", "export")
    text = console.render(reply)
    assert text.splitlines()[0] == "Here's everything: 1 contact, 1 logged step."
    names = {f.name for f in reply.files}
    assert names == {"nextinterview.json", *CSV_FILES}
    for name in names:
        assert f"wrote {export_dir / name}" in text

    data = json.loads((export_dir / "nextinterview.json").read_text())
    assert data["member"]["display_name"] == "ann"
    assert [(c["name"], c["company"]) for c in data["contacts"]] == [("Jane Doe", "Acme")]
    assert [a["kind"] for a in data["activities"]] == ["meeting"]
    assert data["activities"][0]["occurred_at"] == "2025-01-05T12:00:00+00:00"
    assert sorted(f["kind"] for f in data["followups"]) == ["checkback", "thankyou"]
    # The conversation at Acme put it in the works; Initech was added by hand.
    assert [o["organisation"] for o in data["opportunities"]] == ["Acme", "Initech"]
    assert data["identities"] == [{"platform": "console", "tenant": "local", "user_id": "ann"}]
    assert "Globex" not in json.dumps(data)

    contacts = list(csv.DictReader(io.StringIO((export_dir / "contacts.csv").read_text())))
    assert [(c["name"], c["company"], c["stage"]) for c in contacts] == [("Jane Doe", "Acme", "1")]
    activities = list(csv.DictReader(io.StringIO((export_dir / "activities.csv").read_text())))
    # A note that looks like a spreadsheet formula is defused.
    assert activities[0]["note"] == "'=SUM(A1) coffee"
    for name in CSV_FILES:
        header = (export_dir / name).read_text().splitlines()[0]
        assert "id" in header.split(",") and "member_id" in header.split(",")


async def test_export_of_a_new_member_still_has_csv_headers(
    console: ConsoleBackend, export_dir: Path
) -> None:
    assert "Here's everything: 0 contacts, 0 logged steps." in await ok(console, "ann", "export")
    data = json.loads((export_dir / "nextinterview.json").read_text())
    assert data["contacts"] == [] and data["activities"] == []
    for name in CSV_FILES:
        lines = (export_dir / name).read_text().splitlines()
        assert len(lines) == 1 and "id" in lines[0].split(","), name


# --- forget me --------------------------------------------------------------------------


async def test_forget_me_then_yes_deletes_everything(
    console: ConsoleBackend, export_dir: Path
) -> None:
    await ok(console, "ann", "group setup", "club")
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "opportunity add Initech")
    await ok(console, "ann", "settings goal 9")
    await ok(console, "bob", "met Sam today")

    asked = await console.reply("ann", "forget me")
    assert console.render(asked).splitlines()[:2] == [
        "This deletes everything I hold about you — contacts, log, follow-ups, groups. "
        "It can't be undone.",
        "Answer `yes` to delete, or `no` to keep it all. "
        "Want a copy first? `export`, then `forget me` again.",
    ]
    assert [a.command for a in asked.actions] == ["yes", "no"]
    done = await ok(console, "ann", "yes")
    assert done.splitlines()[0] == "Done — everything about you is deleted."

    assert "No contacts yet." in await ok(console, "ann", "contacts")
    assert "You owe no follow-ups" in await ok(console, "ann", "followups")
    assert "You have 0 things in the works" in await ok(console, "ann", "pipeline")
    assert "Weekly goal: 5 conversations" in await ok(console, "ann", "settings")
    assert "This month: 0 conversations" in await ok(console, "ann", "stats month")
    assert "Here's everything: 0 contacts, 0 logged steps." in await ok(console, "ann", "export")
    assert json.loads((export_dir / "nextinterview.json").read_text())["groups"] == []
    # A second yes has nothing to confirm; Bob is untouched.
    assert "There's nothing to confirm" in await ok(console, "ann", "yes")
    assert "Sam" in await ok(console, "bob", "contacts")


async def test_forget_me_then_no_keeps_everything(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "forget me")
    assert (await ok(console, "ann", "no")).splitlines()[0] == "Kept everything."
    assert "There's nothing to confirm" in await ok(console, "ann", "yes")
    assert "Jane Doe (Acme)" in await ok(console, "ann", "contacts")
    assert "There's nothing to confirm" in await ok(console, "ann", "no")


async def test_a_late_yes_deletes_nothing(console: ConsoleBackend, clock: FakeClock) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "forget me")
    clock.advance(timedelta(minutes=30))
    assert "There's nothing to confirm" in await ok(console, "ann", "yes")
    assert "Jane Doe (Acme)" in await ok(console, "ann", "contacts")


async def test_yes_is_personal(console: ConsoleBackend) -> None:
    await ok(console, "ann", "met Jane Doe from Acme yesterday")
    await ok(console, "ann", "forget me")
    assert "There's nothing to confirm" in await ok(console, "bob", "yes")
    await ok(console, "ann", "y")  # the short form; Bob's yes neither took nor lapsed it
    assert "No contacts yet." in await ok(console, "ann", "contacts")


# --- help -------------------------------------------------------------------------------


async def test_help_lists_every_command(console: ConsoleBackend) -> None:
    text = await ok(console, "ann", "help")
    assert text.splitlines()[0] == "What I can do"
    for heading in ("Log", "People", "Follow-ups", "Progress", "Group", "Settings", "Data"):
        assert f"\n{heading}\n" in text
    for spec in REGISTRY.values():
        listed = f"`{spec.usage}` — {spec.summary}" in text
        assert listed is not spec.hidden, spec.name  # `chat` is reached by saying hi
    assert text == await ok(console, "ann", "?")


@pytest.mark.parametrize("name", sorted(n for n, s in REGISTRY.items() if not s.hidden))
async def test_help_for_each_command(console: ConsoleBackend, name: str) -> None:
    spec = REGISTRY[name]
    text = await ok(console, "ann", f"help {name}")
    assert f"`{spec.usage}` — {spec.summary}" in text
    # `help contact` covers the family (contact add, contact, contact stage): one example.
    family = [s for n, s in REGISTRY.items() if n == name or n.split()[0] == name]
    assert any(text.endswith(f"Try: `{s.example}`") for s in family), text


async def test_help_for_a_family_and_an_unknown_topic(console: ConsoleBackend) -> None:
    text = await ok(console, "ann", "help log")
    assert "Short forms work too: `met Jane from Acme`" in text
    group = await ok(console, "ann", "help group")
    assert "`group setup [name]`" in group and "`group report`" in group
    assert "I don't know `teleport`." in await err(console, "ann", "help teleport")


@pytest.mark.parametrize(
    ("text", "says", "example"),
    [
        ("", "Tell me what you did or what you need.", "next"),
        ("   ", "Tell me what you did or what you need.", "next"),
        ("strek", "I don't know `strek` — did you mean `streak`?", "streak"),
        ("blargh", "I don't know `blargh`. `help` lists what I can do.", "help"),
    ],
)
async def test_unknown_or_empty_input(
    console: ConsoleBackend, text: str, says: str, example: str
) -> None:
    error = await err(console, "ann", text)
    assert error.splitlines() == [says, f"Try: `{example}`"]


# --- every command's example works when copied from `help <command>` --------------------

# What must exist before a command's example makes sense (in the order typed).
SETUP: dict[str, list[tuple[str, str | None]]] = {
    "log": [],
    "lead": [],
    "followup": [("met Jane Doe @Acme yesterday", None)],
    "contacts": [("contact add Jane Doe @Acme", None)],
    "contact add": [("contact add Sam Rivera", None)],
    "contact": [("contact add Jane Doe @Acme", None)],
    "contact stage": [("contact add Jane Doe @Acme", None)],
    "contact merge": [("contact add Jane Doe", None), ("contact add Jane Smith @Acme", None)],
    "followups": [("met Jane Doe @Acme yesterday", None)],
    "done": [("met Jane Doe @Acme yesterday", None), ("lead Priya @Initech via Sam", None)],
    "snooze": [("met Jane Doe @Acme yesterday", None), ("lead Priya @Initech via Sam", None)],
    "drop": [("met Jane Doe @Acme yesterday", None), ("lead Priya @Initech via Sam", None)],
    "pipeline": [("applied to Acme", None)],
    "opportunity add": [],
    "opportunity": [("opportunity add Acme", None)],
    "schedule": [],
    "meetings": [("schedule Jane Doe @Acme thu 3pm", None)],
    "cancel": [("schedule Jane Doe @Acme thu 3pm", None)],
    "move": [("schedule Jane Doe @Acme thu 3pm", None)],
    "next": [],
    "streak": [],
    "stats": [],
    "group setup": [],
    "group join": [("group setup", "club")],
    "group leave": [("group setup", "club")],
    "group optout": [("group setup", "club")],
    "group optin": [("group setup", "club")],
    "leaderboard": [("group setup", "club")],
    "group report": [("group setup", "club")],
    "group": [("group setup", "club")],
    "group post": [("group setup", "club")],
    "group timezone": [("group setup", "club")],
    "group admin": [("group setup", "club")],
    "group admins": [("group setup", "club")],
    "settings": [],
    "settings timezone": [],
    "settings checkin": [],
    "settings days": [],
    "settings quiet": [],
    "settings goal": [],
    "settings nudges": [],
    "link": [],
    "unlink": [],
    "nudges": [],
    "pause": [],
    "resume": [("pause 3", None)],
    "landed": [],
    "export": [],
    "forget me": [],
    "undo": [("met Jane Doe @Acme yesterday", None)],
    "instead": [("met Jane Doe @Acme yesterday", None)],  # activity 1, the example's
    "yes": [("forget me", None)],
    "no": [("forget me", None)],
    "help": [],
    "chat": [("met Jane Doe @Acme yesterday", None)],
}


# Someone else who must have spoken first: (user, text, group).
OTHERS: dict[str, list[tuple[str, str, str | None]]] = {
    "group admin": [("Bob Stone", "group join", "club")],
}


def test_every_command_has_an_example_scenario() -> None:
    assert set(SETUP) == set(REGISTRY)


@pytest.mark.parametrize("name", sorted(REGISTRY))
async def test_each_commands_example_works(console: ConsoleBackend, name: str) -> None:
    spec = REGISTRY[name]
    assert parse_text(spec.example).name == name
    for text, group in SETUP[name]:
        await ok(console, "ann", text, group)
    for user, text, group in OTHERS.get(name, []):
        await ok(console, user, text, group)
    group = "club" if spec.category == "group" else None
    user = "bob" if name == "group join" else "ann"
    reply = await ok(console, user, spec.example, group)
    assert reply.strip()
