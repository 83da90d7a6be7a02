"""Things in the works against the 6–10 rule: `pipeline`, `opportunity add`, `opportunity`."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import messages as msg
from bot.commands import Arg, ArgType, ArgValue, Invocation, command
from bot.context import Context
from bot.domain import IN_THE_WORKS, Opportunity, OpportunityStage
from bot.errors import UserError
from bot.people import check_length
from bot.replies import Reply

WARM_DAYS = 30  # untouched longer than this, an opportunity has gone cold
_STAGES = tuple(s.value for s in OpportunityStage)


def in_the_works(opps: list[Opportunity], now: datetime) -> list[Opportunity]:
    cutoff = now - timedelta(days=WARM_DAYS)
    return [o for o in opps if o.stage in IN_THE_WORKS and (o.updated_at or now) >= cutoff]


@command("pipeline", usage="pipeline", example="pipeline", category="progress", reads_only=True)
async def pipeline(cmd: Invocation, ctx: Context) -> Reply:
    """Your things in the works, measured against the 6–10 rule."""
    opps = await ctx.uow.opportunities.all(ctx.member_id)
    warm = in_the_works(opps, ctx.now())
    return msg.pipeline(opps, warm, ctx.tz, ctx.today())


def _parse_add(rest: str) -> dict[str, ArgValue]:
    org, _, role = rest.partition(" -- ")
    if not role and " as " in org:
        org, _, role = org.partition(" as ")
    return {"organisation": org.strip().lstrip("@") or None, "role": role.strip() or None}


@command(
    "opportunity add",
    Arg("organisation", ArgType.COMPANY, "Organisation", required=True, autocomplete="companies"),
    Arg("role", ArgType.TEXT, "Role"),
    usage="opportunity add <organisation> [as <role>]",
    example="opportunity add Acme as data analyst",
    category="progress",
    parse=_parse_add,
)
async def add_opportunity(cmd: Invocation, ctx: Context) -> Reply:
    """Put an organisation on your list of things in the works."""
    org, role = cmd.text("organisation"), cmd.text("role")
    example = "opportunity add Acme as data analyst"
    if not org:
        raise UserError(msg.OPPORTUNITY_WHERE, example)
    check_length(ctx, "An organisation", org, ctx.config.max_name, example)
    check_length(ctx, "A role", role, ctx.config.max_name, example)
    if await ctx.uow.opportunities.by_organisation(ctx.member_id, org):
        raise UserError(msg.opportunity_exists(org), f"opportunity {org} interviewing")
    opp = await ctx.uow.opportunities.add(
        Opportunity(member_id=ctx.member_id, organisation=org, role=role, updated_at=ctx.now())
    )
    warm = in_the_works(await ctx.uow.opportunities.all(ctx.member_id), ctx.now())
    return msg.opportunity_added(opp, len(warm))


def _parse_stage(rest: str) -> dict[str, ArgValue]:
    words = rest.split()
    if len(words) >= 2 and words[-1].lower() in _STAGES:
        return {"organisation": " ".join(words[:-1]).lstrip("@"), "stage": words[-1].lower()}
    return {"organisation": rest.lstrip("@") or None, "stage": None}


@command(
    "opportunity",
    Arg("organisation", ArgType.COMPANY, "Organisation", required=True, autocomplete="companies"),
    Arg("stage", ArgType.CHOICE, "Stage", required=True, choices=_STAGES),
    usage=f"opportunity <organisation> <{'|'.join(_STAGES)}>",
    example="opportunity Acme interviewing",
    category="progress",
    parse=_parse_stage,
)
async def move_opportunity(cmd: Invocation, ctx: Context) -> Reply:
    """Move an opportunity along: target, contacted, conversation, interviewing, offer, closed."""
    org, stage = cmd.text("organisation"), cmd.text("stage")
    if not org or stage not in _STAGES:
        raise UserError(msg.OPPORTUNITY_STAGE_HOW, "opportunity Acme interviewing")
    opp = await ctx.uow.opportunities.by_organisation(ctx.member_id, org)
    if opp is None:
        raise UserError(msg.no_opportunity(org), f"opportunity add {org}")
    opp.stage, opp.updated_at = OpportunityStage(stage), ctx.now()
    await ctx.uow.opportunities.update(opp)
    warm = in_the_works(await ctx.uow.opportunities.all(ctx.member_id), ctx.now())
    return msg.opportunity_moved(opp, len(warm))
