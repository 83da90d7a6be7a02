"""Finding or creating the contact a member names in a command."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from bot import messages as msg
from bot.context import Context
from bot.domain import Contact
from bot.errors import UserError
from bot.formatting import is_number
from bot.matching import candidate_prefix, match_contacts, same_text


@dataclass(frozen=True, slots=True)
class PhraseParts:
    """A command's parts, to write it again with the person made unambiguous."""

    head: str  # "log meeting"
    company: str | None = None
    via: str | None = None
    when: str | None = None
    note: str | None = None

    def with_person(self, person: str) -> str:
        out = [self.head, person]
        if self.company:
            out.append(f"@{self.company}")
        if self.via:
            out.append(f"via {self.via}")
        if self.when:
            out.append(self.when)
        if self.note:
            out.append(f"-- {self.note}")
        return " ".join(" ".join(out).split())


class AmbiguousContact(UserError):
    def __init__(self, query: str, candidates: list[Contact], retry: Callable[[str], str]) -> None:
        super().__init__(msg.which_contact(query), None)
        self.query = query
        self.candidates = candidates
        self.retry = retry


def check_length(ctx: Context, what: str, value: str | None, limit: int, example: str) -> None:
    if value is not None and len(value) > limit:
        raise UserError(msg.too_long(what, limit), example)


async def find_contact(ctx: Context, query: str, company: str | None) -> list[Contact]:
    """Contacts the query can mean; `#12` names one by the member's own number."""
    uow = ctx.uow
    if query.startswith("#") and is_number(query[1:]):
        found = await uow.contacts.by_number(ctx.member_id, int(query[1:]))
        return [found] if found else []
    candidates = await uow.contacts.starting_with(ctx.member_id, candidate_prefix(query))
    matches = match_contacts(query, candidates)
    if len(matches) > 1 and company:
        same = [c for c in matches if c.company and same_text(c.company, company)]
        matches = same or matches
    return matches


async def existing_contact(
    ctx: Context,
    query: str,
    company: str | None,
    retry: Callable[[str], str],
    among: Collection[int] | None = None,
) -> Contact | None:
    """The one existing contact `query` means, or None. Every command that names a
    person comes here, so every one of them asks when the name fits several people.
    `among` narrows the candidates first (say, to the people owed a follow-up)."""
    matches = await find_contact(ctx, query, company)
    if among is not None:
        matches = [c for c in matches if c.id in among]
    if len(matches) > 1:
        raise AmbiguousContact(query, matches, retry)
    return matches[0] if matches else None


async def resolve_contact(
    ctx: Context,
    query: str,
    company: str | None,
    retry: Callable[[str], str],
    create: bool = True,
    referred_by: Contact | None = None,
) -> Contact:
    """The one contact meant, created on the fly when new (`referred_by` that person:
    written in the same INSERT); asks when ambiguous."""
    check_length(ctx, "A name", query, ctx.config.max_name, retry("Jane Doe"))
    check_length(ctx, "A company name", company, ctx.config.max_name, retry("Jane"))
    contact = await existing_contact(ctx, query, company, retry)
    if contact is not None:
        if company and not contact.company:
            before = replace(contact)
            contact.company = company
            await ctx.uow.contacts.update(contact)
            ctx.journal.updated(before, contact)
        return contact
    if not create or query.startswith("#"):
        raise UserError(msg.no_such_contact(query), "contacts")
    new = Contact(member_id=ctx.member_id, name=query, company=company)
    if referred_by is not None:
        new.referred_by_id, new.how_met = referred_by.id, "referral"
    added = await ctx.uow.contacts.add(new)
    ctx.journal.added(added)
    return added


class _WithSomeone(Protocol):
    @property
    def contact_id(self) -> int | None: ...


async def contacts_of(ctx: Context, rows: Iterable[_WithSomeone]) -> dict[int, Contact]:
    """The contacts these follow-ups or meetings are with, by id, each read once."""
    out: dict[int, Contact] = {}
    for row in rows:
        if row.contact_id is not None and row.contact_id not in out:
            found = await ctx.uow.contacts.get(ctx.member_id, row.contact_id)
            if found is not None:
                out[row.contact_id] = found
    return out
