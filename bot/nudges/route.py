"""Where a member's nudge goes: one identity, never several.

The platform they chose with `settings nudges`, else the identity they last wrote from;
an identity whose platform this process cannot deliver to is passed over for the next.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.domain import Identity, Member


def destination(
    member: Member, by_use: Sequence[Identity], platforms: Collection[str]
) -> Identity | None:
    """`by_use`: the member's identities, the one they last wrote from first."""
    reachable = [i for i in by_use if i.platform in platforms]
    chosen = [i for i in reachable if i.platform == member.nudge_platform]
    found = chosen or reachable
    return found[0] if found else None
