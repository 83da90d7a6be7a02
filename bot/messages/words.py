"""The buddy's consistent words (VOICE.md): the same word for the same thing everywhere."""

from __future__ import annotations

from bot.domain import ActivityKind, Contact, FollowUpKind

# Days as the command language writes them (`settings days mon,tue`), Monday first.
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

FOLLOWUP_WORD = {
    FollowUpKind.THANKYOU: "thank-you",
    FollowUpKind.CHECKBACK: "check-back",
    FollowUpKind.LEAD: "first outreach",
    FollowUpKind.PLANNED: "follow-up",
}
# A logged step as members read it: one ("yesterday · conversation"), and a count of them.
ACTIVITY_WORD = {
    ActivityKind.OUTREACH: "outreach",
    ActivityKind.MEETING: "conversation",
    ActivityKind.INTERVIEW: "interview",
    ActivityKind.FOLLOWUP: "follow-up",
    ActivityKind.THANKYOU: "thank-you",
    ActivityKind.REFERRAL: "lead",
    ActivityKind.APPLICATION: "application",
    ActivityKind.OFFER: "offer",
}
ACTIVITY_WORDS = {
    ActivityKind.OUTREACH: "outreach",
    ActivityKind.MEETING: "conversations",
    ActivityKind.INTERVIEW: "interviews",
    ActivityKind.FOLLOWUP: "follow-ups",
    ActivityKind.THANKYOU: "thank-yous",
    ActivityKind.REFERRAL: "leads",
    ActivityKind.APPLICATION: "applications",
    ActivityKind.OFFER: "offers",
}
# The 6-10 rule: things in the works a search should keep going at once.
TARGET_LOW, TARGET_HIGH = 6, 10


def ref(contact: Contact | None, company: str | None) -> str:
    """How a command names this person (or company) unambiguously."""
    if contact is not None:
        return f"#{contact.number}"
    return f"@{company}" if company else ""
