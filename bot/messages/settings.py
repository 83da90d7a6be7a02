"""Settings, pauses and landing."""

from __future__ import annotations

from datetime import date, time, timedelta

from bot.domain import (
    Member,
)
from bot.formatting import day_label, plural
from bot.messages.words import DAY_NAMES
from bot.nudges.model import NudgeKind
from bot.replies import Field, Line, Reply, UserText, line

WHICH_ZONE = "Which timezone? Use an Area/City name."
BAD_GOAL = "A weekly goal is a number of conversations from 1 to 50."
NUDGES_HOW = "Nudges are `on` or `off`, all of them or one kind."
# The words members use for each kind of nudge (`nudges off streak`).
NUDGE_WORDS = {
    "check-in": NudgeKind.CHECKIN.value,
    "follow-up": NudgeKind.FOLLOWUP.value,
    "lead": NudgeKind.LEAD.value,
    "prep": NudgeKind.PREP.value,
    "debrief": NudgeKind.DEBRIEF.value,
    "interview": NudgeKind.NO_INTERVIEW.value,
    "pipeline": NudgeKind.PIPELINE.value,
    "streak": NudgeKind.STREAK_RISK.value,
    "weekly": NudgeKind.WEEKLY_REVIEW.value,
    "summary": NudgeKind.ADMIN_SUMMARY.value,
}
# Other spellings people type for the same nudge words.
_NUDGE_ALIASES = {
    "checkin": "check-in",
    "checkins": "check-in",
    "check-ins": "check-in",
    "followup": "follow-up",
    "followups": "follow-up",
    "follow-ups": "follow-up",
    "leads": "lead",
    "interviews": "interview",
    "streaks": "streak",
}


def nudge_word(typed: str) -> str | None:
    """The nudge word `typed` means ("checkin" is "check-in"), or None."""
    word = typed.strip().lower()
    word = _NUDGE_ALIASES.get(word, word)
    return word if word in NUDGE_WORDS else None


BAD_PAUSE = "A pause is 1 to 90 days: a number of days, or until a date ahead."


def unknown_zone(zone: str) -> Line:
    return line("I don't know the timezone `", UserText(zone), "`.")


def _unread(text: str, what: str) -> Line:
    if not text.strip():  # nothing typed: say what is missing, not "I couldn't read ``"
        return line(f"Add {what}.")
    return line("I couldn't read `", UserText(text), f"` as {what}.")


def bad_time(text: str) -> Line:
    return _unread(text, "a time of day")


def bad_days(text: str) -> Line:
    return _unread(text, "working days")


def bad_quiet(text: str) -> Line:
    return _unread(text, "quiet hours")


def unknown_setting(word: str, names: list[str]) -> Line:
    return line("I don't know the setting `", UserText(word), f"`. Settings: {', '.join(names)}.")


def checkin_in_quiet(saved: str, checkin: time, start: time, end: time) -> Reply:
    """Saved, but the daily check-in falls inside the quiet hours: it waits for their end."""
    return Reply(
        body=(
            line(saved),
            line(
                f"Heads-up: your {checkin:%H:%M} check-in falls in your quiet hours "
                f"({start:%H:%M}–{end:%H:%M}), so it will come at {end:%H:%M} instead."
            ),
        ),
        next_step=line(f"Next: pick its time yourself, like `settings checkin {end:%H:%M}`."),
    )


def _nudges_state(m: Member) -> str:
    if not m.nudges_enabled:
        return "off"
    off = [word for word, kind in NUDGE_WORDS.items() if kind in m.nudges_off]
    return f"on (off: {', '.join(off)})" if off else "on"


def settings(m: Member) -> Reply:
    quiet = (
        f"{m.quiet_start.strftime('%H:%M')}–{m.quiet_end.strftime('%H:%M')}"
        if m.quiet_start and m.quiet_end
        else "off"
    )
    fields = (
        Field("Timezone", line(m.timezone)),
        Field("Check-in", line(m.checkin_time.strftime("%H:%M"))),
        Field("Working days", line(", ".join(DAY_NAMES[d] for d in sorted(m.working_days)))),
        Field("Quiet hours", line(quiet)),
        Field("Weekly goal", line(plural(m.weekly_goal, "conversation"))),
        Field("Nudges", line(_nudges_state(m))),
        Field(
            "Status",
            line(
                m.status.value
                + (
                    f", paused; back on {(m.paused_until + timedelta(days=1)).isoformat()}"
                    if m.paused_until
                    else ""
                )
            ),
        ),
    )
    return Reply(
        title=line("Your settings"),
        fields=fields,
        next_step=line("Change one with e.g. `settings checkin 09:30`."),
    )


def setting_saved(text: str) -> Reply:
    return Reply(body=(line(text),), next_step=line("Next: `next` shows what to do today."))


def nudges_set(on: bool) -> Reply:
    if on:
        return Reply(
            body=(line("Nudges on. I'll check in on your working days."),),
            next_step=line("Next: `next` shows what to do today."),
        )
    return Reply(
        body=(line("Nudges off. I won't message you unless you ask."),),
        next_step=line("Turn them back on any time: `nudges on`."),
    )


def paused(back: date, today: date) -> Reply:
    return Reply(
        body=(
            line(f"Paused until {day_label(back, today)}. Your streak waits for you — rest well."),
        ),
        next_step=line("Back early? `resume`."),
    )


def not_paused() -> Reply:
    return Reply(
        body=(line("You're not paused."),), next_step=line("Next: `next` shows what to do today.")
    )


def resumed() -> Reply:
    return Reply(
        body=(line("Welcome back!"),),
        next_step=line("Next: one message to someone you've met is a great restart."),
    )


def landed() -> Reply:
    return Reply(
        body=(line("Congratulations — you landed! Your streak is kept and the clock is stopped."),),
        next_step=line("Next: thank the people who helped you; keep your network warm."),
    )


def already_landed() -> Reply:
    return Reply(
        body=(line("You already landed — congratulations again."),),
        next_step=line("Searching again? `resume`."),
    )


def unknown_nudge_kind(word: str) -> Line:
    kinds = ", ".join(NUDGE_WORDS)
    return line("I don't know the nudge `", UserText(word), f"`. Kinds: {kinds}.")


def nudge_kind_set(word: str, on: bool, all_on: bool) -> Reply:
    state = "on" if on else "off"
    body = [line(f"`{word}` nudges {state}.")]
    if on and not all_on:
        body.append(line("All nudges are still off: `nudges on` turns them back on."))
    return Reply(
        body=tuple(body),
        next_step=line(f"Change it back any time: `nudges {'off' if on else 'on'} {word}`."),
    )
