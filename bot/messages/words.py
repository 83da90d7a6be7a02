"""The buddy's consistent words (VOICE.md): the same word for the same thing everywhere."""

from __future__ import annotations

from bot.domain import Contact, FollowUpKind

FOLLOWUP_WORD = {
    FollowUpKind.THANKYOU: "thank-you",
    FollowUpKind.CHECKBACK: "check-back",
    FollowUpKind.LEAD: "first outreach",
    FollowUpKind.PLANNED: "follow-up",
}
# The 6-10 rule: things in the works a search should keep going at once.
TARGET_LOW, TARGET_HIGH = 6, 10


def ref(contact: Contact | None, company: str | None) -> str:
    """How a command names this person (or company) unambiguously."""
    if contact is not None:
        return f"#{contact.id}"
    return f"@{company}" if company else ""
