"""Modals: Log a conversation (from the `log` command's form) and Settings.

A submission is read from `view.state.values`, checked field by field (errors go back on
the field with `response_action: errors`) and turned into the command it runs.
Block ids are the form's field names; each input's action_id is the same name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from adapters.slack.render import plain_label
from bot import messages as msg
from bot.commands import REGISTRY, Invocation
from bot.context import Config
from bot.dates import DateError, DateOutOfRange, parse_when
from bot.domain import ActivityKind, Member
from bot.handlers.log import FUTURE_SLACK, KIND_WORDS
from bot.handlers.settings import (
    GOALS,
    closest_zone,
    match_zone,
    parse_clock,
    parse_days,
    parse_quiet,
)
from bot.messages.words import DAY_NAMES
from bot.replies import Form, FormField

LOG_CALLBACK = "log-form"
SETTINGS_CALLBACK = "settings-form"

# Slack-only labels (Slack caps a modal's title, submit and close at 24 characters).
LOG_TITLE = "Log a conversation"
SETTINGS_TITLE = "Settings"
SUBMIT_LOG = "Log it"
SUBMIT_SETTINGS = "Save"
CLOSE = "Cancel"
LOG_FIELDS = ("kind", "person", "company", "when", "note")  # `via` has its own command: lead
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SETTINGS_LABELS = {
    "timezone": "Timezone",
    "checkin": "Daily check-in",
    "days": "Working days",
    "quiet": "Quiet hours",
    "goal": "Weekly goal (conversations)",
}
ZONE_HINT = "Like Europe/London. Slack's own timezone is used until you change it here."
QUIET_HINT = "When I never message you, like 21:00-08:00. Leave empty for none."
_LIMITS = Config()  # the core's length limits for names and notes


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _text(plain_label(label, 75)), "value": value}


def _label_and_placeholder(label: str) -> tuple[str, str | None]:
    """"When (today, yesterday, tue)": the label, and its examples as a placeholder."""
    head, sep, rest = label.partition(" (")
    return (head, rest.rstrip(")")) if sep and rest.endswith(")") else (label, None)


def _element(f: FormField, initial: str | None) -> dict[str, Any]:
    if f.kind == "choice":
        words = {k.value: v for k, v in msg.FORM_KIND_LABELS.items()}
        options = [_option(c, words.get(c, c)) for c in f.choices[:100]]
        el: dict[str, Any] = {"type": "static_select", "action_id": f.name, "options": options}
        chosen = next((o for o in options if o["value"] == initial), None)
        if chosen is not None:
            el["initial_option"] = chosen
        return el
    if f.kind == "number":
        el = {"type": "number_input", "action_id": f.name, "is_decimal_allowed": False}
    else:
        el = {"type": "plain_text_input", "action_id": f.name}
        el["max_length"] = _LIMITS.max_note if f.kind == "text" else _LIMITS.max_name
        el["multiline"] = f.name == "note"
    if initial:
        el["initial_value"] = initial
    return el


def modal(
    form: Form,
    *,
    callback_id: str,
    private_metadata: str = "",
    initial: dict[str, str] | None = None,
    title: str | None = None,
    submit: str = SUBMIT_LOG,
) -> dict[str, Any]:
    """A modal view with one input block per form field (block_id = field name)."""
    blocks = []
    for f in form.fields:
        label, placeholder = _label_and_placeholder(f.label)
        el = _element(f, (initial or {}).get(f.name))
        if placeholder and el["type"] != "static_select":
            el["placeholder"] = _text(plain_label(placeholder, 150))
        blocks.append(
            {
                "type": "input",
                "block_id": f.name,
                "label": _text(plain_label(label, 2000)),
                "optional": not f.required,
                "element": el,
            }
        )
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata[:3000],
        "title": _text(plain_label(title or form.title, 24)),
        "submit": _text(submit),
        "close": _text(CLOSE),
        "blocks": blocks,
    }


def log_form() -> Form:
    form = REGISTRY["log"].form()
    fields = tuple(f for f in form.fields if f.name in LOG_FIELDS)
    return Form(command=form.command, title=LOG_TITLE, fields=fields)


def log_modal(private_metadata: str = "", initial: dict[str, str] | None = None) -> dict[str, Any]:
    """Log a conversation: kind (a conversation unless changed), person, company, when, note."""
    start = {"kind": ActivityKind.MEETING.value, **(initial or {})}
    return modal(
        log_form(), callback_id=LOG_CALLBACK, private_metadata=private_metadata, initial=start
    )


def settings_modal(member: Member | None, private_metadata: str = "") -> dict[str, Any]:
    """Timezone, check-in time, working days, quiet hours and goal, filled in as they are."""
    m = member or Member(display_name="")
    quiet = f"{m.quiet_start:%H:%M}-{m.quiet_end:%H:%M}" if m.quiet_start and m.quiet_end else ""
    days = [_option(DAY_NAMES[d], DAY_LABELS[d]) for d in range(7)]
    chosen = [days[d] for d in sorted(m.working_days)]
    checkboxes: dict[str, Any] = {"type": "checkboxes", "action_id": "days", "options": days}
    if chosen:
        checkboxes["initial_options"] = chosen
    quiet_input: dict[str, Any] = {"type": "plain_text_input", "action_id": "quiet"}
    if quiet:
        quiet_input["initial_value"] = quiet
    elements: dict[str, dict[str, Any]] = {
        "timezone": {
            "type": "plain_text_input", "action_id": "timezone", "initial_value": m.timezone
        },
        "checkin": {
            "type": "timepicker", "action_id": "checkin", "initial_time": f"{m.checkin_time:%H:%M}"
        },
        "days": checkboxes,
        "quiet": quiet_input,
        "goal": {
            "type": "number_input", "action_id": "goal", "is_decimal_allowed": False,
            "min_value": "1", "max_value": "50", "initial_value": str(m.weekly_goal),
        },
    }  # fmt: skip
    hints = {"timezone": ZONE_HINT, "quiet": QUIET_HINT}
    blocks = []
    for block_id, el in elements.items():
        block: dict[str, Any] = {
            "type": "input",
            "block_id": block_id,
            "label": _text(SETTINGS_LABELS[block_id]),
            "optional": block_id == "quiet",
            "element": el,
        }
        if block_id in hints:
            block["hint"] = _text(hints[block_id])
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": SETTINGS_CALLBACK,
        "private_metadata": private_metadata[:3000],
        "title": _text(SETTINGS_TITLE),
        "submit": _text(SUBMIT_SETTINGS),
        "close": _text(CLOSE),
        "blocks": blocks,
    }


def _typed(state: Mapping[str, Any]) -> str:
    """One input's value as text, whatever kind of element it is."""
    if state.get("selected_option"):
        return str(state["selected_option"].get("value", ""))
    if state.get("selected_options") is not None:
        return ",".join(str(o.get("value", "")) for o in state["selected_options"])
    for key in ("value", "selected_time", "selected_date", "selected_date_time"):
        if state.get(key) is not None:
            return str(state[key])
    return ""


