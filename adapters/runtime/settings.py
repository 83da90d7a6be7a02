"""Settings: the configuration contract, read from the environment and a `.env` file.

`load_settings()` reads the variables below from a `.env` file (python-dotenv, without
touching `os.environ`) and the process environment; a variable present in the
environment wins over the file, even when it is empty (empty means "unset": the
default applies). A bad value raises `SettingsError` with a one-line message that names
the variable, so the command line can print it instead of a stack trace.

| variable | default |
| --- | --- |
| DATABASE_URL | sqlite+aiosqlite:///<cwd>/data/nextinterview.db |
| SLACK_BOT_TOKEN, SLACK_APP_TOKEN | unset: Slack off (Socket Mode needs both) |
| SLACK_SIGNING_SECRET | unset (HTTP mode needs it with the bot token) |
| SLACK_MODE | socket (or http) |
| SLACK_HTTP_PORT | 3000 |
| SLACK_API_URL | https://slack.com/api/ |
| SLACK_CLIENT_ID, SLACK_CLIENT_SECRET | unset: one workspace (SLACK_BOT_TOKEN) |
| SLACK_SCOPES | the bot scopes of deploy/slack-app-manifest.yaml |
| SLACK_REDIRECT_URI | unset: the Redirect URL set in the Slack app |

Many workspaces: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set (with SLACK_MODE=http and
SLACK_SIGNING_SECRET, and no SLACK_BOT_TOKEN) turn on the OAuth install flow at
/slack/install; each workspace that installs gets its own bot token, asked for
SLACK_SCOPES (comma-separated), and Slack sends the browser back to SLACK_REDIRECT_URI
(https://HOST/slack/oauth_redirect).
| DISCORD_BOT_TOKEN | unset: Discord off |
| DISCORD_API_URL, DISCORD_GATEWAY_URL | unset: the library's |
| DISCORD_GUILD_IDS | empty: global command sync |
| DISCORD_SHARD_COUNT | unset: one shard, no sharding |
| DISCORD_SHARD_IDS | empty: every shard of the count in this process |
| DEFAULT_TIMEZONE | UTC |
| LOG_LEVEL | INFO |
| HEALTH_PORT | 8080 (0: no health server; Slack's port serves it in HTTP mode) |
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

__all__ = [
    "DEFAULT_SLACK_API_URL",
    "DEFAULT_SLACK_SCOPES",
    "ENV_VARS",
    "Settings",
    "SettingsError",
    "default_database_url",
    "load_settings",
]

SlackMode = Literal["socket", "http"]

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
# The bot scopes the app manifest asks for (deploy/slack-app-manifest.yaml; a test keeps
# the two equal): what an OAuth install asks each workspace for unless SLACK_SCOPES says.
DEFAULT_SLACK_SCOPES = (
    "app_mentions:read", "chat:write", "commands", "files:write", "im:history", "im:write",
    "users:read",
)  # fmt: skip
SQLITE_PREFIX = "sqlite+aiosqlite://"
POSTGRES_PREFIX = "postgresql+asyncpg://"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

#: Every variable of the configuration contract, in the order of `.env.example`.
ENV_VARS = (
    "DATABASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_MODE",
    "SLACK_HTTP_PORT",
    "SLACK_API_URL",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_SCOPES",
    "SLACK_REDIRECT_URI",
    "DISCORD_BOT_TOKEN",
    "DISCORD_API_URL",
    "DISCORD_GATEWAY_URL",
    "DISCORD_GUILD_IDS",
    "DISCORD_SHARD_COUNT",
    "DISCORD_SHARD_IDS",
    "DEFAULT_TIMEZONE",
    "LOG_LEVEL",
    "HEALTH_PORT",
)


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message is one line for humans."""


def default_database_url(cwd: Path | None = None) -> str:
    """The embedded SQLite database: `./data/nextinterview.db`, made absolute from `cwd`."""
    base = (cwd or Path.cwd()).resolve()
    return f"{SQLITE_PREFIX}/{(base / 'data' / 'nextinterview.db').as_posix()}"


