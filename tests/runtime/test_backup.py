"""`nextinterview db backup PATH`, the real command as a subprocess, while a bot holds the
database open in WAL mode with fresh rows not yet checkpointed into the file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from adapters.console.backend import ConsoleBackend
from adapters.runtime.bootstrap import bootstrap
from adapters.runtime.settings import Settings
from tests.console.test_cli import nextinterview
from tests.fakes import FakeClock
from tests.unit.harness import WED


def _contacts(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [name for (name,) in db.execute("SELECT name FROM contacts ORDER BY name")]


def _partials(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if "partial" in p.name]


async def test_a_backup_taken_while_the_bot_runs_holds_its_data(tmp_path: Path) -> None:
    live = tmp_path / "data" / "bot.db"
    url = f"sqlite+aiosqlite:///{live}"
    runtime = await bootstrap(Settings(database_url=url), FakeClock(WED))  # the running bot
    try:
        console = ConsoleBackend(runtime.core)
        for name in ("Jane Doe", "Omar Little"):
            assert not (await console.reply("ann", f"contact add {name}")).is_error
        assert (live.parent / "bot.db-wal").stat().st_size > 0  # rows in the WAL too

        done = nextinterview(tmp_path, "db", "backup", "copy.db", database_url=url)
        assert done.returncode == 0, done.stderr
        assert "backed up" in done.stdout and "copy.db" in done.stdout
        copy = tmp_path / "copy.db"
        assert _contacts(copy) == ["Jane Doe", "Omar Little"]
        assert not (tmp_path / "copy.db-wal").exists()  # one self-contained file
        with sqlite3.connect(copy) as db:
            assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            assert db.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)

        # The bot goes on writing; the backup is not overwritten unless asked.
        assert not (await console.reply("ann", "contact add Priya Patel")).is_error
        again = nextinterview(tmp_path, "db", "backup", "copy.db", database_url=url)
        assert again.returncode == 1
        assert "already exists" in again.stderr and "--overwrite" in again.stderr
        assert "Traceback" not in again.stderr
        assert _contacts(copy) == ["Jane Doe", "Omar Little"]
        forced = nextinterview(
            tmp_path, "db", "backup", "copy.db", "--overwrite", database_url=url
        )
        assert forced.returncode == 0, forced.stderr
        assert _contacts(copy) == ["Jane Doe", "Omar Little", "Priya Patel"]
        assert _partials(tmp_path) == []
    finally:
        await runtime.close()


def test_a_backup_over_the_database_itself_or_into_no_folder_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    assert nextinterview(tmp_path, "db", "upgrade", database_url=url).returncode == 0
    onto = nextinterview(tmp_path, "db", "backup", "bot.db", "--overwrite", database_url=url)
    assert onto.returncode == 1 and "the database itself" in onto.stderr
    nowhere = nextinterview(tmp_path, "db", "backup", "no/such/dir.db", database_url=url)
    assert nowhere.returncode == 1 and "does not exist" in nowhere.stderr
    bare = nextinterview(tmp_path, "db", "backup", database_url=url)
    assert bare.returncode == 2 and "nextinterview db backup backup.db" in bare.stderr


def test_on_postgresql_backup_points_at_pg_dump(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://bot:s3cret@db.internal:5433/nextinterview"
    done = nextinterview(tmp_path, "db", "backup", "nightly.dump", database_url=url)
    assert done.returncode == 2
    assert (
        "pg_dump --format=custom --file nightly.dump postgresql://bot@db.internal:5433/nextinterview"
        in done.stderr
    )
    assert "s3cret" not in done.stderr  # pg_dump takes it from PGPASSWORD or ~/.pgpass
    assert not (tmp_path / "nightly.dump").exists()