def read_values(view: Mapping[str, Any]) -> dict[str, str]:
    """block_id -> the typed value, stripped ("" when left empty)."""
    values = view.get("state", {}).get("values", {})
    out: dict[str, str] = {}
    for block_id, actions in values.items():
        typed = [_typed(state) for state in actions.values() if isinstance(state, Mapping)]
        out[block_id] = next((t.strip() for t in typed if t.strip()), "")
    return out


def validate_log(
    values: Mapping[str, str], tz: ZoneInfo | str, *, now: datetime
) -> dict[str, str]:
    """block_id -> what to change; {} when the core can log it. `tz`: the member's zone
    (a name works too); `now`: the app's clock, so dates read as the core will read them."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    errors: dict[str, str] = {}
    kind = KIND_WORDS.get(values.get("kind", "").lower())
    person, company = values.get("person", ""), values.get("company", "")
    if kind is None:
        errors["kind"] = msg.FORM_PICK_KIND
    if kind is ActivityKind.REFERRAL and not person:
        errors["person"] = msg.FORM_LEAD_NEEDS_PERSON
    elif not person and not company:
        errors["person"] = msg.FORM_NEEDS_WHO
    for block_id, what in (("person", "A name"), ("company", "A company name")):
        if len(values.get(block_id, "")) > _LIMITS.max_name:
            errors[block_id] = msg.form_too_long(what, _LIMITS.max_name)
    if len(values.get("note", "")) > _LIMITS.max_note:
        errors["note"] = msg.form_too_long("A note", _LIMITS.max_note)
    when = values.get("when", "")
    shown = plain_label(when, 60)
    try:
        at = parse_when(when or "now", zone, now, "past").at
        if at > now + FUTURE_SLACK:
            errors["when"] = msg.FORM_DATE_AHEAD
    except DateOutOfRange:
        errors["when"] = msg.form_date_too_far(shown)
    except DateError:
        errors["when"] = msg.form_bad_date(shown)
    return errors


def log_invocation(values: Mapping[str, str]) -> Invocation:
    """The `log` a valid submission runs, field for field: nothing is re-read from text,
    so a name like "Sunday Adelaja" stays a name."""
    args = {name: values.get(name, "").strip() or None for name in LOG_FIELDS}
    return Invocation("log", args)


def validate_settings(values: Mapping[str, str]) -> dict[str, str]:
    """block_id -> what to change; {} when every setting reads."""
    errors: dict[str, str] = {}
    zone = values.get("timezone", "")
    if match_zone(zone) is None:
        errors["timezone"] = msg.form_unknown_zone(plain_label(zone, 60), closest_zone(zone))
    checkin = values.get("checkin", "")
    if parse_clock(checkin) is None:
        errors["checkin"] = msg.form_bad_time(plain_label(checkin, 60))
    if parse_days(values.get("days", "")) is None:
        errors["days"] = msg.FORM_NO_DAYS
    if _quiet(values.get("quiet", "")) is None:
        errors["quiet"] = msg.form_bad_quiet(plain_label(values.get("quiet", ""), 60))
    goal = values.get("goal", "")
    if not (goal.isascii() and goal.isdigit() and int(goal) in GOALS):
        errors["goal"] = msg.FORM_BAD_GOAL
    return errors


def _quiet(text: str) -> str | None:
    """Quiet hours as the command takes them ("21:00-08:00" or "off"); None if unreadable."""
    if text.lower() in ("", "off", "none"):
        return "off"
    hours = parse_quiet(text)
    return None if hours is None else f"{hours[0]:%H:%M}-{hours[1]:%H:%M}"


def _quiet_of(m: Member) -> str:
    return f"{m.quiet_start:%H:%M}-{m.quiet_end:%H:%M}" if m.quiet_start and m.quiet_end else "off"


def settings_commands(values: Mapping[str, str], *, member: Member | None = None) -> list[str]:
    """The `settings ...` commands a valid submission runs. Given the member, only what
    changed: an untouched timezone stays Slack's (`settings timezone` pins it)."""
    # Read as validate_settings reads them: an optional field left empty may be absent.
    zone, clock = match_zone(values.get("timezone", "")), parse_clock(values.get("checkin", ""))
    days, quiet = parse_days(values.get("days", "")), _quiet(values.get("quiet", ""))
    if zone is None or clock is None or days is None or quiet is None:
        raise ValueError("validate_settings() first")
    goal = int(values.get("goal", ""))
    wanted: dict[str, tuple[str, Callable[[Member], bool]]] = {
        "timezone": (f"settings timezone {zone}", lambda m: m.timezone == zone),
        "checkin": (f"settings checkin {clock:%H:%M}", lambda m: m.checkin_time == clock),
        "days": (
            "settings days " + ",".join(DAY_NAMES[d] for d in sorted(days)),
            lambda m: m.working_days == days,
        ),
        "quiet": (f"settings quiet {quiet}", lambda m: _quiet_of(m) == quiet),
        "goal": (f"settings goal {goal}", lambda m: m.weekly_goal == goal),
    }
    return [cmd for cmd, same in wanted.values() if member is None or not same(member)]
