"""The App Home tab: the member's `next` dashboard, with buttons to log a conversation
and open settings (and, the first time, a short welcome)."""

from __future__ import annotations

import dataclasses
from typing import Any

from adapters.slack.render import OPEN_FORM, OPEN_SETTINGS, Block, button, mrkdwn, render, section
from bot import messages as msg
from bot.replies import Reply

MAX_HOME_BLOCKS = 100
# Slack-only button labels; their values are the commands they stand for.
LOG_BUTTON = "Log a conversation"
SETTINGS_BUTTON = "Settings"


def home_view(dashboard: Reply, *, welcome: bool = False) -> dict[str, Any]:
    """{"type": "home", "blocks": [...]}: within Slack's 100 blocks, whatever the reply."""
    head: list[Block] = []
    if welcome:
        head.append(section("\n".join(mrkdwn(w) for w in msg.WELCOME)))
    head.append(
        {
            "type": "actions",
            "block_id": "home-buttons",
            "elements": [
                button(LOG_BUTTON, OPEN_FORM, "log", primary=True),
                button(SETTINGS_BUTTON, OPEN_SETTINGS, "settings"),
            ],
        }
    )
    head.append({"type": "divider"})
    # The home buttons own OPEN_FORM: a form on the reply would repeat its action_id.
    room = MAX_HOME_BLOCKS - len(head)
    body = render(dataclasses.replace(dashboard, form=None), limit_blocks=room)
    return {"type": "home", "blocks": [*head, *body["blocks"]]}
