"""What the buddy says only on Discord: a press or a form that failed, the Log a
conversation modal's title, and the one-line description of a slash-command family."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "DISCORD_FORM_GONE",
    "DISCORD_FORM_TITLES",
    "DISCORD_PRESS_FAILED",
    "DISCORD_SETUP_NEEDS_MANAGE",
    "discord_group_description",
]

DISCORD_PRESS_FAILED = (
    "That didn't go through on my side, and nothing was saved. Press it again in a moment."
)
DISCORD_SETUP_NEEDS_MANAGE = (
    "Only members who can manage this server can make a channel a group. "
    "Next: ask a server admin to run `/group setup` here."
)
DISCORD_FORM_GONE = "That form isn't here any more — use the slash command with its options."
# A modal's title (Discord shows at most 45 characters); other forms use their summary.
DISCORD_FORM_TITLES = {"log": "Log a conversation"}


def discord_group_description(name: str, subcommands: Sequence[str]) -> str:
    """"Contact: show, add, stage, merge." — what a family's subcommands are."""
    return f"{name.capitalize()}: {', '.join(subcommands)}."
