"""Export, forget me, and help."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.commands import CommandSpec
from bot.formatting import plural
from bot.replies import Action, File, Line, Reply, Section, line


def exported(files: tuple[File, ...], contacts: int, activities: int) -> Reply:
    return Reply(
        body=(
            line(
                f"Here's everything: {plural(contacts, 'contact')}, {plural(activities, 'logged step')}."
            ),
        ),
        files=files,
        next_step=line("Next: `next` shows what to do today."),
    )


def confirm_forget() -> Reply:
    return Reply(
        body=(
            line(
                "This deletes everything I hold about you — contacts, log, follow-ups, groups. It can't be undone."
            ),
        ),
        next_step=line(
            "Answer `yes` to delete, or `no` to keep it all. "
            "Want a copy first? `export`, then `forget me` again."
        ),
        actions=(Action("Yes, delete", "yes"), Action("No, keep", "no", primary=True)),
    )


def forgotten() -> Reply:
    return Reply(
        body=(line("Done — everything about you is deleted."),),
        next_step=line("Good luck out there. If you come back, just say hi."),
    )


def nothing_to_confirm() -> Reply:
    return Reply(
        body=(line("There's nothing to confirm: I haven't asked you anything."),),
        next_step=line("Next: `next` shows what to do today."),
    )


def cancelled() -> Reply:
    return Reply(
        body=(line("Kept everything."),), next_step=line("Next: `next` shows what to do today.")
    )


# What each pending question (its action) was about, for the line saying it lapsed.
_ASKED_ABOUT = {"forget": "deleting your data"}


def question_dropped(reply: Reply, action: str) -> Reply:
    """`reply`, saying first that the question awaiting an answer lapsed."""
    about = _ASKED_ABOUT.get(action)
    note = f"(I dropped the question about {about}.)" if about else "(I dropped my question.)"
    return replace(reply, body=(line(note), *reply.body))


def help_all(by_category: Mapping[str, list[CommandSpec]]) -> Reply:
    sections = tuple(
        Section(cat.capitalize(), tuple(line(f"`{s.usage}` — {s.summary}") for s in specs))
        for cat, specs in by_category.items()
        if specs
    )
    return Reply(
        title=line("What I can do"),
        sections=sections,
        next_step=line("Start with what you did today: `met Jane from Acme yesterday`."),
    )


def help_for(specs: list[CommandSpec]) -> Reply:
    body: list[Line] = []
    for s in specs:
        body.append(line(f"`{s.usage}` — {s.summary}"))
        if s.details:
            body.append(line(s.details.replace("\n", " ")))
    return Reply(body=tuple(body), next_step=line("Try: ", f"`{specs[0].example}`"))
