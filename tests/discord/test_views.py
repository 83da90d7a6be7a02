"""Buttons that survive restarts and the Log a conversation modal, offline: discord.py's own
objects, a client that never connects, and small hand-written stand-ins for an interaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
import pytest_asyncio

from adapters.discord import views
from adapters.discord.views import (
    FormButton,
    FormModal,
    RunButton,
    buttons,
    form_invocation,
    register,
    run_button,
)
from bot import messages as msg
from bot.commands import REGISTRY, Invocation
from bot.domain import ActivityKind
from bot.replies import Action, Form, FormField
from tests.discord import fake_checks, payloads
from tests.unit.harness import Chat


class FakeResponse:
    """The part of discord.InteractionResponse the adapter uses, recorded."""

    def __init__(self) -> None:
        self.messages: list[tuple[str | None, dict[str, Any]]] = []
        self.modals: list[discord.ui.Modal] = []
        self.done = False

    def is_done(self) -> bool:
        return self.done

    async def send_message(self, content: str | None = None, **kwargs: Any) -> None:
        assert not self.done, "an interaction is answered once"
        self.messages.append((content, kwargs))
        self.done = True

    async def send_modal(self, modal: discord.ui.Modal) -> None:
        assert not self.done, "a modal must be the first answer"
        self.modals.append(modal)
        self.done = True


class FakeFollowup:
    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []

    async def send(self, content: str, **kwargs: Any) -> None:
        self.messages.append((content, kwargs))


class FakeInteraction:
    def __init__(self, client: discord.Client | None = None, id: int = 1234567890123) -> None:
        self.client = client
        self.id = id
        self.user = discord.Object(id=42)
        self.response = FakeResponse()
        self.followup = FakeFollowup()


class RecordingRunner:
    """A Runner that records what it was asked to run (and with which interaction)."""

    def __init__(self, fail: bool = False) -> None:
        self.invocations: list[Invocation] = []
        self.texts: list[str] = []
        self.interactions: list[Any] = []
        self.fail = fail
        self._arrived = asyncio.Event()

    async def run(self, interaction: Any, invocation: Invocation) -> None:
        self._seen(interaction)
        self.invocations.append(invocation)

    async def run_text(self, interaction: Any, text: str) -> None:
        self._seen(interaction)
        self.texts.append(text)

    def _seen(self, interaction: Any) -> None:
        self.interactions.append(interaction)
        self._arrived.set()
        if self.fail:
            raise RuntimeError("the core is down")

    async def called(self) -> None:
        """Wait for discord.py's dispatch task to reach us."""
        await asyncio.wait_for(self._arrived.wait(), 5)
        self._arrived.clear()


async def offline_client() -> discord.Client:
    """A client as READY leaves it (its loop, its own user) that never connects: its
    state's parse_interaction_create dispatches a payload as the gateway's would."""
    client = discord.Client(intents=discord.Intents(guilds=True))
    await client._async_setup_hook()
    state = client._connection
    me = {**payloads.user(payloads.APPLICATION_ID, "testbot"), "bot": True}
    state.user = discord.ClientUser(state=state, data=me)
    return client


class _NoMentions:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, discord.AllowedMentions) and other.to_dict() == {"parse": []}


NO_MENTIONS = _NoMentions()


@pytest_asyncio.fixture
async def client() -> AsyncIterator[discord.Client]:
    bot = await offline_client()
    try:
        yield bot
    finally:
        await bot.close()


def _match(cls: type[discord.ui.DynamicItem[Any]], custom_id: str) -> Any:
    return cls.__discord_ui_compiled_template__.fullmatch(custom_id)


async def _press(cls: type[Any], custom_id: str, interaction: FakeInteraction) -> None:
    """What discord.py does with a press: match the template, rebuild, call back."""
    base = discord.ui.Button(label="Done", custom_id=custom_id)
    item = await cls.from_custom_id(interaction, base, _match(cls, custom_id))
    await item.callback(interaction)


# -- buttons -----------------------------------------------------------------------------------
async def test_a_button_carries_its_command_through_the_custom_id() -> None:
    for command in ("done 42", "snooze 3 next week", "log outreach #4", "contact Zoë: owner"):
        button = RunButton(command, "Go")
        assert button.custom_id == f"ni:run:{command}"
        match = _match(RunButton, button.custom_id)
        assert match is not None
        rebuilt = await RunButton.from_custom_id(FakeInteraction(), button.item, match)
        assert rebuilt.command == command and rebuilt.custom_id == button.custom_id
    assert _match(RunButton, "ni:form:log") is None and _match(FormButton, "ni:run:next") is None
    assert _match(FormButton, "ni:form:contact add") is not None


