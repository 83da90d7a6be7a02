"""The modals: built within limits, read from state.values, checked field by field, and
submitted as commands the real core runs (console backend on SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from adapters.console.backend import ConsoleBackend
from adapters.slack.forms import (
    LOG_CALLBACK,
    LOG_FIELDS,
    SETTINGS_CALLBACK,
    log_invocation,
    log_modal,
    read_values,
    settings_commands,
    settings_modal,
    validate_log,
    validate_settings,
)
from bot.domain import Activity, ActivityKind, Member
from tests.fakes import FakeClock
from tests.slack.blockkit import PING, open_console, violations

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # the FakeClock's start: a Monday
NY = ZoneInfo("America/New_York")
GOOD_SETTINGS = {
    "timezone": "europe/london",
    "checkin": "08:15",
    "days": "mon,tue,thu",
    "quiet": "21:00-07:00",
    "goal": "7",
}


@pytest_asyncio.fixture
async def console(tmp_path: Path) -> AsyncIterator[ConsoleBackend]:
    async with open_console(tmp_path, FakeClock()) as backend:
        yield backend


def submitted(view: dict[str, Any], typed: dict[str, str]) -> dict[str, Any]:
    """The view as a view_submission carries it: state.values shaped per element type."""
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        el, value = block["element"], typed.get(block["block_id"], "")
        kind = el["type"]
        if kind == "static_select":
            option = next((o for o in el["options"] if o["value"] == value), None)
            state: dict[str, Any] = {"type": kind, "selected_option": option}
        elif kind == "checkboxes":
            state = {"type": kind, "selected_options": [
                o for o in el["options"] if o["value"] in value.split(",")
            ]}  # fmt: skip
        elif kind == "timepicker":
            state = {"type": kind, "selected_time": value or None}
        else:
            state = {"type": kind, "value": value or None}
        values[block["block_id"]] = {el["action_id"]: state}
    return {**view, "id": "V1", "state": {"values": values}}


async def member_of(console: ConsoleBackend, user: str) -> Member:
    async with console.core.uow_factory() as uow:
        member = await uow.members.by_identity(console.caller(user).identity)
    assert member is not None
    return member


async def activities_of(console: ConsoleBackend, user: str) -> list[Activity]:
    member = await member_of(console, user)
    assert member.id is not None
    async with console.core.uow_factory() as uow:
        return await uow.activities.between(member.id, NOW - timedelta(days=30), NOW + timedelta(1))


def test_log_modal_is_built_from_the_log_form() -> None:
    view = log_modal(private_metadata="D1")
    assert violations(view, max_blocks=100) == []
    assert view["callback_id"] == LOG_CALLBACK and view["private_metadata"] == "D1"
    assert view["title"]["text"] == "Log a conversation"
    assert [b["block_id"] for b in view["blocks"]] == list(LOG_FIELDS)
    kind = view["blocks"][0]
    assert kind["optional"] is False and kind["element"]["type"] == "static_select"
    labels = [o["text"]["text"] for o in kind["element"]["options"]]
    assert len(labels) == 8 and "Thank-you" in labels and "Follow-up" in labels
    assert not {"thankyou", "referral", "followup"} & {label.lower() for label in labels}
    assert kind["element"]["initial_option"]["value"] == "meeting"
    when = view["blocks"][3]
    assert when["label"]["text"] == "When" and "yesterday" in when["element"]["placeholder"]["text"]
    assert all(b["optional"] for b in view["blocks"][1:])
    assert view["blocks"][4]["element"]["multiline"] is True


async def test_a_submission_logs_the_conversation(console: ConsoleBackend) -> None:
    typed = {"kind": "interview", "person": "Jane Doe", "company": "Acme",
             "when": "yesterday 3pm", "note": "Talked about\nthe platform team"}  # fmt: skip
    values = read_values(submitted(log_modal(), typed))
    assert values == typed
    assert validate_log(values, NY, now=NOW) == {}
    invocation = log_invocation(values)
    reply = await console.core.handle(console.caller("ann"), console.where(None), invocation)
    assert not reply.is_error, reply.text()
    [logged] = await activities_of(console, "ann")
    assert logged.kind is ActivityKind.INTERVIEW and logged.company == "Acme"
    assert logged.note == "Talked about\nthe platform team"  # as typed in the form
    assert logged.local_date.isoformat() == "2025-01-05"


async def test_the_invocation_keeps_every_field_as_typed(console: ConsoleBackend) -> None:
    # "Sunday" reads as a date in text; the fields go to the core as they were typed.
    typed = {"kind": "meeting", "person": "Sunday Adelaja", "company": "Initech", "when": ""}
    values = read_values(submitted(log_modal(), typed))
    assert validate_log(values, NY, now=NOW) == {}
    invocation = log_invocation(values)
    assert invocation.args["person"] == "Sunday Adelaja" and invocation.args["when"] is None
    caller, where = console.caller("bo"), console.where(None)
    reply = await console.core.handle(caller, where, invocation)
    assert not reply.is_error, reply.text()
    assert "Sunday Adelaja" in reply.text()
    [logged] = await activities_of(console, "bo")
    assert logged.kind is ActivityKind.MEETING and logged.company == "Initech"


@pytest.mark.parametrize(
    ("typed", "wrong"),
    [
        ({"kind": "meeting", "person": "Jane", "when": "blorp"}, {"when"}),
        ({"kind": "meeting", "when": "yesterday"}, {"person"}),
        ({"kind": "meeting", "note": "hi"}, {"person"}),
        ({"kind": "meeting", "company": "Acme", "when": "tomorrow 3pm"}, {"when"}),
        ({"kind": "meeting", "person": "Jane", "when": "2019-03-01"}, {"when"}),
        ({"kind": "meeting", "person": "Jane", "note": "n" * 501}, {"note"}),
        ({"kind": "meeting", "person": "J" * 81, "company": "A" * 81}, {"person", "company"}),
        ({"kind": "referral", "company": "Initech"}, {"person"}),
        ({"kind": "", "person": "Jane", "when": "blorp"}, {"kind", "when"}),
    ],
)
def test_invalid_fields_get_errors_on_their_blocks(typed: dict[str, str], wrong: set[str]) -> None:
    values = read_values(submitted(log_modal(), typed))
    errors = validate_log(values, NY, now=NOW)
    assert set(errors) == wrong
    assert all(e and len(e) < 150 and "`" not in e for e in errors.values())


def test_error_texts_read_well_and_never_ping() -> None:
    values = read_values(submitted(log_modal(), {"kind": "meeting", "when": "<!channel> @here"}))
    errors = validate_log(values, NY, now=NOW)
    assert errors["person"] == "Add who it was with, or just the company."
    assert errors["when"].startswith("I couldn't read “")
    assert not any(PING.search(e) for e in errors.values())
    blorp = validate_log({"kind": "meeting", "person": "Jane", "when": "blorp"}, "UTC", now=NOW)
    assert blorp == {"when": "I couldn't read “blorp” as a date. Try today, yesterday or tue 3pm."}


async def test_settings_modal_shows_the_members_settings(console: ConsoleBackend) -> None:
    for command in ("settings quiet 21:00-08:00", "settings days mon-thu", "settings goal 4"):
        assert not (await console.reply("ann", command)).is_error
    view = settings_modal(await member_of(console, "ann"), private_metadata="C1")
    assert violations(view, max_blocks=100) == []
    assert view["callback_id"] == SETTINGS_CALLBACK
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert list(blocks) == ["timezone", "checkin", "days", "quiet", "goal"]
    assert blocks["timezone"]["element"]["initial_value"] == "UTC"
    assert blocks["checkin"]["element"]["initial_time"] == "09:30"
    assert [o["value"] for o in blocks["days"]["element"]["initial_options"]] == [
        "mon", "tue", "wed", "thu"
    ]  # fmt: skip
    assert blocks["quiet"]["element"]["initial_value"] == "21:00-08:00"
    assert blocks["goal"]["element"]["initial_value"] == "4"
    # Submitted untouched, it reads back as valid and changes nothing.
    values = read_values(submitted(view, {
        "timezone": "UTC", "checkin": "09:30", "days": "mon,tue,wed,thu",
        "quiet": "21:00-08:00", "goal": "4",
    }))  # fmt: skip
    assert validate_settings(values) == {}
    assert settings_commands(values, member=await member_of(console, "ann")) == []
    assert violations(settings_modal(None), max_blocks=100) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Mars/Base"),
        ("checkin", "25:00"),
        ("goal", "0"),
        ("goal", "51"),
        ("goal", "two"),
        ("days", ""),
        ("quiet", "blorp"),
        ("quiet", "09:00-09:00"),
    ],
)
def test_invalid_settings_get_errors_on_their_blocks(field: str, value: str) -> None:
    errors = validate_settings({**GOOD_SETTINGS, field: value})
    assert list(errors) == [field]
    assert not PING.search(errors[field]) and "`" not in errors[field]


def test_an_unknown_zone_suggests_a_close_one() -> None:
    errors = validate_settings({**GOOD_SETTINGS, "timezone": "Europe/Londn"})
    assert "Europe/London" in errors["timezone"]
    mars = validate_settings({**GOOD_SETTINGS, "timezone": "Mars/Base"})["timezone"]
    assert mars.startswith("I don't know the timezone “Mars/Base”.")


async def test_a_settings_submission_runs_through_the_core(console: ConsoleBackend) -> None:
    assert not (await console.reply("ann", "next")).is_error
    values = read_values(submitted(settings_modal(None), GOOD_SETTINGS))
    assert validate_settings(values) == {}
    commands = settings_commands(values)
    assert commands == [
        "settings timezone Europe/London",
        "settings checkin 08:15",
        "settings days mon,tue,thu",
        "settings quiet 21:00-07:00",
        "settings goal 7",
    ]
    for command in commands:
        reply = await console.reply("ann", command)
        assert not reply.is_error, reply.text()
    m = await member_of(console, "ann")
    assert (m.timezone, f"{m.checkin_time:%H:%M}", sorted(m.working_days)) == (
        "Europe/London", "08:15", [0, 1, 3]
    )  # fmt: skip
    assert (f"{m.quiet_start:%H:%M}", f"{m.quiet_end:%H:%M}", m.weekly_goal) == (
        "21:00", "07:00", 7
    )  # fmt: skip
    # Only what changed runs again; an untouched timezone is never pinned by the modal.
    again = settings_commands({**values, "goal": "3", "quiet": ""}, member=m)
    assert again == ["settings quiet off", "settings goal 3"]
