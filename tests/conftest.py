"""Shared fixtures: a real PostgreSQL server for the whole session (storage, benchmarks)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pgserver import running_postgres


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """asyncpg URL of a throwaway PostgreSQL; fails (never skips) when it cannot start."""
    with running_postgres() as url:
        yield url
