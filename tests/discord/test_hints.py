"""The core's text-command hints shown on Discord as the slash commands that do the same."""

from __future__ import annotations

from adapters.discord.hints import slash_form, slash_hints
from adapters.discord.render import markdown
from bot.replies import UserText, line


def test_hints_read_by_the_core_become_slash_commands_in_option_order() -> None:
    assert slash_form("settings timezone America/Chicago") == "/settings timezone:America/Chicago"
    assert slash_form("met Jane from Acme yesterday") == (
        "/log kind:meeting person:Jane company:Acme when:yesterday"
    )
    assert slash_form("snooze 3 tomorrow") == "/snooze target:3 when:tomorrow"
    assert slash_form("contact add Jane Doe @Acme") == "/contact add name:Jane Doe company:Acme"
    assert slash_form("forget me") == "/forget" and slash_form("next") == "/next"


def test_what_is_no_command_stays_as_written() -> None:
    for text in ("Europe/London", "#12", "yes", "hi", "<person> [when]"):
        assert slash_form(text) is None, text
    assert slash_hints("Say `Europe/London` or `settings goal 5`.") == (
        "Say `Europe/London` or `/settings goal:5`."
    )


def test_a_usage_line_shows_the_command_and_its_options() -> None:
    assert slash_form("settings timezone <Area/City>") == "/settings timezone:"
    assert slash_form("stats [week|month]") == "/stats period:"
    assert slash_form("group post <day> <HH:MM>") == "/group post day: time:"


def test_a_span_holding_user_text_is_never_reread() -> None:
    # Only the buddy's own spans are rewritten: a name inside one could read as anything.
    shown = markdown(line("Try: `done ", UserText("Ann @everyone"), "` or `next`."))
    assert shown.startswith("Try: `done Ann @\u200beveryone` or `/next`.")
