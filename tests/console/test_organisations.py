"""Offers and applications are about an organisation: a bare name there is the
organisation, never a new contact (`log offer Globex` once made a person "Globex")."""

from __future__ import annotations

import pytest

from adapters.console.backend import ConsoleBackend
from bot.commands import Invocation
from bot.domain import ActivityKind
from tests.console.helpers import ok
from tests.unit.harness import Chat


@pytest.mark.parametrize(
    ("text", "logged", "stage"),
    [
        ("log offer Globex", "Logged your offer from Globex today.", "Offer\n  Globex"),
        ("log application Hooli", "Logged your application to Hooli today.", "Contacted\n  Hooli"),
    ],
)
async def test_a_bare_name_is_the_organisation(
    console: ConsoleBackend, text: str, logged: str, stage: str
) -> None:
    assert (await ok(console, "ann", text)).splitlines()[0] == logged
    assert "No contacts yet." in await ok(console, "ann", "contacts")
    assert stage in await ok(console, "ann", "pipeline")


async def test_a_person_at_an_organisation_stays_a_person(console: ConsoleBackend) -> None:
    reply = await ok(console, "ann", "log application Jane Doe @Acme")
    assert reply.splitlines()[0] == "Logged your application to Jane Doe (Acme) today."
    assert "#1 Jane Doe (Acme)" in await ok(console, "ann", "contacts")


@pytest.mark.parametrize("kind", [ActivityKind.OFFER, ActivityKind.APPLICATION])
async def test_the_typed_path_reads_it_the_same(kind: ActivityKind) -> None:
    """A form (Slack modal, Discord option) fills `person`; the handler decides."""
    chat = Chat()
    await chat.ok("contact add Sam Lee @Initech")
    reply = await chat.invoke(Invocation("log", {"kind": kind.value, "person": "Globex"}))
    assert not reply.is_error and "Globex" in reply.text()
    assert [c.name for c in chat.contacts()] == ["Sam Lee"]
    (activity,) = chat.activities(kind)
    assert (activity.contact_id, activity.company) == (None, "Globex")
    # A contact's number (a button) is that contact, not an organisation called "#1".
    await chat.invoke(Invocation("log", {"kind": kind.value, "person": "#1"}))
    assert chat.activities(kind)[-1].contact_id == chat.contact("Sam Lee").id
