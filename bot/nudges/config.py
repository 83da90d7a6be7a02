"""The nudge engine's knobs, with the defaults the product promises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta


@dataclass(frozen=True, slots=True)
class NudgeConfig:
    # Planning
    # Plan what falls due this soon; with the per-tick budget below, a wave of members
    # sharing a local time (18:30 across a continent) is spread over several ticks.
    horizon: timedelta = timedelta(minutes=5)
    cursor_batch: int = 100  # rows per transaction: short turns keep the loop answering
    # A tick stops taking new batches of cursors (and of follow-ups) past either budget;
    # the rest wait for the next tick, still ahead of their due time (the horizon).
    tick_budget: int = 2000
    tick_time: timedelta = timedelta(milliseconds=120)
    # ...except cursors falling due this soon (a dozen planner intervals): a wave bigger
    # than the budget allows over the horizon is planned in one longer tick, not late.
    urgent: timedelta = timedelta(minutes=1)
    evening: time = time(18, 30)  # streak-at-risk, in the member's zone, give or take
    evening_spread_min: int = 15  # minutes either side, by member: no thundering herd
    weekly_review_day: int = 4  # Friday
    weekly_review_time: time = time(16, 0)
    followup_cadence_days: tuple[int, ...] = (2, 4, 7)  # after due: then every 7
    prep_before: timedelta = timedelta(hours=24)
    debrief_after: timedelta = timedelta(hours=2)
    no_interview_working_days: int = 5
    pipeline_weekday: int = 0  # the thin-pipeline note comes with Monday's check-in
    pipeline_target: int = 6
    # New members and groups get cursors when created; this sweep is the safety net.
    seed_every: timedelta = timedelta(minutes=10)
    keep_finished: timedelta = timedelta(days=30)  # then sent/skipped rows are pruned
    # Dispatching
    grace: timedelta = timedelta(hours=2)  # later than this after due: skipped, not sent
    lease: timedelta = timedelta(seconds=60)
    # A lane (Discord, or a Slack workspace) holds what it can send within this; the rest
    # goes back for a later claim, or for the other processes sharing the platform, which
    # take it at their next tick (one interval): longer left them idle at a wave's start
    # and one process alone at its end (10 s gave three processes 0.84 of a workspace).
    keep_ahead: timedelta = timedelta(seconds=5)
    batch: int = 200
    # A tick that took on all that was due waits for what falls due this soon and sends it
    # on time, instead of leaving it to the next tick (up to an interval late).
    follow: timedelta = timedelta(seconds=5)
    merge_window: timedelta = timedelta(minutes=10)  # due together: one message
    daily_cap: int = 4  # nudges a member gets in one local day at most
    max_attempts: int = 5
    backoff_base: float = 2.0  # seconds; doubled each attempt, with full jitter
    backoff_cap: float = 300.0
