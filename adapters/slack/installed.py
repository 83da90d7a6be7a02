"""What the Slack adapter needs of storage for many workspaces, as ports: the adapter
never imports storage (import-linter); adapters/runtime/slack.py passes
storage.slack_installations' classes, which fit these shapes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class Installed(Protocol):
    """One workspace's installation, as stored."""

    @property
    def team_id(self) -> str: ...
    @property
    def bot_token(self) -> str | None: ...
    @property
    def bot_scopes(self) -> str: ...
    @property
    def bot_id(self) -> str | None: ...
    @property
    def bot_user_id(self) -> str | None: ...
    @property
    def app_id(self) -> str | None: ...
    @property
    def team_name(self) -> str | None: ...
    @property
    def enterprise_id(self) -> str | None: ...
    @property
    def bot_refresh_token(self) -> str | None: ...
    @property
    def bot_token_expires_at(self) -> datetime | None: ...
    @property
    def installed_at(self) -> datetime | None: ...
    @property
    def active(self) -> bool: ...


class InstallationRows(Protocol):
    async def save(
        self,
        team_id: str,
        *,
        bot_token: str,
        bot_scopes: str = "",
        bot_id: str | None = None,
        bot_user_id: str | None = None,
        app_id: str | None = None,
        team_name: str | None = None,
        enterprise_id: str | None = None,
        installer_user_id: str | None = None,
        bot_refresh_token: str | None = None,
        bot_token_expires_at: datetime | None = None,
    ) -> None:
        """An install or reinstall: the workspace is active, with these tokens."""

    async def find(self, team_id: str) -> Installed | None: ...

    async def deactivate(self, team_id: str) -> bool:
        """Uninstalled: True when it was active until now."""

    async def claim_refresh(self, team_id: str, refresh_token: str, hold: timedelta) -> bool:
        """True for the one caller that may spend `refresh_token` now."""

    async def save_refreshed(
        self,
        team_id: str,
        spent: str,
        bot_token: str,
        refresh_token: str | None,
        expires_at: datetime | None,
    ) -> bool: ...

    async def release_refresh(self, team_id: str) -> None: ...


class OAuthStates(Protocol):
    async def issue(self, state: str, lifetime: timedelta) -> None: ...

    async def consume(self, state: str) -> bool: ...
