"""A fresh, migrated PostgreSQL database per test, on the session's real server."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from storage.engine import make_engine
from storage.migrate import upgrade

_names = itertools.count()


@pytest_asyncio.fixture
async def pg_fresh_url(pg_url: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    base = make_url(pg_url)
    name = f"engine_{next(_names)}"
    admin = make_engine(base.render_as_string(False), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            await conn.exec_driver_sql(f"CREATE DATABASE {name}")
        url = base.set(database=name).render_as_string(False)
        await upgrade(url)
        yield url
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.dispose()