def _redact_url(url: str) -> str:
    """The URL with its password replaced by `***` (for logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.password is None:
        return url
    userinfo, _, hostinfo = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{hostinfo}"))


@dataclass(frozen=True, slots=True)
class Settings:
    """Validated configuration. Secrets stay out of `repr()` so it can be logged."""

    database_url: str = field(default_factory=default_database_url, repr=False)
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_mode: SlackMode = "socket"
    slack_http_port: int = 3000
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_client_id: str | None = None
    slack_client_secret: str | None = field(default=None, repr=False)
    slack_scopes: tuple[str, ...] = DEFAULT_SLACK_SCOPES
    slack_redirect_uri: str | None = None
    discord_bot_token: str | None = field(default=None, repr=False)
    discord_api_url: str | None = None
    discord_gateway_url: str | None = None
    discord_guild_ids: tuple[int, ...] = ()
    # Several processes split Discord's guilds by shard; DMs reach shard 0 only.
    discord_shard_count: int | None = None
    discord_shard_ids: tuple[int, ...] = ()
    default_timezone: str = "UTC"
    log_level: str = "INFO"
    # /healthz, /readyz and /metrics; None: off. Unused in Slack HTTP mode (its port has them).
    health_port: int | None = 8080

    @property
    def slack_oauth(self) -> bool:
        """Many workspaces: each installs the app through OAuth and has its own token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def slack_enabled(self) -> bool:
        """Slack runs when the bot token (or the OAuth app credentials, in HTTP mode) and
        the credential of the chosen mode are set."""
        if self.slack_oauth:
            return self.slack_mode == "http" and bool(self.slack_signing_secret)
        if not self.slack_bot_token:
            return False
        if self.slack_mode == "http":
            return bool(self.slack_signing_secret)
        return bool(self.slack_app_token)

    @property
    def discord_enabled(self) -> bool:
        return bool(self.discord_bot_token)

    @property
    def console_only(self) -> bool:
        """No chat platform configured: `run` starts the local console instead."""
        return not (self.slack_enabled or self.discord_enabled)

    @property
    def default_zone(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith(SQLITE_PREFIX)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file (whose folder must exist), or None (memory, PostgreSQL)."""
        if not self.is_sqlite:
            return None
        rest = self.database_url[len(SQLITE_PREFIX) :].split("?", 1)[0]
        if not rest.startswith("/"):
            return None
        path = rest[1:]
        if path in ("", ":memory:"):
            return None
        return Path(path)

    @property
    def database_url_redacted(self) -> str:
        """DATABASE_URL with any password masked, for startup logs."""
        return _redact_url(self.database_url)


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | None = ".env"
) -> Settings:
    """Read and validate the settings.

    `environ` defaults to `os.environ` (only read, never changed). `env_file` is read
    relative to the current directory when it exists; pass None to skip it. Values in
    the file are taken literally (no `${VAR}` interpolation), so secrets may contain `$`.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    values: dict[str, str | None] = {}
    if env_file is not None and Path(env_file).is_file():
        file_values = dotenv_values(env_file, interpolate=False)
        values.update({k: v for k, v in file_values.items() if k in ENV_VARS})
    values.update({k: env[k] for k in ENV_VARS if k in env})

    def get(name: str) -> str | None:
        raw = values.get(name)
        if raw is None:
            return None
        raw = raw.strip()
        return raw or None

    slack_mode = _parse_slack_mode(get("SLACK_MODE"))
    settings = Settings(
        database_url=_parse_database_url(get("DATABASE_URL")),
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_mode=slack_mode,
        slack_http_port=_parse_port("SLACK_HTTP_PORT", get("SLACK_HTTP_PORT"), 3000),
        slack_api_url=_parse_url(
            "SLACK_API_URL", get("SLACK_API_URL"), ("https", "http"), trailing_slash=True
        )
        or DEFAULT_SLACK_API_URL,
        slack_client_id=get("SLACK_CLIENT_ID"),
        slack_client_secret=get("SLACK_CLIENT_SECRET"),
        slack_scopes=_parse_scopes(get("SLACK_SCOPES")),
        slack_redirect_uri=_parse_url(
            "SLACK_REDIRECT_URI", get("SLACK_REDIRECT_URI"), ("https", "http"), trailing_slash=None
        ),
        discord_bot_token=get("DISCORD_BOT_TOKEN"),
        discord_api_url=_parse_url(
            "DISCORD_API_URL", get("DISCORD_API_URL"), ("https", "http"), trailing_slash=False
        ),
        discord_gateway_url=_parse_url(
            "DISCORD_GATEWAY_URL", get("DISCORD_GATEWAY_URL"), ("wss", "ws"), trailing_slash=None
        ),
        discord_guild_ids=_parse_guild_ids(get("DISCORD_GUILD_IDS")),
        discord_shard_count=_parse_shard_count(get("DISCORD_SHARD_COUNT")),
        discord_shard_ids=_parse_shard_ids(get("DISCORD_SHARD_IDS")),
        default_timezone=_parse_timezone(get("DEFAULT_TIMEZONE")),
        log_level=_parse_log_level(get("LOG_LEVEL")),
        health_port=_parse_health_port(get("HEALTH_PORT")),
    )
    _check_slack_credentials(settings)
    _check_shards(settings)
    return settings


def _parse_database_url(raw: str | None) -> str:
    if raw is None:
        return default_database_url()
    if raw.startswith((SQLITE_PREFIX, POSTGRES_PREFIX)):
        return raw
    scheme = raw.split("://", 1)[0] if "://" in raw else raw
    hint = ""
    if scheme in ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"):
        hint = " (use postgresql+asyncpg://...)"
    elif scheme in ("sqlite", "sqlite+pysqlite"):
        hint = " (use sqlite+aiosqlite:///...)"
    raise SettingsError(
        "DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://, "
        f"got {scheme!r}{hint}"
    )


def _parse_slack_mode(raw: str | None) -> SlackMode:
    if raw is None:
        return "socket"
    mode = raw.lower()
    if mode == "socket":
        return "socket"
    if mode == "http":
        return "http"
    raise SettingsError(f"SLACK_MODE must be 'socket' or 'http', got {raw!r}")


def _parse_port(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not 1 <= port <= 65535:
        raise SettingsError(f"{name} must be a port between 1 and 65535, got {port}")
    return port


def _parse_health_port(raw: str | None) -> int | None:
    """Unset or empty: 8080. 0 turns the health server off."""
    if raw is not None and raw.isdigit() and int(raw) == 0:
        return None
    try:
        return _parse_port("HEALTH_PORT", raw, 8080)
    except SettingsError as e:
        raise SettingsError(f"{e} (or 0 to turn it off)") from None


def _parse_url(
    name: str, raw: str | None, schemes: tuple[str, ...], *, trailing_slash: bool | None
) -> str | None:
    """Check scheme and host; `trailing_slash` True adds one, False strips it, None keeps it."""
    if raw is None:
        return None
    try:
        parts = urlsplit(raw)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise SettingsError(f"{name} is not a valid URL: {raw!r}") from None
    if parts.scheme.lower() not in schemes:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise SettingsError(f"{name} must start with {allowed}, got {raw!r}")
    if not parts.hostname:
        raise SettingsError(f"{name} has no host name: {raw!r}")
    if trailing_slash is True and not raw.endswith("/"):
        return raw + "/"
    if trailing_slash is False:
        return raw.rstrip("/")
    return raw


def _parse_scopes(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_SLACK_SCOPES
    scopes = tuple(dict.fromkeys(s.strip() for s in raw.split(",") if s.strip()))
    bad = [s for s in scopes if not all(c.isalnum() or c in ":._-" for c in s)]
    if not scopes or bad:
        raise SettingsError(
            f"SLACK_SCOPES must be comma-separated Slack scopes like chat:write, got {raw!r}"
        )
    return scopes


def _parse_guild_ids(raw: str | None) -> tuple[int, ...]:
    if raw is None:
        return ()
    ids: list[int] = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        if not item.isdigit() or int(item) <= 0:
            raise SettingsError(
                f"DISCORD_GUILD_IDS must be a comma-separated list of numeric guild IDs, "
                f"got {item!r}"
            )
        ids.append(int(item))
    return tuple(dict.fromkeys(ids))


def _parse_shard_count(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"DISCORD_SHARD_COUNT must be a whole number of 1 or more, got {raw!r}")
    return int(raw)


def _parse_shard_ids(raw: str | None) -> tuple[int, ...]:
    if raw is None:
        return ()
    items = [item.strip() for item in raw.split(",") if item.strip()]
    bad = [item for item in items if not item.isdigit()]
    if bad:
        raise SettingsError(
            f"DISCORD_SHARD_IDS must be shard numbers separated by commas, such as 0,1; "
            f"got {bad[0]!r}"
        )
    return tuple(sorted({int(item) for item in items}))


def _check_shards(s: Settings) -> None:
    if s.discord_shard_ids and s.discord_shard_count is None:
        raise SettingsError(
            "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (how many shards all processes share)"
        )
    count = s.discord_shard_count or 0
    beyond = [i for i in s.discord_shard_ids if i >= count]
    if beyond:
        raise SettingsError(
            f"DISCORD_SHARD_IDS counts from 0 to DISCORD_SHARD_COUNT - 1 ({count - 1}); "
            f"got {beyond[0]}"
        )


def _parse_timezone(raw: str | None) -> str:
    if raw is None:
        return "UTC"
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise SettingsError(
            f"DEFAULT_TIMEZONE must be an IANA time zone such as Europe/Paris, got {raw!r}"
        ) from None
    return raw


def _parse_log_level(raw: str | None) -> str:
    if raw is None:
        return "INFO"
    level = raw.upper()
    if level == "WARN":
        level = "WARNING"
    if level not in _LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {raw!r}")
    return level


def _check_slack_oauth(s: Settings) -> None:
    if bool(s.slack_client_id) != bool(s.slack_client_secret):
        raise SettingsError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together; set both")
    if not s.slack_oauth:
        return
    if s.slack_bot_token:
        raise SettingsError(
            "SLACK_BOT_TOKEN is for one workspace and SLACK_CLIENT_ID for many; set one of them"
        )
    if s.slack_mode != "http":
        raise SettingsError("SLACK_CLIENT_ID (many workspaces) needs SLACK_MODE=http")
    if not s.slack_signing_secret:
        raise SettingsError("SLACK_SIGNING_SECRET is required when SLACK_CLIENT_ID is set")


def _check_slack_credentials(s: Settings) -> None:
    """Half a Slack configuration is an error, not a silently disabled adapter."""
    _check_slack_oauth(s)
    if s.slack_oauth:
        return
    if s.slack_bot_token and s.slack_bot_token.startswith("xapp-"):
        raise SettingsError(
            "SLACK_BOT_TOKEN holds an app-level token (xapp-...); put it in SLACK_APP_TOKEN"
        )
    if s.slack_app_token and s.slack_app_token.startswith("xoxb-"):
        raise SettingsError(
            "SLACK_APP_TOKEN holds a bot token (xoxb-...); put it in SLACK_BOT_TOKEN"
        )
    if s.slack_mode == "http":
        if s.slack_bot_token and not s.slack_signing_secret:
            raise SettingsError("SLACK_SIGNING_SECRET is required when SLACK_MODE=http")
        if s.slack_signing_secret and not s.slack_bot_token:
            raise SettingsError("SLACK_BOT_TOKEN is required when SLACK_SIGNING_SECRET is set")
    else:
        if s.slack_bot_token and not s.slack_app_token:
            raise SettingsError(
                "SLACK_APP_TOKEN (xapp-...) is required for Socket Mode; "
                "set it, or set SLACK_MODE=http with SLACK_SIGNING_SECRET"
            )
        if s.slack_app_token and not s.slack_bot_token:
            raise SettingsError("SLACK_BOT_TOKEN is required when SLACK_APP_TOKEN is set")
