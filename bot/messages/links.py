"""One member on several platforms: link codes, linking, unlinking, where nudges go."""

from __future__ import annotations

from collections.abc import Iterable

from bot.messages.errors import error
from bot.replies import Line, Reply, UserText, line

_PLATFORM_WORDS = {"slack": "Slack", "discord": "Discord", "console": "the console"}
NUDGE_PLACE_HOW = "Nudges go to one platform: `slack`, `discord`, or `auto` (where you last wrote)."


def platform_word(platform: str) -> str:
    return _PLATFORM_WORDS.get(platform, platform.capitalize())


def _platforms(platforms: Iterable[str]) -> str:
    words = list(dict.fromkeys(platform_word(p) for p in platforms))
    return " and ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " and " + words[-1]


def link_code(code: str, minutes: int, in_channel: bool) -> Reply:
    body = [
        line("Your link code: ", code),
        line(f"Type `link {code}` to me on your other platform within {minutes} minutes."),
    ]
    if in_channel:
        body.append(line("Only you can see this; keep the code to yourself."))
    return Reply(
        body=tuple(body),
        next_step=line("Next: open your other platform and send me that `link` line."),
    )


def link_wrong_code(typed: str) -> Reply:
    return error(
        line("`", UserText(typed), "` isn't a link code I gave. Check it, or get a new one."),
        "link",
    )


def link_code_expired() -> Reply:
    return error("That code has expired (codes last 10 minutes). Get a fresh one.", "link")


def link_code_used() -> Reply:
    return error("That code was already used. Each code links once; get a new one.", "link")


def link_locked(minutes: int) -> Reply:
    return error(
        f"Too many wrong codes. Wait {minutes} min, then get a fresh code with `link`.", "link"
    )


def link_own_code() -> Reply:
    return error(
        "That's the code you just asked for here. Type it on your other platform instead.",
        "link CODE",
    )


def already_linked(platforms: Iterable[str]) -> Reply:
    return Reply(
        body=(line(f"You're already one member on {_platforms(platforms)}."),),
        next_step=line("Next: `streak` shows your streak, counted over all of them."),
    )


def linked(platforms: Iterable[str], kept_from: Iterable[str]) -> Reply:
    return Reply(
        body=(
            line(f"Linked: you're one member now on {_platforms(platforms)}."),
            line(
                f"I kept the settings from your {_platforms(kept_from)} (the one that joined "
                "first); contacts, steps and follow-ups are together, and contacts moved "
                "over got new numbers."
            ),
        ),
        next_step=line("Next: `streak` shows your streak, counted over both."),
    )


def nothing_to_unlink() -> Reply:
    return Reply(
        body=(line("Nothing to unlink: this is your only identity with me."),),
        next_step=line("Want Slack and Discord as one? Type `link` on either."),
    )


def unlinked(others: Iterable[str]) -> Reply:
    return Reply(
        body=(
            line("Unlinked. Everything you logged stays here."),
            line(
                f"Your {_platforms(others)} starts over as a member of its own, "
                "with a copy of your settings."
            ),
        ),
        next_step=line("Changed your mind? `link` joins them again."),
    )


def nudges_go_to(platform: str) -> Reply:
    return Reply(
        body=(line(f"Your nudges go to {platform_word(platform)} now, and only there."),),
        next_step=line("Back to wherever you last wrote: `settings nudges auto`."),
    )


def nudges_go_auto() -> Reply:
    return Reply(
        body=(line("Your nudges go wherever you last wrote to me."),),
        next_step=line("Pick one platform any time, e.g. `settings nudges slack`."),
    )


def not_on_platform(platform: str) -> Line:
    return line(f"You're not linked on {platform_word(platform)} yet.")
