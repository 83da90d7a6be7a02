"""Things in the works against the 6–10 rule."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.domain import Opportunity, OpportunityStage
from bot.messages.words import TARGET_HIGH, TARGET_LOW
from bot.replies import Line, Reply, Section, UserText, line

OPPORTUNITY_WHERE = "Which organisation?"
OPPORTUNITY_STAGE_HOW = "Give an organisation and a stage: target, contacted, conversation, interviewing, offer or closed."


def opportunity_exists(org: str) -> Line:
    return line(UserText(org), " is already on your list; move it along with a stage instead.")


def no_opportunity(org: str) -> Line:
    return line(UserText(org), " isn't on your list yet.")


def works_line(n: int) -> Line:
    if n < TARGET_LOW:
        return line(
            f"You have {n} {'thing' if n == 1 else 'things'} in the works; aim for {TARGET_LOW} to {TARGET_HIGH}."
        )
    if n <= TARGET_HIGH:
        return line(f"{n} things in the works — right in the {TARGET_LOW}–{TARGET_HIGH} zone.")
    return line(f"{n} things in the works — more than {TARGET_HIGH}; keep the warmest ones moving.")


def pipeline(opps: list[Opportunity], warm: list[Opportunity], tz: ZoneInfo, today: date) -> Reply:
    if not opps:
        return Reply(
            body=(works_line(0),),
            next_step=line(
                "Next: name one organisation you'd like to work for: ", "`opportunity add Acme`"
            ),
        )
    warm_ids = {o.id for o in warm}
    by_stage: dict[str, list[Line]] = {}
    for o in opps:
        tag = "" if o.id in warm_ids or o.stage.value in ("target", "closed") else " (gone cold)"
        role: Line = line(" — ", UserText(o.role)) if o.role else ()
        by_stage.setdefault(o.stage.value, []).append(line(UserText(o.organisation), *role, tag))
    # The funnel's order, target to offer, then closed.
    sections = tuple(
        Section(stage.value.capitalize(), tuple(by_stage[stage.value]))
        for stage in OpportunityStage
        if stage.value in by_stage
    )
    step = (
        line("Next: who could you talk to at a company on your list?")
        if len(warm) < TARGET_LOW
        else line("Next: move the warmest one forward with a follow-up today.")
    )
    return Reply(
        title=line("Things in the works"),
        body=(works_line(len(warm)),),
        sections=sections,
        next_step=step,
    )


def opportunity_added(opp: Opportunity, warm: int) -> Reply:
    return Reply(
        body=(
            line(
                "Added ",
                UserText(opp.organisation),
                " to your targets; it counts as in the works once you're in touch.",
            ),
            works_line(warm),
        ),
        next_step=line("Next: find one person at ", UserText(opp.organisation), " to talk to."),
    )


def opportunity_moved(opp: Opportunity, warm: int) -> Reply:
    return Reply(
        body=(line(UserText(opp.organisation), f" is now at {opp.stage.value}."), works_line(warm)),
        next_step=_after_move(opp),
    )


def _after_move(opp: Opportunity) -> Line:
    if opp.stage is OpportunityStage.CLOSED:
        return line(
            "Closed doors still open others: ask your contact there who else you should meet."
        )
    if opp.stage is OpportunityStage.OFFER:
        return line(
            "Congratulations! Next: thank everyone who helped, then `landed` when you accept."
        )
    return line("Next: a follow-up with your contact there keeps it moving.")
