"""Contacts, private to their member: `contacts`, `contact add`, `contact` (the card, or a
fix to the company or name), `contact stage`, `contact merge`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from bot import messages as msg
from bot.commands import Arg, ArgType, ArgValue, Invocation, command
from bot.context import Context
from bot.domain import Contact
from bot.errors import UserError
from bot.formatting import is_number, who
from bot.handlers.meetings import coming_with
from bot.matching import same_text
from bot.people import PhraseParts, check_length, find_contact, resolve_contact
from bot.phrases import parse_phrase
from bot.replies import Action, Reply, UserText, line

_STAGES = {1: "in touch", 2: "interested", 3: "discussing real jobs"}


@command(
    "contacts",
    Arg("search", ArgType.TEXT, "Name or company to look for"),
    usage="contacts [search]",
    example="contacts acme",
    category="people",
    reads_only=True,
)
async def list_contacts(cmd: Invocation, ctx: Context) -> Reply:
    """Your contacts, or those matching a name or company."""
    search = cmd.text("search")
    found = await ctx.uow.contacts.search(ctx.member_id, search, limit=26)
    if not found:
        if search:
            return msg.error(msg.no_contacts_matching(search), "contacts")
        return msg.no_contacts_yet()
    total = await ctx.uow.contacts.count(ctx.member_id)
    return msg.contact_list(found[:25], total if not search else len(found))


def _parse_add(rest: str) -> dict[str, ArgValue]:
    p = parse_phrase(rest)
    return {"name": p.person, "company": p.company, "via": p.via, "note": p.note}


@command(
    "contact add",
    Arg("name", ArgType.PERSON, "Name", required=True),
    Arg("company", ArgType.COMPANY, "Company", autocomplete="companies"),
    Arg("via", ArgType.PERSON, "Referred by", autocomplete="contacts"),
    Arg("note", ArgType.TEXT, "Note"),
    usage="contact add <name> [@company] [via <referrer>] [-- note]",
    example="contact add Priya Patel @Initech via Sam",
    category="people",
    parse=_parse_add,
)
async def add_contact(cmd: Invocation, ctx: Context) -> Reply:
    """Add someone you know or were told about."""
    name, company, via, note = (cmd.text(k) for k in ("name", "company", "via", "note"))
    example = "contact add Priya Patel @Initech via Sam"
    if not name:
        raise UserError(msg.CONTACT_NEEDS_NAME, example)
    check_length(ctx, "A name", name, ctx.config.max_name, example)
    check_length(ctx, "A company name", company, ctx.config.max_name, example)
    check_length(ctx, "A note", note, ctx.config.max_note, example)
    existing = await find_contact(ctx, name, company)
    same = next((c for c in existing if same_text(c.name, name)), None)
    if same is not None:
        return msg.contact_exists(same)
    referrer = None
    if via:
        referrer = await resolve_contact(
            ctx,
            via,
            None,
            lambda ref: PhraseParts(f"contact add {name}", company, ref, None, note).with_person(
                ""
            ),
        )
    contact = await ctx.uow.contacts.add(
        Contact(
            member_id=ctx.member_id,
            name=name,
            company=company,
            referred_by_id=referrer.id if referrer else None,
            how_met="referral" if referrer else None,
            notes=note,
        )
    )
    return msg.contact_added(contact, referrer)


async def _one(ctx: Context, name: str, retry: Callable[[str], str]) -> Contact:
    return await resolve_contact(ctx, name, None, retry, create=False)


# "Jane Doe company Acme", "Jane name Jane Smith": the first `company`/`name` after a name.
_FIX = re.compile(r"(?P<name>.+?)\s+(?P<field>company|name)(?:\s+(?P<value>.*))?", re.I)
_FIX_EXAMPLE = {"company": "contact Jane company Acme", "name": "contact Jane name Jane Smith"}


def _parse_contact(rest: str) -> dict[str, ArgValue]:
    fix = _FIX.fullmatch(rest.strip())
    if fix is None:
        return {"name": rest.strip() or None, "field": None, "value": None}
    value = (fix["value"] or "").strip() or None
    return {"name": fix["name"], "field": fix["field"].lower(), "value": value}


@command(
    "contact",
    Arg("name", ArgType.PERSON, "Who", required=True, autocomplete="contacts"),
    Arg("field", ArgType.CHOICE, "What to fix", choices=("company", "name")),
    Arg("value", ArgType.TEXT, "The right company or name"),
    usage="contact <name> [company <company> | name <new name>]",
    example="contact Jane Doe",
    category="people",
    parse=_parse_contact,
)
async def show_contact(cmd: Invocation, ctx: Context) -> Reply:
    """Your history with one person: stage, who referred them, what you did together.
    Fix a slip: `contact Jane company Acme` sets where they work,
    `contact Jane name Jane Smith` renames them."""
    name, field = cmd.text("name"), cmd.text("field")
    if not name:
        raise UserError(msg.CONTACT_WHO, "contact Jane Doe")
    if field is not None:
        return await _fix(ctx, name, field.lower(), cmd.text("value"))
    contact = await _one(ctx, name, lambda ref: f"contact {ref}")
    assert contact.id is not None
    history = await ctx.uow.activities.for_contact(ctx.member_id, contact.id, limit=10)
    referrer = (
        await ctx.uow.contacts.get(ctx.member_id, contact.referred_by_id)
        if contact.referred_by_id
        else None
    )
    owed = await ctx.uow.followups.open_for(ctx.member_id, contact.id)
    coming = await coming_with(ctx, contact.id)
    return msg.contact_card(
        contact, _STAGES[contact.stage], referrer, history, owed, ctx.tz, ctx.today(), coming
    )


def _parse_stage(rest: str) -> dict[str, ArgValue]:
    words = rest.split()
    if words and is_number(words[-1]):
        return {"name": " ".join(words[:-1]) or None, "stage": int(words[-1])}
    return {"name": rest or None, "stage": None}


@command(
    "contact stage",
    Arg("name", ArgType.PERSON, "Who", required=True, autocomplete="contacts"),
    Arg(
        "stage",
        ArgType.NUMBER,
        "1 in touch, 2 interested, 3 discussing real jobs",
        required=True,
        choices=("1", "2", "3"),
    ),
    usage="contact stage <name> <1|2|3>",
    example="contact stage Jane Doe 2",
    category="people",
    parse=_parse_stage,
)
async def set_stage(cmd: Invocation, ctx: Context) -> Reply:
    """Where a contact stands: 1 in touch, 2 interested, 3 discussing real jobs."""
    name, stage = cmd.text("name"), cmd.number("stage")
    if not name or stage not in _STAGES:
        raise UserError(msg.STAGE_HOW, "contact stage Jane Doe 2")
    contact = await _one(ctx, name, lambda ref: f"contact stage {ref} {stage}")
    contact.stage = stage
    await ctx.uow.contacts.update(contact)
    return Reply(
        body=(line(*who(contact), f" is now stage {stage}: {_STAGES[stage]}."),),
        next_step=line("Next: ", "ask ", UserText(contact.name), " who else you should meet."),
        actions=(Action("Log follow-up", f"log followup #{contact.number}"),),
    )


async def _fix(ctx: Context, name: str, field: str, value: str | None) -> Reply:
    example = _FIX_EXAMPLE.get(field)
    if example is None:
        raise UserError(msg.FIX_WHAT, _FIX_EXAMPLE["company"])
    if not value:
        raise UserError(msg.fix_needs_value(field, name), example)
    what = "A company name" if field == "company" else "A name"
    check_length(ctx, what, value, ctx.config.max_name, example)
    contact = await _one(ctx, name, lambda ref: f"contact {ref} {field} {value}")
    if field == "company":
        contact.company = value
        await ctx.uow.contacts.update(contact)
        return msg.company_fixed(contact)
    namesakes = await find_contact(ctx, value, None)
    other = next(
        (c for c in namesakes if same_text(c.name, value) and c.id != contact.id),
        None,
    )
    if other is not None:  # two cards for one person: that's a merge
        raise UserError(msg.name_taken(other), f"contact merge {contact.name} into {other.name}")
    old, contact.name = contact.name, value
    await ctx.uow.contacts.update(contact)
    return msg.renamed(old, contact)


MERGE_EXAMPLE = "contact merge Jane Doe into Jane Smith"
_INTO = re.compile(r"\s+into\s+", re.I)


def _parse_merge(rest: str) -> dict[str, ArgValue]:
    parts = _INTO.split(rest.strip(), maxsplit=1)
    source = parts[0].strip()
    target = parts[1].strip() if len(parts) > 1 else ""
    return {"source": source or None, "target": target or None}


@command(
    "contact merge",
    Arg("source", ArgType.PERSON, "The duplicate", required=True, autocomplete="contacts"),
    Arg("target", ArgType.PERSON, "The one to keep", required=True, autocomplete="contacts"),
    usage="contact merge <duplicate> into <contact to keep>",
    example=MERGE_EXAMPLE,
    category="people",
    parse=_parse_merge,
)
async def merge_contacts(cmd: Invocation, ctx: Context) -> Reply:
    """Two cards for one person: move everything onto the one you keep.
    History, follow-ups, meetings and referrals move; empty details are filled in."""
    src, dst = cmd.text("source"), cmd.text("target")
    if not src or not dst:
        raise UserError(msg.MERGE_HOW, MERGE_EXAMPLE)
    source = await _one(ctx, src, lambda ref: f"contact merge {ref} into {dst}")
    target = await _one(ctx, dst, lambda ref: f"contact merge #{source.number} into {ref}")
    if source.id == target.id:
        raise UserError(msg.merge_itself(source), MERGE_EXAMPLE)
    assert source.id is not None and target.id is not None
    kept = merged(target, source)
    await ctx.uow.contacts.reassign(ctx.member_id, source.id, target.id)
    await ctx.uow.contacts.update(kept)  # before the delete: its referrer may be `source`
    await ctx.uow.contacts.delete(ctx.member_id, source.id)
    return msg.contacts_merged(source, kept)


def merged(target: Contact, source: Contact) -> Contact:
    """`target` with its empty details filled from `source`, the higher stage, both notes."""
    notes = list(dict.fromkeys(n for n in (target.notes, source.notes) if n))
    referrers = (target.referred_by_id, source.referred_by_id)
    referrer = next((r for r in referrers if r not in (None, source.id, target.id)), None)
    return replace(
        target,
        company=target.company or source.company,
        role=target.role or source.role,
        how_met=target.how_met or source.how_met,
        referred_by_id=referrer,
        stage=max(target.stage, source.stage),
        notes=" · ".join(notes) or None,
    )
