"""Settings: defaults, `.env` versus environment precedence, one-line errors for bad values.

Every test passes an explicit environ dict and a temporary `.env` path: the real
environment and any `.env` in the working tree are never read.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.runtime.settings import (
    DEFAULT_SLACK_API_URL,
    ENV_VARS,
    Settings,
    SettingsError,
    load_settings,
)

REPO = Path(__file__).resolve().parents[2]


def write_env(tmp_path: Path, text: str) -> str:
    path = tmp_path / "test.env"
    path.write_text(text, encoding="utf-8")
    return str(path)


def load(env: dict[str, str] | None = None, env_file: str | None = None) -> Settings:
    return load_settings(environ=env or {}, env_file=env_file)


# --- defaults ----------------------------------------------------------------------------


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load()
    expected_db = (tmp_path.resolve() / "data" / "nextinterview.db").as_posix()
    assert s.database_url == f"sqlite+aiosqlite:///{expected_db}"
    assert s.sqlite_path == Path(expected_db)
    assert s.is_sqlite
    assert s.slack_bot_token is None
    assert s.slack_app_token is None
    assert s.slack_signing_secret is None
    assert s.slack_mode == "socket"
    assert s.slack_http_port == 3000
    assert s.slack_api_url == DEFAULT_SLACK_API_URL == "https://slack.com/api/"
    assert s.discord_bot_token is None
    assert s.discord_api_url is None
    assert s.discord_gateway_url is None
    assert s.discord_guild_ids == ()
    assert s.default_timezone == "UTC"
    assert s.default_zone == ZoneInfo("UTC")
    assert s.log_level == "INFO"
    assert s.log_level_number == 20
    assert not s.slack_enabled
    assert not s.discord_enabled
    assert s.console_only


def test_default_database_is_absolute_and_follows_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    first = load().database_url
    assert first.startswith("sqlite+aiosqlite:////")
    assert "/./" not in first
    monkeypatch.chdir(tmp_path)
    assert load().database_url != first


def test_settings_is_frozen() -> None:
    s = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.log_level = "DEBUG"  # type: ignore[misc]


def test_missing_env_file_is_fine(tmp_path: Path) -> None:
    assert load(env_file=str(tmp_path / "nope.env")).log_level == "INFO"


def test_empty_values_mean_default(tmp_path: Path) -> None:
    env_file = write_env(tmp_path, "SLACK_HTTP_PORT=\nDEFAULT_TIMEZONE=\nSLACK_BOT_TOKEN=\n")
    s = load({"LOG_LEVEL": "  "}, env_file)
    assert s.slack_http_port == 3000
    assert s.default_timezone == "UTC"
    assert s.log_level == "INFO"
    assert s.slack_bot_token is None


# --- precedence --------------------------------------------------------------------------


def test_file_values_are_read(tmp_path: Path) -> None:
    env_file = write_env(
        tmp_path,
        "# comment\n"
        "DATABASE_URL=postgresql+asyncpg://bot:secret@db:5432/nextinterview\n"
        'DEFAULT_TIMEZONE="Europe/Paris"\n'
        "LOG_LEVEL=debug\n"
        "DISCORD_BOT_TOKEN=discord-token\n"
        "DISCORD_GUILD_IDS=123, 456,,123\n",
    )
    s = load({}, env_file)
    assert s.database_url == "postgresql+asyncpg://bot:secret@db:5432/nextinterview"
    assert s.database_url_redacted == "postgresql+asyncpg://bot:***@db:5432/nextinterview"
    assert not s.is_sqlite
    assert s.sqlite_path is None
    assert s.default_timezone == "Europe/Paris"
    assert s.log_level == "DEBUG"
    assert s.discord_enabled
    assert s.discord_guild_ids == (123, 456)
    assert (s.discord_shard_count, s.discord_shard_ids) == (None, ())


def test_discord_shards_name_this_processs_share_of_the_count(tmp_path: Path) -> None:
    env = {"DISCORD_BOT_TOKEN": "t", "DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "3, 1,1"}
    s = load(env, str(tmp_path / "absent.env"))
    assert (s.discord_shard_count, s.discord_shard_ids) == (4, (1, 3))


def test_environment_wins_over_file(tmp_path: Path) -> None:
    env_file = write_env(
        tmp_path, "LOG_LEVEL=DEBUG\nSLACK_HTTP_PORT=4000\nDEFAULT_TIMEZONE=Asia/Tokyo\n"
    )
    s = load({"LOG_LEVEL": "WARNING", "SLACK_HTTP_PORT": "5000"}, env_file)
    assert s.log_level == "WARNING"
    assert s.slack_http_port == 5000
    assert s.default_timezone == "Asia/Tokyo"  # only in the file


def test_empty_environment_value_masks_file(tmp_path: Path) -> None:
    env_file = write_env(tmp_path, "DISCORD_BOT_TOKEN=from-file\n")
    assert not load({"DISCORD_BOT_TOKEN": ""}, env_file).discord_enabled


def test_file_does_not_touch_os_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEXTINTERVIEW_TEST_ONLY", raising=False)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    env_file = write_env(tmp_path, "LOG_LEVEL=ERROR\nNEXTINTERVIEW_TEST_ONLY=1\n")
    assert load({}, env_file).log_level == "ERROR"
    assert "LOG_LEVEL" not in os.environ
    assert "NEXTINTERVIEW_TEST_ONLY" not in os.environ


def test_file_values_are_not_interpolated(tmp_path: Path) -> None:
    env_file = write_env(tmp_path, "DISCORD_BOT_TOKEN=abc${HOME}def\n")
    assert load({"HOME": "/root"}, env_file).discord_bot_token == "abc${HOME}def"


def test_unrelated_variables_are_ignored(tmp_path: Path) -> None:
    env_file = write_env(tmp_path, "SOMETHING_ELSE=not a port\n")
    assert load({"PATH": "/bin"}, env_file) == load()


def test_secrets_stay_out_of_repr() -> None:
    s = load(
        {
            "SLACK_BOT_TOKEN": "xoxb-very-secret",
            "SLACK_APP_TOKEN": "xapp-very-secret",
            "DISCORD_BOT_TOKEN": "discord-very-secret",
            "DATABASE_URL": "postgresql+asyncpg://u:pw-very-secret@h/db",
        }
    )
    assert "very-secret" not in repr(s)


# --- platforms ---------------------------------------------------------------------------


def test_slack_socket_mode_enabled() -> None:
    s = load({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert s.slack_enabled
    assert s.slack_mode == "socket"
    assert not s.discord_enabled
    assert not s.console_only


def test_slack_http_mode_enabled() -> None:
    s = load(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "shh",
            "SLACK_MODE": "HTTP",
            "SLACK_HTTP_PORT": "8080",
        }
    )
    assert s.slack_enabled
    assert s.slack_mode == "http"
    assert s.slack_http_port == 8080


def test_urls_are_normalised() -> None:
    s = load(
        {
            "SLACK_API_URL": "http://127.0.0.1:8001/api",
            "DISCORD_API_URL": "http://127.0.0.1:8002/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8003/",
        }
    )
    assert s.slack_api_url == "http://127.0.0.1:8001/api/"
    assert s.discord_api_url == "http://127.0.0.1:8002/api/v10"
    assert s.discord_gateway_url == "ws://127.0.0.1:8003/"


def test_memory_sqlite_has_no_path() -> None:
    assert load({"DATABASE_URL": "sqlite+aiosqlite:///:memory:"}).sqlite_path is None
    assert load({"DATABASE_URL": "sqlite+aiosqlite://"}).sqlite_path is None


def test_health_port_defaults_to_8080_and_0_turns_it_off() -> None:
    assert load().health_port == 8080
    assert load({"HEALTH_PORT": ""}).health_port == 8080  # empty is unset, as everywhere
    assert load({"HEALTH_PORT": "9100"}).health_port == 9100
    assert load({"HEALTH_PORT": "0"}).health_port is None


# --- bad values: one line, naming the variable --------------------------------------------


@pytest.mark.parametrize(
    ("env", "variable", "fragment"),
    [
        ({"SLACK_HTTP_PORT": "30OO"}, "SLACK_HTTP_PORT", "whole number"),
        ({"SLACK_HTTP_PORT": "70000"}, "SLACK_HTTP_PORT", "between 1 and 65535"),
        ({"SLACK_HTTP_PORT": "0"}, "SLACK_HTTP_PORT", "between 1 and 65535"),
        ({"HEALTH_PORT": "80x"}, "HEALTH_PORT", "or 0 to turn it off"),
        ({"HEALTH_PORT": "65536"}, "HEALTH_PORT", "between 1 and 65535"),
        ({"DEFAULT_TIMEZONE": "Mars/Olympus_Mons"}, "DEFAULT_TIMEZONE", "IANA"),
        ({"DEFAULT_TIMEZONE": "../etc/passwd"}, "DEFAULT_TIMEZONE", "IANA"),
        ({"DEFAULT_TIMEZONE": "America"}, "DEFAULT_TIMEZONE", "IANA"),
        ({"SLACK_MODE": "webhook"}, "SLACK_MODE", "'socket' or 'http'"),
        ({"SLACK_API_URL": "ftp://slack.com/api/"}, "SLACK_API_URL", "https://"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL", "https://"),
        ({"SLACK_API_URL": "https:///api/"}, "SLACK_API_URL", "no host"),
        ({"DISCORD_API_URL": "ws://discord.com/api"}, "DISCORD_API_URL", "https://"),
        ({"DISCORD_API_URL": "http://h:99999/api"}, "DISCORD_API_URL", "not a valid URL"),
        ({"DISCORD_GATEWAY_URL": "https://gateway.discord.gg"}, "DISCORD_GATEWAY_URL", "wss://"),
        ({"DISCORD_GUILD_IDS": "123,abc"}, "DISCORD_GUILD_IDS", "'abc'"),
        ({"DISCORD_GUILD_IDS": "-5"}, "DISCORD_GUILD_IDS", "numeric"),
        ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT", "1 or more"),
        ({"DISCORD_SHARD_COUNT": "two"}, "DISCORD_SHARD_COUNT", "'two'"),
        ({"DISCORD_SHARD_IDS": "0"}, "DISCORD_SHARD_COUNT", "how many shards"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0,x"}, "DISCORD_SHARD_IDS", "'x'"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1,2"}, "DISCORD_SHARD_IDS", "got 2"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL", "'mysql'"),
        ({"DATABASE_URL": "postgresql://u@h/db"}, "DATABASE_URL", "postgresql+asyncpg://"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL", "sqlite+aiosqlite:///"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "'LOUD'"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN", "Socket Mode"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN", "required"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_MODE": "http"}, "SLACK_SIGNING_SECRET", "http"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_MODE": "http"}, "SLACK_BOT_TOKEN", "required"),
        (
            {"SLACK_BOT_TOKEN": "xapp-1", "SLACK_APP_TOKEN": "xoxb-1"},
            "SLACK_BOT_TOKEN",
            "app-level token",
        ),
    ],
)
def test_bad_values_raise_one_line_message(
    env: dict[str, str], variable: str, fragment: str
) -> None:
    with pytest.raises(SettingsError) as info:
        load(env)
    message = str(info.value)
    assert variable in message
    assert fragment in message
    assert "\n" not in message


def test_bad_value_in_file_is_reported(tmp_path: Path) -> None:
    env_file = write_env(tmp_path, "DEFAULT_TIMEZONE=Nowhere/City\n")
    with pytest.raises(SettingsError, match=r"DEFAULT_TIMEZONE .*'Nowhere/City'"):
        load({}, env_file)


def test_good_environment_value_hides_bad_file_value(tmp_path: Path) -> None:
    env_file = write_env(tmp_path, "SLACK_HTTP_PORT=not-a-number\n")
    assert load({"SLACK_HTTP_PORT": "3001"}, env_file).slack_http_port == 3001


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


# --- .env.example documents the whole contract -------------------------------------------


def test_env_example_lists_every_variable() -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    for name in ENV_VARS:
        assert f"{name}=" in example, name
    # Loading the example as-is gives the defaults (everything optional is commented out).
    assert load({}, str(REPO / ".env.example")) == load()


# --- many Slack workspaces (OAuth) -------------------------------------------------------

OAUTH = {
    "SLACK_CLIENT_ID": "1111.2222",
    "SLACK_CLIENT_SECRET": "secret",
    "SLACK_MODE": "http",
    "SLACK_SIGNING_SECRET": "shh",
}


def test_slack_oauth_enables_slack_without_a_bot_token() -> None:
    s = load(OAUTH)
    assert s.slack_oauth and s.slack_enabled and not s.console_only
    assert s.slack_bot_token is None
    assert "chat:write" in s.slack_scopes and s.slack_redirect_uri is None
    assert "secret" not in repr(s)
    s = load(
        OAUTH
        | {
            "SLACK_SCOPES": "chat:write, commands,chat:write",
            "SLACK_REDIRECT_URI": "https://bot.example.org/slack/oauth_redirect",
        }
    )
    assert s.slack_scopes == ("chat:write", "commands")
    assert s.slack_redirect_uri == "https://bot.example.org/slack/oauth_redirect"


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"SLACK_CLIENT_ID": "1.2"}, "go together"),
        (OAUTH | {"SLACK_BOT_TOKEN": "xoxb-1"}, "set one of them"),
        (OAUTH | {"SLACK_MODE": "socket", "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_MODE=http"),
        ({k: v for k, v in OAUTH.items() if k != "SLACK_SIGNING_SECRET"}, "SIGNING_SECRET"),
        (OAUTH | {"SLACK_SCOPES": "chat:write;commands"}, "SLACK_SCOPES"),
        (OAUTH | {"SLACK_REDIRECT_URI": "ftp://x/y"}, "SLACK_REDIRECT_URI"),
    ],
)
def test_half_an_oauth_configuration_is_refused(env: dict[str, str], needle: str) -> None:
    with pytest.raises(SettingsError, match=needle):
        load(env)
