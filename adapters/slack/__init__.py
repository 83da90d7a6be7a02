"""Slack: slack-bolt AsyncApp on the shared core (Socket Mode or HTTP)."""
