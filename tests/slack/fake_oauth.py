"""The fake Slack's side of OAuth: the authorize page and oauth.v2.access.

- GET {base}/oauth/v2/authorize?client_id&scope&state[&redirect_uri][&team]: the browser
  of someone in workspace `team` (else fake.installing_team) approving the install;
  answers 302 to redirect_uri (else fake.redirect_url) with a one-time `code` and the
  `state` it was given. A wrong client_id answers 400.
- oauth.v2.access authenticates the app with HTTP Basic (client_id:client_secret), as
  slack_sdk sends it. With `code`: the install (each code works once; invalid_code
  otherwise): a new bot token for that workspace, which auth.test then answers with that
  workspace's team id. With grant_type=refresh_token (fake.rotation on): a new bot token
  and a new refresh token; a refresh token works once (invalid_refresh_token after).
- uninstall(team) revokes every token of the workspace (token_revoked), as Slack does
  before it sends app_uninstalled.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web

if TYPE_CHECKING:
    from tests.slack.fake_slack import FakeSlack

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret-for-tests"


def bot_user_of(team: str) -> str:
    return f"UB{team}"


async def authorize(fake: FakeSlack, request: web.Request) -> web.Response:
    q = request.query
    if q.get("client_id") != fake.client_id:
        return web.Response(status=400, text="invalid_client_id")
    team = q.get("team") or fake.installing_team
    target = q.get("redirect_uri") or fake.redirect_url
    if not team or not target:
        return web.Response(status=400, text="nowhere to install")
    code = f"code-{fake.new_id(team)}"
    fake.codes[code] = (team, q.get("scope", ""))
    query = urlencode({"code": code, "state": q.get("state", "")})
    raise web.HTTPFound(f"{target}?{query}")


def _app_authenticated(fake: FakeSlack, header: str, args: dict[str, Any]) -> None:
    client_id, secret = args.get("client_id"), args.get("client_secret")
    if header.startswith("Basic "):
        pair = base64.b64decode(header[6:]).decode()
        client_id, _, secret = pair.partition(":")
    if client_id != fake.client_id:
        raise fake.answer("invalid_client_id")
    if secret != fake.client_secret:
        raise fake.answer("bad_client_secret")


def _new_token(fake: FakeSlack, team: str) -> dict[str, Any]:
    token = f"xoxb-{team}-{fake.new_id('')}"
    fake.workspaces[token] = team
    fake.bot_users.setdefault(team, bot_user_of(team))
    answer: dict[str, Any] = {"access_token": token, "token_type": "bot"}
    if fake.rotation:
        refresh = f"xoxe-{team}-{fake.new_id('')}"
        fake.refresh_tokens[refresh] = team
        answer |= {"refresh_token": refresh, "expires_in": fake.expires_in}
    return answer


def oauth_v2_access(fake: FakeSlack, header: str, args: dict[str, Any]) -> dict[str, Any]:
    _app_authenticated(fake, header, args)
    if args.get("grant_type") == "refresh_token":
        team = fake.refresh_tokens.pop(str(args.get("refresh_token")), None)
        fake.refreshes.append(team or "spent")  # every attempt, a spent token's too
        if team is None:
            raise fake.answer("invalid_refresh_token")
        return {**_new_token(fake, team), "team": {"id": team}, "enterprise": None}
    found = fake.codes.pop(str(args.get("code")), None)
    if found is None:
        raise fake.answer("invalid_code")
    team, scope = found
    return {
        **_new_token(fake, team),
        "scope": scope,
        "bot_user_id": bot_user_of(team),
        "app_id": "A0001",
        "team": {"id": team, "name": f"Workspace {team}"},
        "enterprise": None,
        "authed_user": {"id": f"UI{team}"},
        "is_enterprise_install": False,
    }
