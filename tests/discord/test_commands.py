"""The slash-command tree against the registry, the option -> Invocation mapping (also through
discord.py's own dispatch), the tree's signature, and autocomplete within Discord's rules."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
import pytest_asyncio
from discord import app_commands

from adapters.discord import autocomplete as ac
from adapters.discord.autocomplete import Suggestions
from adapters.discord.commands import (
    EXTRA_AUTOCOMPLETE,
    LEFT_OUT,
    RENAMED,
    SETTINGS_OPTIONS,
    Entry,
    add_commands,
    clip,
    entries,
    tree_signature,
)
from adapters.discord.views import FormModal
from bot.commands import REGISTRY, Arg, ArgType, CommandSpec, Invocation
from tests.discord import fake_checks, payloads
from tests.discord.test_views import FakeInteraction, RecordingRunner, offline_client

ISSUE_TOP_LEVEL = {  # issue 10's list
    "log", "lead", "followup", "schedule", "next", "followups", "done", "snooze", "drop",
    "contacts", "contact", "opportunity", "pipeline", "streak", "stats", "leaderboard",
    "settings", "nudges", "pause", "resume", "landed", "group", "export", "forget", "help",
}
INTEGER = discord.AppCommandOptionType.integer.value
STRING = discord.AppCommandOptionType.string.value
FOLDED = {command for command, _ in SETTINGS_OPTIONS.values()}


class Nobody:
    async def suggest(self, kind: str, user: Any, current: str) -> list[Any]:
        return []

    def invalidate(self, user_id: int) -> None:
        pass


def _tree(client: discord.Client, runner: Any = None, registry: Any = REGISTRY) -> Any:
    tree = app_commands.CommandTree(client)
    add_commands(tree, runner or RecordingRunner(), Nobody(), registry)
    return tree


@pytest_asyncio.fixture
async def client() -> AsyncIterator[discord.Client]:
    bot = await offline_client()
    try:
        yield bot
    finally:
        await bot.close()


def _leaves(tree: Any) -> dict[str, app_commands.Command[Any, ..., Any]]:
    """Discord path ("contact add") -> command."""
    commands = tree.walk_commands()
    return {c.qualified_name: c for c in commands if isinstance(c, app_commands.Command)}


def _visible() -> set[str]:
    return {n for n, s in REGISTRY.items() if not s.hidden and n not in LEFT_OUT}


# -- the tree against the registry -------------------------------------------------------------
async def test_every_visible_command_is_reachable(client: discord.Client) -> None:
    tree = _tree(client)
    leaves = _leaves(tree)
    reached = {c.extras["registry"] for c in leaves.values()}
    assert reached == _visible() - FOLDED
    settings = {p.display_name for p in leaves["settings"].parameters}
    assert settings == set(SETTINGS_OPTIONS)  # the `settings X` commands, as options
    top = {c.name for c in tree.get_commands()}
    assert top >= ISSUE_TOP_LEVEL
    assert {"meetings", "cancel", "move", "undo"} <= top
    assert not top & {"yes", "no", "chat", "instead"}
    assert set(leaves) - {"settings"} == {
        " ".join(RENAMED.get(c.extras["registry"], c.extras["registry"].split()))
        for c in leaves.values()
        if c.extras["registry"] != "settings"
    }


async def test_the_exceptions_table_is_applied(client: discord.Client) -> None:
    tree = _tree(client)
    leaves = _leaves(tree)
    assert leaves["contact show"].extras["registry"] == "contact"
    assert leaves["opportunity move"].extras["registry"] == "opportunity"
    assert leaves["forget"].extras["registry"] == "forget me"
    group = tree.get_command("group")
    assert isinstance(group, app_commands.Group)
    assert sorted(c.name for c in group.commands) == sorted(
        ["setup", "join", "leave", "optout", "optin", "report", "post", "timezone", "admin",
         "admins"]
    )
    assert sorted(c.name for c in tree.get_command("contact").commands) == [
        "add", "merge", "show", "stage"
    ]
    assert sorted(c.name for c in tree.get_command("opportunity").commands) == ["add", "move"]
    settings = tree.get_command("settings")
    assert isinstance(settings, app_commands.Command)  # one command, no subcommands
    options = {o["name"]: o for o in settings.to_dict(tree)["options"]}
    assert list(options) == ["timezone", "checkin", "days", "quiet", "goal", "nudges"]
    assert [c["value"] for c in options["nudges"]["choices"]] == ["slack", "discord", "auto"]
    assert not any(o["required"] for o in options.values())
    assert options["goal"]["type"] == discord.AppCommandOptionType.integer.value
    assert options["timezone"]["autocomplete"] is True
    help_topic = leaves["help"].to_dict(tree)["options"][0]
    assert help_topic["name"] == "topic" and help_topic["autocomplete"] is True


async def test_options_are_the_registry_arguments(client: discord.Client) -> None:
    tree = _tree(client)
    for path, cmd in _leaves(tree).items():
        spec = REGISTRY[cmd.extras["registry"]]
        if spec.name == "settings":
            continue
        options = {o["name"]: o for o in cmd.to_dict(tree)["options"]}
        assert list(options) == sorted(
            (a.name for a in spec.args), key=lambda n: not options[n]["required"]
        ), path  # required first, else in the registry's order
        assert cmd.description == clip(spec.summary, 100) and len(cmd.description) <= 100
        for arg in spec.args:
            o = options[arg.name]
            assert o["description"] == clip(arg.help, 100) and len(o["description"]) <= 100
            assert o["required"] is (arg.required and not spec.in_form), (path, arg.name)
            numeric = arg.type is ArgType.NUMBER
            want = INTEGER if numeric else STRING
            assert o["type"] == want, (path, arg.name)
            values = [c["value"] for c in o.get("choices", [])]
            assert values == [int(c) if numeric else c for c in arg.choices], (path, arg.name)
            suggested = arg.autocomplete or EXTRA_AUTOCOMPLETE.get((spec.name, arg.name))
            assert o.get("autocomplete", False) is (suggested is not None and not arg.choices)


async def test_the_tree_is_what_discord_accepts(client: discord.Client) -> None:
    tree = _tree(client)
    body = [c.to_dict(tree) for c in tree.get_commands()]
    assert fake_checks.check_commands(body, "sync") == ([], False)
    for command in body:
        assert command["contexts"] == [0, 1, 2]  # guild, bot DM, private channel
        assert command["integration_types"] == [0, 1]  # guild install, user install
        assert len(command["description"]) <= 100
    kinds = next(o for o in next(c for c in body if c["name"] == "log")["options"]
                 if o["name"] == "kind")
    shown = {c["value"]: c["name"] for c in kinds["choices"]}
    assert shown["thankyou"] == "Thank-you" and shown["followup"] == "Follow-up"


def test_a_new_command_appears_without_touching_the_adapter() -> None:
    async def handler(invocation: Invocation, ctx: Any) -> Any:
        raise AssertionError("not run")

    def spec(name: str, *args: Arg) -> CommandSpec:
        return CommandSpec(name, handler, args, "Say hi.", "", name, name, "data")

    registry = {**REGISTRY, "wave": spec("wave", Arg("to", ArgType.PERSON, "Who",
                                                     autocomplete="contacts")),
                "contact poke": spec("contact poke")}
    found = {e.path: e for e in entries(registry)}
    assert found[("wave",)].options[0].autocomplete == "contacts"
    assert ("contact", "poke") in found
    with pytest.raises(ValueError, match="RENAMED"):  # a family and a command of one name
        entries({**registry, "streak freeze": spec("streak freeze")})


# -- options -> Invocation ---------------------------------------------------------------------
def _entry(name: str, registry: Any = REGISTRY) -> Entry:
    return next(e for e in entries(registry) if e.spec.name == name)


def test_given_options_become_the_invocation() -> None:
    log = _entry("log")
    assert log.invocation({"kind": "meeting", "person": "Jane", "note": None}) == Invocation(
        "log", {"kind": "meeting", "person": "Jane"}
    )
    assert _entry("contact stage").invocation({"name": "Jane", "stage": 2}) == Invocation(
        "contact stage", {"name": "Jane", "stage": 2}
    )
    settings = _entry("settings")
    assert settings.invocation({"timezone": "Europe/London", "goal": 4}) == Invocation(
        "settings", {"timezone": "Europe/London", "goal": 4}
    )
    assert settings.invocation({}) == Invocation("settings", {})


def test_settings_options_borrow_the_settings_x_commands_until_the_core_takes_them() -> None:
    bare = dataclasses.replace(REGISTRY["settings"], args=())
    entry = _entry("settings", {**REGISTRY, "settings": bare})
    assert [o.name for o in entry.options] == list(SETTINGS_OPTIONS)
    goal = next(o for o in entry.options if o.name == "goal")
    assert (goal.command, goal.arg, goal.required) == ("settings goal", "n", False)
    assert entry.invocation({"timezone": "Asia/Tokyo"}) == Invocation(
        "settings timezone", {"zone": "Asia/Tokyo"}
    )
    assert entry.invocation({"goal": 3}) == Invocation("settings goal", {"n": 3})
    assert entry.invocation({"goal": 3, "quiet": "off"}) == Invocation(
        "settings", {"goal": 3, "quiet": "off"}
    )


async def test_slash_commands_reach_the_runner_through_discord_py(client: discord.Client) -> None:
    runner = RecordingRunner()
    _tree(client, runner)
    cases = [
        (payloads.slash("log", {"kind": "interview", "person": "Priya", "when": "tue"}),
         Invocation("log", {"kind": "interview", "person": "Priya", "when": "tue"})),
        (payloads.slash("contact", {"name": "Jane", "stage": 3}, subcommand="stage"),
         Invocation("contact stage", {"name": "Jane", "stage": 3})),
        (payloads.slash("contact", {"name": "Jane"}, subcommand="show", guild_id=None),
         Invocation("contact", {"name": "Jane"})),
        (payloads.slash("forget", guild_id=None), Invocation("forget me", {})),
        (payloads.slash("settings", {"quiet": "off", "goal": 4}),
         Invocation("settings", {"quiet": "off", "goal": 4})),
        (payloads.slash("group", {"day": "fri", "time": "16:00"}, subcommand="post"),
         Invocation("group post", {"day": "fri", "time": "16:00"})),
    ]
    for payload, expected in cases:
        client._connection.parse_interaction_create(payload)
        await runner.called()
        assert runner.invocations[-1] == expected
        assert isinstance(runner.interactions[-1], discord.Interaction)


async def test_log_with_no_options_opens_the_modal(client: discord.Client) -> None:
    runner = RecordingRunner()
    tree = _tree(client, runner)
    log = _leaves(tree)["log"]
    interaction = FakeInteraction(client, id=555)
    await log.callback(interaction, **{p.name: None for p in log.parameters})
    (modal,) = interaction.response.modals
    assert isinstance(modal, FormModal) and modal.custom_id == "ni:modal:log:555"
    assert runner.invocations == []
    given = FakeInteraction(client)
    await log.callback(given, **{p.name: ("meeting" if p.display_name == "kind" else None)
                                 for p in log.parameters})
    assert runner.invocations == [Invocation("log", {"kind": "meeting"})]
    assert given.response.modals == []


# -- the signature -----------------------------------------------------------------------------
async def test_the_tree_signature_is_stable_and_follows_changes() -> None:
    first, second, third = (discord.Client(intents=discord.Intents(guilds=True)) for _ in "123")
    tree = _tree(first)
    again = _tree(second)
    assert tree_signature(tree) == tree_signature(again) and len(tree_signature(tree)) == 64
    shuffled = app_commands.CommandTree(third)
    for c in reversed(tree.get_commands()):  # the order commands were added in is no change
        shuffled.add_command(c)
    assert tree_signature(shuffled) == tree_signature(tree)
    changed = dataclasses.replace(REGISTRY["streak"], summary="Your streak, said otherwise.")
    fourth = discord.Client(intents=discord.Intents(guilds=True))
    assert tree_signature(_tree(fourth, registry={**REGISTRY, "streak": changed})) != (
        tree_signature(tree)
    )
    for bot in (first, second, third, fourth):
        await bot.close()


# -- autocomplete ------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Loader:
    def __init__(self, names: list[str], companies: list[str] | None = None) -> None:
        self.names, self.companies = names, companies or []
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.fail = False

    async def __call__(self, user: Any) -> tuple[list[str], list[str]]:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("database down")
        return list(self.names), list(self.companies)


ADA = discord.Object(id=1)
BOB = discord.Object(id=2)


def _within_limits(choices: list[app_commands.Choice[str]]) -> None:
    data = {"choices": [c.to_dict() for c in choices]}
    assert fake_checks.check_choices(data, "autocomplete") == ([], False)


async def test_contacts_answer_at_most_25_choices_within_limits() -> None:
    names = [f"Jane {i}" for i in range(60)] + ["J" * 150, "Priya Raman", "jane 3"]
    suggest = Suggestions(Loader(names, ["Acme", "Globex", "Initech"]), clock=Clock())
    found = await suggest.suggest("contacts", ADA, "")
    _within_limits(found)
    assert len(found) == 25 and all(len(c.value) <= 100 for c in found)
    raman = await suggest.suggest("contacts", ADA, "ram")
    assert [c.value for c in raman] == ["Priya Raman"]
    jane3 = await suggest.suggest("contacts", ADA, "JANE 3")
    assert [c.value for c in jane3][:2] == ["Jane 3", "Jane 30"]  # "jane 3" is the same name
    assert "jane 3" not in [c.value for c in jane3]
    glob = await suggest.suggest("companies", ADA, "glo")
    assert [c.value for c in glob] == ["Globex"]


async def test_timezones_match_prefixes_and_parts_case_insensitively() -> None:
    suggest = Suggestions(Loader([]))
    new_york = await suggest.suggest("timezones", ADA, "new y")
    assert new_york[0].value == "America/New_York"
    london = await suggest.suggest("timezones", ADA, "LONDON")
    assert london[0].value == "Europe/London"
    europe = await suggest.suggest("timezones", ADA, "europe/")
    _within_limits(europe)
    assert len(europe) == 25 and all(c.value.startswith("Europe/") for c in europe)
    assert [c.value for c in await suggest.suggest("timezones", ADA, "")][:2] == [
        "UTC", "Europe/London"
    ]
    assert await suggest.suggest("timezones", ADA, "zzzz") == []


async def test_help_topics_are_command_names() -> None:
    suggest = Suggestions(Loader([]))
    found = [c.value for c in await suggest.suggest("commands", ADA, "cont")]
    assert found == [n for n in REGISTRY if n.startswith("cont")]  # registry order
    assert "contact add" in found
    assert "chat" not in [c.value for c in await suggest.suggest("commands", ADA, "cha")]
    assert ac.command_names() == tuple(n for n, s in REGISTRY.items() if not s.hidden)


async def test_the_cache_lives_its_ttl_and_a_command_invalidates_it() -> None:
    clock, loader = Clock(), Loader(["Jane Doe"])
    suggest = Suggestions(loader, clock=clock, ttl_s=60)
    for _ in range(3):
        assert [c.value for c in await suggest.suggest("contacts", ADA, "ja")] == ["Jane Doe"]
    assert loader.calls == 1  # every keystroke after the first from memory
    await suggest.suggest("contacts", BOB, "")
    assert loader.calls == 2  # per member
    clock.now += 61
    loader.names = ["Jane Doe", "Jane Roe"]
    assert len(await suggest.suggest("contacts", ADA, "ja")) == 2
    assert loader.calls == 3
    loader.names = ["Jane Doe", "Jane Roe", "Janet"]
    suggest.invalidate(ADA.id)  # ADA ran a command
    assert len(await suggest.suggest("contacts", ADA, "ja")) == 3
    assert loader.calls == 4 and suggest.cached(BOB.id) is False  # BOB's lived 61 s too


async def test_a_slow_loader_never_holds_the_answer() -> None:
    loader = Loader(["Jane Doe"])
    loader.gate = asyncio.Event()
    suggest = Suggestions(loader, clock=Clock(), budget_s=0)
    assert await suggest.suggest("contacts", ADA, "ja") == []
    assert await suggest.suggest("contacts", ADA, "jan") == []
    assert loader.calls == 1  # one load under way, not one per keystroke
    loader.gate.set()
    for _ in range(10):  # let the load finish (it was not cancelled)
        await asyncio.sleep(0)
    assert [c.value for c in await suggest.suggest("contacts", ADA, "jan")] == ["Jane Doe"]
    assert loader.calls == 1


async def test_an_invalidated_load_is_not_kept_and_a_failed_one_answers_nothing() -> None:
    loader = Loader(["Old Name"])
    loader.gate = asyncio.Event()
    suggest = Suggestions(loader, clock=Clock(), budget_s=0)
    await suggest.suggest("contacts", ADA, "")
    suggest.invalidate(ADA.id)  # a command ran while the load was under way
    loader.gate.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert not suggest.cached(ADA.id)
    loader.gate, loader.fail = None, True
    quick = Suggestions(loader, clock=Clock())
    assert await quick.suggest("contacts", ADA, "o") == []
    assert await quick.suggest("unknown", ADA, "o") == []
