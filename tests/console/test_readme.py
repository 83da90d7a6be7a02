"""The README's examples, typed as written: the first conversation replies as shown, and
every command in "What you can say" works."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.console.backend import ConsoleBackend
from tests.console.helpers import ok

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def first_conversation() -> list[tuple[str, list[str]]]:
    """(what Ann types, the lines shown after it) from the README's transcript."""
    block = _section("A first conversation").split("```")[1]
    turns: list[tuple[str, list[str]]] = []
    for raw in block.splitlines():
        if raw.startswith("Ann> "):
            turns.append((raw.removeprefix("Ann> "), []))
        elif turns and raw.strip():
            turns[-1][1].append(raw)
    return turns


async def test_the_first_conversation_replies_as_the_readme_shows(console: ConsoleBackend) -> None:
    """Each reply, whole and in order, as the README prints it (at the fixture's Monday
    09:00, the clock the README names)."""
    turns = first_conversation()
    assert len(turns) >= 5
    for text, shown in turns:
        answer = await console.reply("Ann", text)
        assert not answer.is_error, answer.text()
        assert console.render(answer).splitlines() == shown, text


# Commands the table shows with placeholders, alternatives or as an argument-less family.
_SHOWN_AS_PATTERN = re.compile(r"[\[\]<>|]|\\|\.\.\.")
SETUP = (
    # Follow-up #1 is Priya's lead (the table's `coffee with Priya` acts on it); #2 and
    # #3, Jane's thank-you and check-back, are what `done 3`, `snooze 3`, `drop 3` find.
    "contact add Sam @Globex",
    "lead Priya @Initech via Sam",
    "met Jane Doe @Acme yesterday",
    "contact add Jan",  # the slip the README's merge example mends
)


def what_you_can_say() -> list[str]:
    table = "\n".join(r for r in _section("What you can say").splitlines() if r.startswith("|"))
    examples = re.findall(r"`([^`]+)`", table)
    return [e for e in examples if not _SHOWN_AS_PATTERN.search(e)]


async def test_every_example_in_what_you_can_say_works(console: ConsoleBackend) -> None:
    examples = what_you_can_say()
    assert len(examples) >= 30
    for text in SETUP:
        await ok(console, "Ann", text)
    await ok(console, "Ann", "group setup", group="club")
    for text in examples:
        in_group = text.split()[0] in ("group", "leaderboard")
        if text in ("group setup", "forget me"):
            continue  # done above; and a question that waits for `yes`
        # Group commands from a member (Bo); the admin's own from Ann, who set it up.
        admin = text.split()[:2] in (["group"], ["group", "report"], ["group", "post"],
                                     ["group", "timezone"], ["group", "admin"], ["group", "admins"])
        who = "Ann" if not in_group or admin else "Bo"
        await ok(console, who, text, group="club" if in_group else None)
        if text == "done 3":
            await ok(console, "Ann", "undo")  # the table's next examples act on #3 too
        if text == "group leave":
            await ok(console, "Bo", "group join", group="club")
