"""Weekly points for a group: what members control, conversations and follow-ups first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain import ActivityKind

POINTS: dict[ActivityKind, int] = {
    ActivityKind.MEETING: 5,
    ActivityKind.INTERVIEW: 5,
    ActivityKind.FOLLOWUP: 3,
    ActivityKind.THANKYOU: 3,
    ActivityKind.OUTREACH: 2,
    ActivityKind.REFERRAL: 1,
    ActivityKind.APPLICATION: 1,
    ActivityKind.OFFER: 0,  # an outcome, not an action; celebrated, not scored
}
# Scored at most once per contact (or company) a day: the board rewards real follow-ups,
# not the same one sent four times. `stats` still counts every one.
ONCE_A_DAY = frozenset({ActivityKind.FOLLOWUP, ActivityKind.THANKYOU})


def points(counts: Mapping[ActivityKind, int]) -> int:
    return sum(POINTS.get(kind, 0) * n for kind, n in counts.items())


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    member_id: int
    name: str
    points: int
    conversations: int
    followups: int


def rank(rows: list[tuple[int, str, Mapping[ActivityKind, int]]]) -> list[Standing]:
    """Competition ranking (1, 1, 3): ties share a rank; order by points, then name."""
    scored = sorted(
        ((points(c), name, mid, c) for mid, name, c in rows),
        key=lambda r: (-r[0], r[1].lower(), r[2]),
    )
    out: list[Standing] = []
    for i, (pts, name, mid, counts) in enumerate(scored):
        shared = out and out[-1].points == pts
        out.append(
            Standing(
                rank=out[-1].rank if shared else i + 1,
                member_id=mid,
                name=name,
                points=pts,
                conversations=counts.get(ActivityKind.MEETING, 0)
                + counts.get(ActivityKind.INTERVIEW, 0),
                followups=counts.get(ActivityKind.FOLLOWUP, 0)
                + counts.get(ActivityKind.THANKYOU, 0),
            )
        )
    return out
