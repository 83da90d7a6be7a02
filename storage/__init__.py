"""SQLAlchemy implementation of the core's storage ports (bot.ports).

Public entry points: `make_engine`, `uow_factory` / `SqlUnitOfWork`, `upgrade`.
"""

from storage.engine import make_engine
from storage.migrate import upgrade, upgrade_sync
from storage.uow import SqlUnitOfWork, uow_factory

__all__ = ["SqlUnitOfWork", "make_engine", "uow_factory", "upgrade", "upgrade_sync"]
