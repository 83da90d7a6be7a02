"""Writers of one SQLite database in this process take turns, first come first served.

SQLite lets one writer at a time hold its lock; the others wait in its busy handler,
which sleeps in growing steps (1, 2, 5, 10, 15, 20, 25 ... 100 ms) and looks again,
however soon the lock was released. Under a burst of commands each transaction holds
the lock a few ms, yet the last of a handful of waiting writers slept tens of ms, now
and then a second or more, for a lock that was free most of that time. Queued here
before BEGIN IMMEDIATE, each writer starts the moment the one before it commits.

Another process writing the same file still meets SQLite's own wait (busy_timeout);
so does a writer that is not in a greenlet (sync SQLAlchemy), which cannot await.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref


class WriteTurns:
    """One queue of writers per event loop (an engine may outlive a loop, as in tests)."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def take(self) -> asyncio.Lock:
        """Wait for this writer's turn; the lock to release when its transaction ends.
        Past the timeout it fails as SQLite would have: "database is locked"."""
        lock = self._lock()
        try:
            await asyncio.wait_for(lock.acquire(), self.timeout_s)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        return lock