async def test_a_command_too_long_for_a_custom_id_is_dropped_not_cut() -> None:
    fits, too_long = "done " + "9" * 88, "done " + "9" * 89  # "ni:run:" + 93 = 100
    assert run_button(Action("Done", fits)) is not None
    assert run_button(Action("Done", too_long)) is None
    view = buttons((Action("A", too_long), Action("B", "next")))
    assert view is not None
    ids = [c["custom_id"] for row in view.to_components() for c in row["components"]]
    assert ids == ["ni:run:next"]


async def test_a_press_after_a_restart_runs_its_command(client: discord.Client) -> None:
    """A process that never sent the message: discord.py's dispatch finds our class."""
    runner = RecordingRunner()
    register(client, runner)
    press = payloads.component("ni:run:snooze 42 tomorrow", guild_id=None)
    client._connection.parse_interaction_create(press)
    await runner.called()
    assert runner.texts == ["snooze 42 tomorrow"]
    assert isinstance(runner.interactions[0], discord.Interaction)
    assert runner.interactions[0].user.id == payloads.USER_ID


async def test_a_failed_press_is_answered_privately(client: discord.Client) -> None:
    register(client, RecordingRunner(fail=True))
    interaction = FakeInteraction(client)
    await _press(RunButton, "ni:run:done 1", interaction)
    assert interaction.response.messages == [
        (msg.DISCORD_PRESS_FAILED, {"ephemeral": True, "allowed_mentions": NO_MENTIONS})
    ]
    later = FakeInteraction(client)  # the runner had answered (deferred) before it broke
    later.response.done = True
    await _press(RunButton, "ni:run:done 1", later)
    assert [m for m, _ in later.followup.messages] == [msg.DISCORD_PRESS_FAILED]
    assert later.followup.messages[0][1]["ephemeral"] is True


async def test_a_press_on_a_client_never_registered_is_still_answered(
    client: discord.Client,
) -> None:
    interaction = FakeInteraction(client)
    await _press(RunButton, "ni:run:next", interaction)
    assert [m for m, _ in interaction.response.messages] == [msg.DISCORD_PRESS_FAILED]


async def test_buttons_fill_five_rows_of_five_and_the_form_comes_last() -> None:
    actions = tuple(Action(f"B{i} @everyone", f"done {i}", primary=i == 0) for i in range(30))
    view = buttons(actions, REGISTRY["log"].form())
    assert view is not None
    rows = view.to_components()
    assert fake_checks.check_components(rows, "view") == []
    assert [len(r["components"]) for r in rows] == [5, 5, 5, 5, 5]
    flat = [c for r in rows for c in r["components"]]
    assert flat[-1]["custom_id"] == "ni:form:log" and flat[-1]["label"] == "Log a conversation"
    assert flat[0]["style"] == discord.ButtonStyle.primary.value
    assert flat[1]["style"] == discord.ButtonStyle.secondary.value
    assert all("@everyone" not in c["label"] for c in flat)  # broken with a zero-width space
    assert buttons(()) is None


async def test_a_sent_view_needs_no_tracking(client: discord.Client) -> None:
    """discord.py stores only unfinished views; ours are finished, all DynamicItems, and a
    press finds the registered class whatever became of the view that sent it."""
    view = buttons((Action("Next", "next"), Action("Done", "done 1")), REGISTRY["log"].form())
    assert view is not None and view.is_finished()
    assert all(isinstance(i, discord.ui.DynamicItem) for i in view.children)
    runner = RecordingRunner()
    register(client, runner)
    view.stop()
    await _press(RunButton, "ni:run:done 1", FakeInteraction(client))
    assert runner.texts == ["done 1"]


# -- the modal ---------------------------------------------------------------------------------
def _submission(modal: FormModal, values: dict[str, str | list[str]]) -> list[dict[str, Any]]:
    """A modal submit's components as Discord sends them: labels, each holding one input."""
    out: list[dict[str, Any]] = []
    for name, component in modal.inputs.items():
        value = values.get(name, "")
        if isinstance(component, discord.ui.Select):
            inner = {"type": 3, "custom_id": name, "values": value}
        else:
            inner = {"type": 4, "custom_id": name, "value": value}
        out.append({"type": 18, "component": inner})
    return out


