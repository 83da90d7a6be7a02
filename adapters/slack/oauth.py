"""Many workspaces: bolt's OAuth flow (/slack/install, /slack/oauth_redirect) on our
database, and what an uninstall does.

/slack/install sets the state cookie and redirects to Slack's authorize page (no page
of our own in between); Slack sends the browser back to /slack/oauth_redirect with a
code, which bolt exchanges (oauth.v2.access) and saves through SqlInstallationStore. A
reinstall saves over the old row and makes the workspace active again.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse

from adapters.slack.installations import SqlInstallationStore, SqlStateStore
from adapters.slack.installed import InstallationRows, OAuthStates
from adapters.slack.workspaces import InstalledWorkspaces, OAuthWebClient, WorkspaceAuthorize
from bot import messages as msg
from bot.ports import Clock

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class OAuthConfig:
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    redirect_uri: str | None = None  # None: the one set in the Slack app's settings


@dataclass
class ManyWorkspaces:
    """What SlackBot needs in OAuth mode: the install flow, the authorize step, the
    tokens of each workspace, and how an uninstall is recorded."""

    flow: AsyncOAuthFlow
    authorize: WorkspaceAuthorize
    workspaces: InstalledWorkspaces
    deactivate: Callable[[str], Awaitable[bool]]


def authorization_url(api_url: str) -> str:
    """Slack's authorize page beside its Web API: https://slack.com/oauth/v2/authorize
    for https://slack.com/api/ (a test's fake Slack answers both)."""
    return api_url.rstrip("/").removesuffix("/api") + "/oauth/v2/authorize"


def _page(text: str, status: int) -> BoltResponse:
    body = f"<!DOCTYPE html><html><body><p>{html.escape(text)}</p></body></html>"
    return BoltResponse(status=status, body=body, headers={"Content-Type": "text/html"})


async def _installed(args: AsyncSuccessArgs) -> BoltResponse:
    return _page(msg.SLACK_INSTALLED, 200)


async def _failed(args: AsyncFailureArgs) -> BoltResponse:
    log.warning("slack install failed: %s", args.reason)
    return _page(msg.SLACK_INSTALL_FAILED, args.suggested_status_code)


def many_workspaces(
    config: OAuthConfig,
    store: InstallationRows,
    states: OAuthStates,
    clock: Clock,
    api_url: str,
) -> ManyWorkspaces:
    workspaces = InstalledWorkspaces(
        store, clock, config.client_id, config.client_secret, api_url=api_url
    )
    settings = AsyncOAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(config.scopes),
        user_scopes=[],
        redirect_uri=config.redirect_uri,
        install_path=INSTALL_PATH,
        install_page_rendering_enabled=False,  # straight on to Slack's page
        redirect_uri_path=REDIRECT_PATH,
        callback_options=AsyncCallbackOptions(success=_installed, failure=_failed),
        authorization_url=authorization_url(api_url),
        installation_store=SqlInstallationStore(store, clock),
        installation_store_bot_only=True,
        state_store=SqlStateStore(states, STATE_LIFETIME),
        state_expiration_seconds=int(STATE_LIFETIME.total_seconds()),
        logger=log,
    )
    # The code exchange (and its auth.test of the new token) go through our OAuth client.
    flow = AsyncOAuthFlow(
        client=OAuthWebClient(base_url=api_url, timeout=10), logger=log, settings=settings
    )
    return ManyWorkspaces(flow, WorkspaceAuthorize(workspaces), workspaces, store.deactivate)
