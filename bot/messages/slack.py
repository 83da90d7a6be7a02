"""What the buddy says only on Slack: to a workspace that has not installed the app (or
uninstalled it), and on the pages of the install flow."""

from __future__ import annotations

__all__ = ["SLACK_INSTALLED", "SLACK_INSTALL_FAILED", "SLACK_NOT_INSTALLED"]

SLACK_NOT_INSTALLED = (
    "I'm not installed in this workspace, so I can't do that. "
    "Next: ask a workspace admin to add nextinterview to Slack again."
)
SLACK_INSTALLED = "nextinterview is installed. Next: open Slack and send me /next help."
SLACK_INSTALL_FAILED = "The install didn't finish, and nothing was saved. Next: start it again."
