"""Replies about contacts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from bot.domain import (
    Activity,
    Contact,
    FollowUp,
    Meeting,
)
from bot.formatting import when_label, who
from bot.messages.meetings import meeting_word
from bot.messages.words import ACTIVITY_WORD, FOLLOWUP_WORD
from bot.replies import Action, Field, Line, Reply, Section, UserText, line

CONTACT_NEEDS_NAME = "Who should I add?"
CONTACT_WHO = "Whose history should I show?"
STAGE_HOW = "Give a name and a stage: 1 in touch, 2 interested, 3 discussing real jobs."


def no_contacts_matching(search: str) -> Line:
    return line("No contact matches `", UserText(search), "`.")


def no_contacts_yet() -> Reply:
    return Reply(
        body=(line("No contacts yet."),),
        next_step=line("Start with one person you could talk to: ", "`contact add Jane Doe @Acme`"),
    )


def contact_list(contacts: list[Contact], total: int) -> Reply:
    lines = tuple(line(f"#{c.number} ", *who(c), f" · stage {c.stage}") for c in contacts)
    more = (
        (line(f"…and {total - len(contacts)} more; `contacts <name>` narrows it."),)
        if total > len(contacts)
        else ()
    )
    return Reply(
        title=line(f"Your contacts ({total})"),
        body=(*lines, *more),
        next_step=line("Next: pick one you haven't talked to lately and send a note."),
    )


def contact_exists(contact: Contact) -> Reply:
    return Reply(
        body=(line("You already have ", *who(contact), f" (#{contact.number})."),),
        next_step=line("Next: ", f"`contact #{contact.number}`", " shows your history together."),
    )


def contact_added(contact: Contact, referrer: Contact | None) -> Reply:
    via: Line = line(", referred by ", UserText(referrer.name)) if referrer else ()
    return Reply(
        body=(line("Added ", *who(contact), *via, "."),),
        next_step=line("Next: reach out to ", UserText(contact.name), " and ask for 20 minutes."),
        actions=(Action("Log outreach", f"log outreach #{contact.number}", primary=True),),
    )


def contact_card(
    contact: Contact,
    stage: str,
    referrer: Contact | None,
    history: list[Activity],
    owed: list[FollowUp],
    tz: ZoneInfo,
    today: date,
    coming: Sequence[Meeting] = (),
) -> Reply:
    fields = [Field("Stage", line(f"{contact.stage} — {stage}"))]
    if contact.role:
        fields.append(Field("Role", line(UserText(contact.role))))
    if referrer:
        fields.append(Field("Referred by", line(UserText(referrer.name))))
    if contact.notes:
        fields.append(Field("Notes", line(UserText(contact.notes))))
    lines = tuple(
        line(
            when_label(a.occurred_at, tz, today, with_time=False),
            f" · {ACTIVITY_WORD[a.kind]}",
            *((" — ", UserText(a.note)) if a.note else ()),
        )
        for a in history
    )
    sections = [Section("History", lines or (line("Nothing logged yet."),))]
    if owed:
        sections.append(
            Section(
                "Owed",
                tuple(
                    line(f"#{f.number} {FOLLOWUP_WORD[f.kind]} due {when_label(f.due_at, tz, today)}")
                    for f in owed
                ),
            )
        )
    if coming:
        sections.append(
            Section(
                "Coming up",
                tuple(
                    line(f"#{m.number} {when_label(m.starts_at, tz, today)} · {meeting_word(m)}")
                    for m in coming
                ),
            )
        )
    if owed:
        step = line(
            "Next: send ", UserText(contact.name), " that ", FOLLOWUP_WORD[owed[0].kind], "."
        )
    else:
        step = line(
            "Next: when did you last hear from ",
            UserText(contact.name),
            "? A short note keeps it warm.",
        )
    return Reply(
        title=line(*who(contact)),
        fields=tuple(fields),
        sections=tuple(sections),
        next_step=step,
        actions=(Action("Log follow-up", f"log followup #{contact.number}"),),
    )


# Fixing a contact: `contact Jane company Acme`, `... name Jane Smith`, `contact merge`.
FIX_WHAT = "I can fix a contact's company or name."
MERGE_HOW = "Name the duplicate, then the contact to keep."


def fix_needs_value(field: str, name: str) -> Line:
    if field == "company":
        return line("Where does ", UserText(name), " work?")
    return line("What should ", UserText(name), " be called?")


def company_fixed(contact: Contact) -> Reply:
    return Reply(
        body=(line(UserText(contact.name), " is now at ", UserText(contact.company or ""), "."),),
        next_step=line(
            "Next: ask ", UserText(contact.name), " who else you should meet there."
        ),
        actions=(Action("Show contact", f"contact #{contact.number}"),),
    )


def name_taken(other: Contact) -> Line:
    return line(
        "You already have ", *who(other), " — if they're one person, merge the two cards."
    )


def renamed(old: str, contact: Contact) -> Reply:
    return Reply(
        body=(line("Renamed ", UserText(old), " to ", *who(contact), "."),),
        next_step=line("Next: when did you last hear from ", UserText(contact.name), "?"),
        actions=(Action("Show contact", f"contact #{contact.number}"),),
    )


def merge_itself(contact: Contact) -> Line:
    return line(
        "Both names lead to ", *who(contact), ": name the duplicate first, then the one to keep."
    )


def contacts_merged(source: Contact, kept: Contact) -> Reply:
    return Reply(
        body=(
            line(
                "Merged ",
                UserText(source.name),
                " into ",
                *who(kept),
                ": one card now holds your history, follow-ups and meetings.",
            ),
        ),
        next_step=line("Next: `contact ", UserText(kept.name), "` shows it all in one place."),
        actions=(Action("Show contact", f"contact #{kept.number}"),),
    )
