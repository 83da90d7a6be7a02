"""Buttons that survive restarts, and forms as modals (Log a conversation).

Every button is a DynamicItem whose custom_id carries what it does: `ni:run:done 42` runs the
text command `done 42`; `ni:form:log` opens the `log` form. discord.py matches a press against
the classes registered on the client (register(), from setup_hook), so a button pressed days
later, after a restart, still works; the views we send are never tracked (see Buttons).
Exceptions inside a DynamicItem or a modal reach no tree.on_error (discord.py only logs
them), so each is caught here and answered: no press goes unanswered.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

import bot.handlers  # noqa: F401  (fills the registry)
from bot import messages as msg
from bot.commands import REGISTRY, ArgValue, Invocation
from bot.context import Config
from bot.replies import Action, Form, FormField

if TYPE_CHECKING:
    from adapters.discord.commands import Runner

log = logging.getLogger(__name__)

RUN = "ni:run:"
FORM = "ni:form:"
MODAL = "ni:modal:"
MAX_CUSTOM_ID = 100
MAX_LABEL = 80  # a button's label
MAX_BUTTONS = 25  # 5 rows of 5
PER_ROW = 5
MAX_MODAL_TITLE = 45
MAX_INPUT_LABEL = 45
MAX_PLACEHOLDER = 100
MAX_MODAL_ITEMS = 5
MAX_SELECT_OPTIONS = 25
MODAL_TIMEOUT_S = 30 * 60.0  # a modal left open this long is forgotten (discord.py keeps it)
# What a form's choice starts at: a log is a conversation unless changed (as on Slack).
FORM_DEFAULTS: dict[tuple[str, str], str] = {("log", "kind"): "meeting"}
_LIMITS = Config()  # the core's lengths for names and notes
_ZWSP = "\u200b"
_PINGS = re.compile(r"@(?=(?:everyone|here)\b)|<(?=[@#&!:/]|a:|t:)", re.IGNORECASE)

_RUNNERS: weakref.WeakKeyDictionary[discord.Client, Runner] = weakref.WeakKeyDictionary()
# The modals each runner (one per client) opened and discord.py still holds, so answers;
# a submission naming any other was opened before a restart (see modal_values).
_LIVE: weakref.WeakKeyDictionary[Runner, set[str]] = weakref.WeakKeyDictionary()


def live_modals(runner: Runner) -> set[str]:
    return _LIVE.setdefault(runner, set())


def register(client: discord.Client, runner: Runner) -> None:
    """Call from setup_hook: presses on any of our buttons, old or new, reach `runner`."""
    _RUNNERS[client] = runner
    client.add_dynamic_items(RunButton, FormButton)


def runner_of(client: discord.Client) -> Runner:
    try:
        return _RUNNERS[client]
    except KeyError:
        raise LookupError("call adapters.discord.views.register(client, runner)") from None


def unping(text: str) -> str:
    """`@everyone`, `@here` and `<@…>`-shaped mentions broken with a zero-width space."""
    return _PINGS.sub(lambda m: m.group(0) + _ZWSP, text)


def plain_label(text: str, limit: int) -> str:
    """Text Discord shows as is (a label, a title, an option): clipped, mentions broken."""
    text = unping(" ".join(text.split()))
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text or "…"


async def answer_failure(
    interaction: discord.Interaction, text: str = msg.DISCORD_PRESS_FAILED
) -> None:
    """A short ephemeral answer, whether or not the interaction was answered already."""
    none = discord.AllowedMentions.none()
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=none)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=none)
    except Exception:  # the token expired, Discord is down: nothing more to do but say so
        log.warning("could not answer interaction %s", interaction.id, exc_info=True)


async def _guarded(
    interaction: discord.Interaction, what: str, work: Callable[[Runner], Awaitable[None]]
) -> None:
    try:
        await work(runner_of(interaction.client))
    except Exception:
        log.exception("%s failed", what)
        await answer_failure(interaction)


# -- buttons ----------------------------------------------------------------------------------
class RunButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.compile(
    re.escape(RUN) + r"(?P<command>.+)", re.DOTALL
)):
    """A button that runs a text command (`done 42`), today or after a restart."""

    def __init__(self, command: str, label: str = "…", *, primary: bool = False) -> None:
        style = discord.ButtonStyle.primary if primary else discord.ButtonStyle.secondary
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=plain_label(label, MAX_LABEL), style=style, custom_id=RUN + command
        )
        super().__init__(button)
        self.command = command

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RunButton:
        return cls(match["command"], getattr(item, "label", None) or "…")

    async def callback(self, interaction: discord.Interaction) -> None:
        await _guarded(
            interaction, f"button {self.command!r}", lambda r: r.run_text(interaction, self.command)
        )


class FormButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.compile(
    re.escape(FORM) + r"(?P<command>[a-z]+(?: [a-z]+)*)"
)):
    """A button that opens a command's form as a modal (a modal must be the first answer)."""

    def __init__(self, command: str, label: str = "…") -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=plain_label(label, MAX_LABEL),
            style=discord.ButtonStyle.primary,
            custom_id=FORM + command,
        )
        super().__init__(button)
        self.command = command

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FormButton:
        return cls(match["command"], getattr(item, "label", None) or "…")

    async def callback(self, interaction: discord.Interaction) -> None:
        spec = REGISTRY.get(self.command)
        if spec is None:  # a form of a command since removed
            await answer_failure(interaction, msg.DISCORD_FORM_GONE)
            return

        async def open_form(runner: Runner) -> None:
            modal = FormModal(spec.form(), runner, nonce=str(interaction.id))
            await interaction.response.send_modal(modal)

        await _guarded(interaction, f"form {self.command!r}", open_form)


