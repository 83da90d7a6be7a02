"""The one place that reads the wall clock; everything else gets a Clock injected."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
