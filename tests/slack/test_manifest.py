"""The manifest asks Slack for exactly what the app listens to: each event the app has a
listener for is subscribed, the slash command and shortcut ids match the code."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.runtime.settings import DEFAULT_SLACK_SCOPES
from adapters.slack.app import SHORTCUT
from adapters.slack.inbound import readable

MANIFEST = (Path(__file__).parents[2] / "deploy" / "slack-app-manifest.yaml").read_text()
APP = (Path(__file__).parents[2] / "adapters" / "slack" / "app.py").read_text()


def _items(section: str) -> set[str]:
    """The `- name` items under a YAML key (the manifest is plain block style)."""
    block = re.search(rf"^(\s*){section}:\n((?:\1\s+- .*\n)+)", MANIFEST, re.MULTILINE)
    assert block, section
    return {line.split("- ", 1)[1].split("#")[0].strip() for line in block.group(2).splitlines()}


def test_subscribed_events_are_the_ones_listened_to() -> None:
    listened = set(re.findall(r'app\.event\("([a-z_]+)"\)', APP))
    subscribed = _items("bot_events")
    # message.im is delivered as the `message` event with channel_type im
    assert {e.replace("message.im", "message") for e in subscribed} == listened


def test_scopes_are_the_ones_used() -> None:
    assert _items("bot") == {
        "app_mentions:read",
        "chat:write",
        "commands",
        "files:write",
        "im:history",
        "im:write",
        "users:read",
    }


def test_an_oauth_install_asks_for_the_manifests_scopes() -> None:
    assert set(DEFAULT_SLACK_SCOPES) == _items("bot")
    assert len(DEFAULT_SLACK_SCOPES) == len(set(DEFAULT_SLACK_SCOPES))


def test_command_and_shortcut_match_the_code() -> None:
    assert re.search(r"- command: /next\n", MANIFEST)
    assert 'app.command("/next")' in APP
    assert f"callback_id: {SHORTCUT}\n" in MANIFEST


def test_message_text_is_read_as_the_person_saw_it() -> None:
    said = "<@UBOT> met <@U9|Jane> at <https://acme.io|Acme> &amp; co &lt;3 <mailto:j@a.io|j@a.io>"
    assert readable(said, "UBOT") == "met Jane at Acme & co <3 j@a.io"
    assert readable("  <#C1|job-club>   hi ", None) == "job-club hi"