def run_button(action: Action) -> RunButton | None:
    """None when the command is too long for a custom_id: cut, it would run another."""
    if len(RUN + action.command) > MAX_CUSTOM_ID or not action.command.strip():
        return None
    return RunButton(action.command, action.label, primary=action.primary)


def form_title(form: Form) -> str:
    return plain_label(msg.DISCORD_FORM_TITLES.get(form.command, form.title), MAX_MODAL_TITLE)


class Buttons(discord.ui.View):
    """A message's buttons, all DynamicItems: presses reach the classes register() put on the
    client, so nothing needs tracking. A finished view is never tracked, so an ephemeral
    reply keeps no view and 15-minute timer alive per message, and discord.py's cleanup of a
    stopped view (which unregisters the DynamicItem patterns of a view that also holds a
    plain item) can never touch ours."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_finished(self) -> bool:
        return True


def buttons(actions: tuple[Action, ...], form: Form | None = None) -> Buttons | None:
    """Up to 5 rows of 5: the actions in order, then the form's button."""
    items: list[discord.ui.DynamicItem[discord.ui.Button[Any]]] = [
        b for b in (run_button(a) for a in actions) if b is not None
    ]
    if form is not None and len(FORM + form.command) <= MAX_CUSTOM_ID:
        items = [*items[: MAX_BUTTONS - 1], FormButton(form.command, form_title(form))]
    if not items:
        return None
    view = Buttons()
    for i, item in enumerate(items[:MAX_BUTTONS]):
        item.row = i // PER_ROW
        view.add_item(item)
    return view


# -- modals -----------------------------------------------------------------------------------
def _label_and_hint(label: str) -> tuple[str, str | None]:
    """"When (today, yesterday, tue)": the label, and its examples as a placeholder."""
    head, sep, rest = label.partition(" (")
    return (head, rest.rstrip(")")) if sep and rest.endswith(")") else (label, None)


def _choice_words(f: FormField) -> dict[str, str]:
    kinds = {k.value: label for k, label in msg.FORM_KIND_LABELS.items()}
    return kinds if all(c in kinds for c in f.choices) else {}


Input = discord.ui.TextInput[Any] | discord.ui.Select[Any]


