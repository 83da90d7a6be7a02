"""Command handlers. Importing this package registers every command."""

from bot.handlers import (  # noqa: F401
    chat,
    contacts,
    data,
    followups,
    group_settings,
    groups,
    instead,
    links,
    log,
    meetings,
    pipeline,
    progress,
    settings,
    undo,
)
