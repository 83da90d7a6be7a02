"""Every command that takes a person asks which one when the name fits two people.

The test walks the registry, so a command added later is checked too: with Jane Doe
and Jane Smith each owed a follow-up (and each with a conversation coming up), a
command naming "Jane" must ask, change nothing, and offer a button per Jane that acts
on that Jane alone.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from typing import Any

import pytest

from bot.commands import REGISTRY, Arg, ArgType, ArgValue, CommandSpec, Invocation
from bot.domain import FollowUpKind
from tests.unit.harness import Chat

JANES = ("Jane Doe", "Jane Smith")
# Values for the other required arguments, by type: ones every command accepts.
# Another person named is Sam, a contact of one name; someone new is Priya.
FILL: dict[ArgType, ArgValue] = {
    ArgType.PERSON: "Sam",
    ArgType.COMPANY: "Initech",
    ArgType.WHEN: "tomorrow 3pm",
    ArgType.TEXT: "x",
}
# Commands known to take a person: the walk must find at least these.
KNOWN = {"log", "lead", "followup", "schedule", "contact", "contact stage", "contact add"}
KNOWN |= {"done", "snooze", "drop"}


def names_someone(arg: Arg) -> bool:
    """A person argument, or a target that can be a person (`done Jane`)."""
    return arg.type is ArgType.PERSON or (arg.name == "target" and "person" in arg.help.lower())


def new_name(spec: CommandSpec, arg: Arg) -> bool:
    """The name of someone being added, not a reference to someone known."""
    return spec.name == "contact add" and arg.name == "name"


def cases() -> list[tuple[str, str]]:
    return [
        (spec.name, arg.name)
        for spec in REGISTRY.values()
        for arg in spec.args
        if names_someone(arg) and not new_name(spec, arg)
    ]


def invocations(spec: CommandSpec, person_arg: str) -> list[Invocation]:
    """The command naming "Jane" in `person_arg`, once per combination of its choices."""
    base: dict[str, ArgValue] = {}
    choice_args = [a for a in spec.args if a.choices and a.name != person_arg]
    for a in spec.args:
        if a.name == person_arg or a.choices or not (a.required or a.type is ArgType.PERSON):
            continue  # the other people are named too: `lead Jane via Sam`
        base[a.name] = "Priya" if new_name(spec, a) else FILL.get(a.type, "x")
    options = [(*a.choices, *(() if a.required else (None,))) for a in choice_args]
    out = []
    for combo in itertools.product(*options):
        args = dict(base)
        for a, value in zip(choice_args, combo, strict=True):
            if value is not None:
                args[a.name] = int(value) if a.type is ArgType.NUMBER else value
        args[person_arg] = "Jane"
        out.append(Invocation(spec.name, args))
    return out


async def two_janes() -> Chat:
    chat = Chat()
    await chat.ok("met Jane Doe @Acme yesterday")  # a thank-you and a check-back each
    await chat.ok("met Jane Smith @Globex yesterday")
    await chat.ok("schedule Jane Doe @Acme fri 3pm")
    await chat.ok("schedule Jane Smith @Globex mon 3pm")
    await chat.ok("contact add Sam")
    return chat


def state(chat: Chat) -> dict[str, Any]:
    return copy.deepcopy(chat.store.snapshot())


def touched(before: dict[str, Any], after: dict[str, Any], contact_id: int) -> list[str]:
    """What changed that is about that contact: its row, or rows that name it."""
    changes = []
    if before["contacts"].get(contact_id) != after["contacts"].get(contact_id):
        changes.append("contact")
    for table in ("activities", "followups", "meetings", "contacts"):
        for key, row in after[table].items():
            about = getattr(row, "contact_id", None) == contact_id
            about |= getattr(row, "referred_by_id", None) == contact_id
            if about and before[table].get(key) != row:
                changes.append(f"{table} {key}")
    return changes


def test_the_walk_finds_every_command_that_names_a_person() -> None:
    found = {name for name, _ in cases()}
    assert found >= KNOWN, KNOWN - found


@pytest.mark.parametrize(("name", "person_arg"), cases())
async def test_an_ambiguous_name_asks_and_each_button_acts_on_that_person(
    name: str, person_arg: str
) -> None:
    spec = REGISTRY[name]
    asked = 0
    for invocation in invocations(spec, person_arg):
        chat = await two_janes()
        ids = [chat.contact(n).id for n in JANES]
        before = state(chat)
        reply = await chat.invoke(invocation)
        after = state(chat)
        for contact_id in ids:  # never a silent pick
            assert touched(before, after, contact_id) == [], (invocation, reply.text())
        if before != after or len(reply.actions) < 2:
            # Not a question: a kind that takes no person (`log offer Jane` is about an
            # organisation), or a refusal. Either way it showed neither Jane as the one.
            said = dataclasses.replace(reply, next_step=None, actions=()).text()  # not `Try:`
            assert len({n for n in JANES if n in said}) != 1, (invocation, reply.text())
            continue
        asked += 1
        assert "Jane Doe" in reply.text() and "Jane Smith" in reply.text(), reply.text()
        acted_on = set()
        for action in reply.actions:
            fresh = await two_janes()
            before = state(fresh)
            answer = await fresh.say(action.command)
            assert not answer.is_error, f"{action.command!r}:\n{answer.text()}"
            named = {n for n in JANES if n in answer.text()}
            assert len(named) == 1, f"{action.command!r}:\n{answer.text()}"
            (jane,) = named
            other = ids[1 - JANES.index(jane)]
            assert touched(before, state(fresh), other) == [], action.command
            acted_on.add(jane)
        assert acted_on == set(JANES), [a.command for a in reply.actions]
    assert asked, f"`{name}` never asked which Jane was meant in `{person_arg}`"


@pytest.mark.parametrize("verb", ["done", "snooze", "drop"])
async def test_several_follow_ups_owed_to_one_person_is_not_ambiguous(verb: str) -> None:
    chat = await two_janes()
    doe = chat.contact("Jane Doe")
    before = {f.id: (f.status, f.due_at) for f in chat.followups()}
    reply = await chat.ok(f"{verb} Jane Doe")
    assert "Jane Doe" in reply.text() and "Jane Smith" not in reply.text()
    changed = [f for f in chat.followups() if (f.status, f.due_at) != before[f.id]]
    # Of her thank-you and check-back, the one due first.
    assert [(f.contact_id, f.kind) for f in changed] == [(doe.id, FollowUpKind.THANKYOU)]
