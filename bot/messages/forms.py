"""What the buddy says in a form (a Slack or Discord modal): labels for the kinds of step,
and errors shown next to the field they are about, so each says only what to change."""

from __future__ import annotations

from bot.domain import ActivityKind

__all__ = [
    "FORM_BAD_GOAL",
    "FORM_DATE_AHEAD",
    "FORM_KIND_LABELS",
    "FORM_LEAD_NEEDS_PERSON",
    "FORM_NEEDS_WHO",
    "FORM_NO_DAYS",
    "FORM_PICK_KIND",
    "FORM_UNAVAILABLE",
    "form_bad_date",
    "form_bad_quiet",
    "form_bad_time",
    "form_date_too_far",
    "form_too_long",
    "form_unknown_zone",
]

# The kinds of step as a form offers them: the buddy's words (words.py), with the
# two that need a word of explanation.
FORM_KIND_LABELS = {
    ActivityKind.MEETING: "Conversation (networking, informational)",
    ActivityKind.INTERVIEW: "Interview",
    ActivityKind.OUTREACH: "Outreach",
    ActivityKind.FOLLOWUP: "Follow-up",
    ActivityKind.THANKYOU: "Thank-you",
    ActivityKind.REFERRAL: "Lead (someone referred you)",
    ActivityKind.APPLICATION: "Application",
    ActivityKind.OFFER: "Offer",
}
FORM_PICK_KIND = "Pick what happened."
FORM_NEEDS_WHO = "Add who it was with, or just the company."
FORM_LEAD_NEEDS_PERSON = "Add who the lead is — you'll reach out to them yourself."
FORM_DATE_AHEAD = "That's still ahead — schedule it instead, and log it once it happened."
FORM_NO_DAYS = "Pick at least one working day."
FORM_UNAVAILABLE = "The form didn't open in time — say it in a sentence instead."
FORM_BAD_GOAL = "A weekly goal is a number of conversations from 1 to 50."


def form_bad_date(text: str) -> str:
    return f"I couldn't read “{text}” as a date. Try today, yesterday or tue 3pm."


def form_date_too_far(text: str) -> str:
    return f"“{text}” is too far off: dates go up to a year back."


def form_too_long(what: str, limit: int) -> str:
    return f"{what} can be at most {limit} characters."


def form_unknown_zone(text: str, close: str | None) -> str:
    hint = f"Did you mean {close}?" if close else "Use an Area/City name, like Europe/London."
    return f"I don't know the timezone “{text}”. {hint}"


def form_bad_time(text: str) -> str:
    return f"I couldn't read “{text}” as a time of day. Try 09:30."


def form_bad_quiet(text: str) -> str:
    return f"I couldn't read “{text}” as quiet hours. Try 21:00-08:00, or leave it empty."
