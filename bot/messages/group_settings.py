"""How a group is run: its settings, when it posts, and who its admins are."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import Group
from bot.replies import Action, Field, Line, Reply, Segment, UserText, line

ADMINS_SET_RHYTHM = "Only the group's admins can change when it posts."
ADMINS_NAME_ADMINS = "Only the group's admins can make or remove admins."
POST_WHEN = "When should the weekly leaderboard go out? Give a day and a time."
ADMIN_WHO = "Whom should I make an admin? Give a member's name."
_WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def _names(names: list[str]) -> list[Segment]:
    out: list[Segment] = []
    for i, name in enumerate(names):
        out += [", "] if i else []
        out.append(UserText(name))
    return out


def unknown_group_command(typed: str, close: str | None) -> Line:
    if close:
        return line("I don't know `", UserText(typed), f"` — did you mean `{close}`?")
    return line("I don't know `", UserText(typed), "`. `help group` lists the group commands.")


def bad_weekday(text: str) -> Line:
    return line("I couldn't read `", UserText(text), "` as a day of the week.")


def _post_time(group: Group) -> str:
    return f"{_WEEKDAYS[group.leaderboard_weekday]} at {group.leaderboard_time.strftime('%H:%M')}"


def _next_post(at: datetime, group: Group) -> str:
    return at.astimezone(ZoneInfo(group.timezone)).strftime("%a %d %b, %H:%M")


def group_settings(
    group: Group, members: int, admins: list[str], next_post: datetime, is_admin: bool
) -> Reply:
    fields = (
        Field("Timezone", line(group.timezone)),
        Field(
            "Weekly leaderboard",
            line(f"{_post_time(group)} (next: {_next_post(next_post, group)})"),
        ),
        Field("Members", line(str(members))),
        Field(
            "Admins", line(*_names(admins)) if admins else line("none — `group join` makes you one")
        ),
    )
    step = (
        line("Change when it posts: `group post fri 16:00` or `group timezone Europe/London`.")
        if is_admin
        else line("Next: `leaderboard` shows this week so far.")
    )
    return Reply(title=line("Group: ", UserText(group.name)), fields=fields, next_step=step)


def post_moved(group: Group, next_post: datetime) -> Reply:
    return Reply(
        body=(
            line(
                f"The weekly leaderboard now goes out {_post_time(group)}, {group.timezone} time.",
            ),
        ),
        next_step=line(f"Next post: {_next_post(next_post, group)}. `group` shows every setting."),
    )


# --- admins -----------------------------------------------------------------------------


def admins_list(group: Group, admins: list[str], coaches: list[str], is_admin: bool) -> Reply:
    body = [line("Admins of ", UserText(group.name), ": ", *_names(admins), ".")]
    if coaches:
        body.append(line("Coaching, not searching: ", *_names(coaches), "."))
    step = (
        line("Share the work: `group admin <name>` makes another member an admin.")
        if is_admin
        else line("Next: `leaderboard` shows this week so far.")
    )
    return Reply(body=tuple(body), next_step=step)


def admin_added(name: str, group: Group) -> Reply:
    return Reply(
        body=(
            line(
                UserText(name),
                " is now an admin of ",
                UserText(group.name),
                ": the report, the weekly summary and the group's settings.",
            ),
        ),
        next_step=line("Next: `group admins` lists who runs the group."),
    )


def already_admin(name: str) -> Reply:
    return Reply(
        body=(line(UserText(name), " is already an admin."),),
        next_step=line("Next: `group admins` lists who runs the group."),
    )


def admin_removed(name: str, group: Group, yourself: bool) -> Reply:
    who: Line = line("You're") if yourself else line(UserText(name), " is")
    return Reply(
        body=(line(*who, " no longer an admin of ", UserText(group.name), "."),),
        next_step=line("Next: `group admins` lists who runs the group."),
    )


def not_an_admin(name: str) -> Line:
    return line(UserText(name), " isn't an admin.")


ONLY_ADMIN = "You're the group's only admin — make someone else an admin first."


def last_admin_leaving(group: Group) -> Line:
    return line(
        "You're the only admin of ",
        UserText(group.name),
        " — hand it over before you leave, so the group keeps its coach.",
    )


def no_member_named(text: str) -> Line:
    return line("No one in this group goes by `", UserText(text), "`.")


def which_member(text: str, names: list[str], commands: list[str]) -> Reply:
    return Reply(
        body=(line("Which ", UserText(text), " did you mean?"),),
        next_step=line("Pick one, or type the full name: `", UserText(commands[0]), "`"),
        actions=tuple(Action(n, c) for n, c in zip(names[:5], commands[:5], strict=False)),
        is_error=True,
    )
