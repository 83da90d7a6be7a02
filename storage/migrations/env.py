"""Alembic environment: async engines, batch mode for SQLite, the tables' metadata.

Called three ways: by storage.migrate (a connection is handed over in
config.attributes), by the alembic command line (URL from `-x url=...`, the ini's
sqlalchemy.url or DATABASE_URL), or offline (`--sql`).
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from storage.engine import make_engine
from storage.tables import metadata

config = context.config
target_metadata = metadata

CONFIGURE_OPTIONS: dict[str, object] = {
    "target_metadata": target_metadata,
    "render_as_batch": True,  # SQLite cannot ALTER most things: copy-and-move tables
    "compare_type": True,
    # Our SQLite engine emits BEGIN itself, so DDL there is transactional too.
    "transactional_ddl": True,
}


def _url() -> str:
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("DATABASE_URL")
    )
    if not url:
        raise RuntimeError("no database URL: pass -x url=... or set DATABASE_URL")
    return url


def run_on(connection: Connection) -> None:
    context.configure(connection=connection, **CONFIGURE_OPTIONS)  # type: ignore[arg-type]
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = make_engine(_url(), poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(run_on)
            await conn.commit()
    finally:
        await engine.dispose()


def run_offline() -> None:
    context.configure(url=_url(), literal_binds=True, **CONFIGURE_OPTIONS)  # type: ignore[arg-type]
    with context.begin_transaction():
        context.run_migrations()


handed_over = config.attributes.get("connection")
if handed_over is not None:
    run_on(handed_over)
elif context.is_offline_mode():
    run_offline()
else:
    asyncio.run(run_online())