async def test_the_log_modal_has_five_labelled_inputs_within_discord_limits() -> None:
    modal = FormModal(REGISTRY["log"].form(), RecordingRunner(), nonce="111")
    data = modal.to_dict()
    assert fake_checks.check_modal(data, "log modal") == ([], False)
    assert data["title"] == "Log a conversation"
    assert data["custom_id"] == "ni:modal:log:111"
    assert list(modal.inputs) == ["kind", "person", "company", "when", "note"]  # not `via`
    labels = [row["label"] for row in data["components"]]
    assert labels == ["What happened", "Who", "Company", "When", "Note"]
    kind = data["components"][0]["component"]
    assert kind["type"] == 3 and kind["required"] is True
    shown = {o["value"]: o["label"] for o in kind["options"]}
    assert shown["thankyou"] == "Thank-you" and shown["referral"].startswith("Lead")
    assert [o["value"] for o in kind["options"] if o.get("default")] == ["meeting"]
    when = data["components"][3]["component"]
    assert when["placeholder"] == "today, yesterday, tue, 2026-11-20 15:00"
    assert data["components"][4]["component"]["style"] == discord.TextStyle.paragraph.value
    other = FormModal(REGISTRY["log"].form(), RecordingRunner(), nonce="112")
    assert other.custom_id != modal.custom_id  # discord.py keys open modals by custom_id


async def test_a_submission_runs_log_field_by_field(client: discord.Client) -> None:
    runner = RecordingRunner()
    modal = FormModal(REGISTRY["log"].form(), runner, nonce="1")
    client._connection.store_view(modal)  # what send_modal does
    typed = {"kind": ["interview"], "person": " Sunday Adelaja ", "company": "Acme",
             "note": "asked about the team"}
    submit = payloads.interaction(5, {"custom_id": modal.custom_id,
                                      "components": _submission(modal, typed)})
    client._connection.parse_interaction_create(submit)
    await runner.called()
    expected = Invocation("log", {"kind": "interview", "person": "Sunday Adelaja",
                                  "company": "Acme", "note": "asked about the team"})
    assert runner.invocations == [expected]  # `when` left empty: not sent
    chat = Chat()  # and the core takes it as it is: the name stays a name, not a day
    reply = await chat.invoke(runner.invocations[0])
    assert not reply.is_error, reply.text()
    (logged,) = chat.activities(ActivityKind.INTERVIEW)
    assert chat.contact("Sunday Adelaja").id == logged.contact_id


async def test_a_failed_submission_is_answered_privately() -> None:
    modal = FormModal(REGISTRY["log"].form(), RecordingRunner(fail=True), nonce="1")
    interaction = FakeInteraction()
    modal._refresh(None, _submission(modal, {"kind": ["meeting"], "person": "Jane"}), {})
    with pytest.raises(RuntimeError):
        await modal.on_submit(interaction)
    await modal.on_error(interaction, RuntimeError("the core is down"))
    assert [m for m, _ in interaction.response.messages] == [msg.DISCORD_PRESS_FAILED]


async def test_the_form_button_opens_the_modal_as_the_first_answer(
    client: discord.Client,
) -> None:
    runner = RecordingRunner()
    register(client, runner)
    interaction = FakeInteraction(client, id=987)
    await _press(FormButton, "ni:form:log", interaction)
    (modal,) = interaction.response.modals
    assert isinstance(modal, FormModal) and modal.custom_id == "ni:modal:log:987"
    assert modal.runner is runner
    gone = FakeInteraction(client)
    await _press(FormButton, "ni:form:no such", gone)
    assert [m for m, _ in gone.response.messages] == [msg.DISCORD_FORM_GONE]


async def test_any_form_fits_a_modal() -> None:
    fields = tuple(FormField(f"f{i}", "L" * 60 + " (e.g. " + "x" * 200 + ")", "text")
                   for i in range(7))
    many = FormField("stage", "Stage", "choice", True, tuple(f"c{i}" for i in range(30)))
    modal = FormModal(Form("demo", "T" * 80, (many, *fields)), RecordingRunner(), nonce="9" * 120)
    data = modal.to_dict()
    assert fake_checks.check_modal(data, "modal") == ([], False)
    assert len(data["components"]) == 5
    stage = data["components"][0]["component"]
    assert stage["type"] == 4 and stage["placeholder"].startswith("c0, c1, c2")  # 30: typed
    for spec in REGISTRY.values():
        if spec.in_form:
            assert fake_checks.check_modal(
                FormModal(spec.form(), RecordingRunner(), nonce="1").to_dict(), spec.name
            ) == ([], False)


def test_form_invocation_keeps_only_what_was_filled() -> None:
    form = Form("contact stage", "Stage", (FormField("name", "Who", "person"),
                                           FormField("stage", "Stage", "number")))
    assert form_invocation(form, {"name": "Jane", "stage": "2"}) == Invocation(
        "contact stage", {"name": "Jane", "stage": 2}
    )
    assert form_invocation(form, {"name": "", "stage": "two"}) == Invocation(
        "contact stage", {"stage": "two"}
    )


def test_labels_never_ping() -> None:
    broken = "@\u200beveryone <\u200b@123> @\u200bhere"
    assert views.plain_label("@everyone <@123> @here", 80) == broken
    assert views.plain_label("x" * 100, 80) == "x" * 79 + "…"
    assert views.plain_label("", 80) == "…"