class FormModal(discord.ui.Modal):
    """A form as a modal: one labelled input per field (at most five), a select for a
    choice. Its custom_id names the command and the opening interaction: discord.py keys
    open modals by custom_id, so two members' forms must never share one."""

    def __init__(
        self, form: Form, runner: Runner, *, nonce: str, timeout: float | None = MODAL_TIMEOUT_S
    ) -> None:
        custom_id = f"{MODAL}{form.command}:{nonce}"[:MAX_CUSTOM_ID]
        super().__init__(title=form_title(form), custom_id=custom_id, timeout=timeout)
        live_modals(runner).add(custom_id)
        self.form = form
        self.runner = runner
        self.inputs: dict[str, Input] = {}
        for f in form.fields[:MAX_MODAL_ITEMS]:  # the registry puts what matters first
            label, hint = _label_and_hint(f.label)
            component = self._input(f, hint)
            self.inputs[f.name] = component
            self.add_item(
                discord.ui.Label(text=plain_label(label, MAX_INPUT_LABEL), component=component)
            )

    def _input(self, f: FormField, hint: str | None) -> Input:
        if f.choices and len(f.choices) <= MAX_SELECT_OPTIONS:
            words = _choice_words(f)
            start = FORM_DEFAULTS.get((self.form.command, f.name))
            options = [
                discord.SelectOption(
                    label=plain_label(words.get(c, c), 100), value=c, default=c == start
                )
                for c in f.choices
            ]
            select: discord.ui.Select[Any] = discord.ui.Select(
                custom_id=f.name,
                options=options,
                min_values=1 if f.required else 0,
                max_values=1,
                required=f.required,
            )
            return select
        if f.choices:  # too many for a select: typed, with the choices as the hint
            hint = ", ".join(f.choices)
        long = f.kind == "text"
        text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id=f.name,
            style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
            placeholder=plain_label(hint or f.placeholder or "", MAX_PLACEHOLDER)
            if hint or f.placeholder
            else None,
            required=f.required,
            max_length=_LIMITS.max_note if long else _LIMITS.max_name,
        )
        return text

    async def on_timeout(self) -> None:
        live_modals(self.runner).discard(self.custom_id)

    def values(self) -> dict[str, str]:
        """Field name -> what was entered, stripped ("" when left empty)."""
        out: dict[str, str] = {}
        for name, component in self.inputs.items():
            if isinstance(component, discord.ui.Select):
                out[name] = str(component.values[0]).strip() if component.values else ""
            else:
                out[name] = component.value.strip()
        return out

    def invocation(self) -> Invocation:
        return form_invocation(self.form, self.values())

    async def on_submit(self, interaction: discord.Interaction) -> None:
        invocation = self.invocation()  # read before any await: the next submit refreshes
        await self.runner.run(interaction, invocation)

    # discord.py's stubs give Modal.on_error BaseView's signature; a modal's takes no item.
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        log.error("form %s failed", self.form.command, exc_info=error)
        await answer_failure(interaction)


def form_invocation(form: Form, values: dict[str, str]) -> Invocation:
    """The command a submission runs, field for field: nothing is re-read from a sentence,
    so a name like "Sunday Adelaja" stays a name. Empty fields are left out."""
    kinds = {f.name: f.kind for f in form.fields}
    args: dict[str, ArgValue] = {}
    for name, value in values.items():
        if not value:
            continue
        number = kinds.get(name) == "number" and value.isascii() and value.isdigit()
        args[name] = int(value) if number else value
    return Invocation(form.command, args)


def modal_command(custom_id: str) -> str | None:
    """The command a modal's custom_id names (`ni:modal:log:<nonce>` -> `log`)."""
    if not custom_id.startswith(MODAL):
        return None
    return custom_id[len(MODAL) :].rsplit(":", 1)[0] or None


def modal_values(components: list[dict[str, Any]]) -> dict[str, str]:
    """Field name -> value from a modal submission's raw components (labels or rows):
    a form opened before a restart is answered from what was typed, field by field."""
    out: dict[str, str] = {}
    inner: list[dict[str, Any]] = []
    for c in components:
        inner += [c["component"]] if "component" in c else list(c.get("components", []))
    for c in inner:
        name = c.get("custom_id")
        if not name:
            continue
        picked = c.get("values")
        out[name] = str(picked[0] if picked else c.get("value") or "").strip()
    return out
