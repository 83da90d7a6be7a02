"""Rows for deliveries against a rate limit: the delivered rate as a ratio of the allowed
one, and each delivery's lateness against the ideal schedule (the i-th at t0 + i / R).
Shared by the dispatcher's sink and the Slack and Discord fan-outs."""

from __future__ import annotations

from tests.bench.scenarios import Row

TARGET = ">= 0.9 R, none lost or twice"


def rate_row(db: str, figure: str, times: list[float], allowed: float, ok: bool) -> Row:
    """`times`: when each delivery landed, in order; `ok`: none lost, twice or refused
    beyond what the figure allows. The row's samples are the span, its ratio rate / R."""
    span = times[-1] - times[0] if len(times) > 1 else float("inf")
    row = Row(db, figure, [span])
    row.ratio = (len(times) - 1) / span / allowed
    row.target = TARGET
    row.ok = ok and row.ratio >= 0.9
    return row


def lateness_row(db: str, figure: str, times: list[float], t0: float, allowed: float) -> Row:
    late = [max(0.0, t - (t0 + i / allowed)) for i, t in enumerate(times)]
    return Row(db, figure, late or [float("inf")])
