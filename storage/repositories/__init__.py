"""Implementations of the repository ports in bot.ports with SQLAlchemy Core."""

from storage.repositories.activities import SqlActivityRepository
from storage.repositories.contacts import SqlContactRepository
from storage.repositories.links import SqlLinkRepository
from storage.repositories.members import (
    SqlGroupRepository,
    SqlIdentityRepository,
    SqlMemberRepository,
    SqlPendingRepository,
)
from storage.repositories.nudges import SqlCursorRepository, SqlOutboxRepository
from storage.repositories.pipeline import (
    SqlFollowUpRepository,
    SqlMeetingRepository,
    SqlOpportunityRepository,
)
from storage.repositories.steps import SqlStepRepository

__all__ = [
    "SqlActivityRepository",
    "SqlContactRepository",
    "SqlCursorRepository",
    "SqlFollowUpRepository",
    "SqlGroupRepository",
    "SqlIdentityRepository",
    "SqlLinkRepository",
    "SqlMeetingRepository",
    "SqlMemberRepository",
    "SqlOpportunityRepository",
    "SqlOutboxRepository",
    "SqlPendingRepository",
    "SqlStepRepository",
]
