"""Contacts, private to their member: `contacts`, `contact add`, `contact`, `contact stage`."""

from __future__ import annotations

from collections.abc import Callable

from bot import messages as msg
from bot.commands import Arg, ArgType, ArgValue, Invocation, command
from bot.context import Context
from bot.domain import Contact
from bot.errors import UserError
from bot.formatting import is_number, who
from bot.handlers.meetings import coming_with
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
    if any(c.name.lower() == name.lower() for c in existing):
        same = next(c for c in existing if c.name.lower() == name.lower())
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


@command(
    "contact",
    Arg("name", ArgType.PERSON, "Who", required=True, autocomplete="contacts"),
    usage="contact <name>",
    example="contact Jane Doe",
    category="people",
)
async def show_contact(cmd: Invocation, ctx: Context) -> Reply:
    """Your history with one person: stage, who referred them, what you did together."""
    name = cmd.text("name")
    if not name:
        raise UserError(msg.CONTACT_WHO, "contact Jane Doe")
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
        actions=(Action("Log follow-up", f"log followup #{contact.id}"),),
    )
