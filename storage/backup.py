"""`nextinterview db backup PATH`: a consistent copy of the SQLite database, taken with
SQLite's online backup API while the bot runs (WAL: the bot's readers and writer go on;
the copy is the database as of one instant). PostgreSQL has pg_dump for that.

The copy is written beside PATH under a temporary name, checked, turned into one
self-contained file (no -wal beside it), and only then renamed to PATH: a backup that
failed half way never leaves a file that looks like a backup.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

PAGES_PER_STEP = 1024  # 4 MiB at a time: the bot's writer gets its turn between steps


class BackupError(Exception):
    """Why no backup was made; one line for the operator."""


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    size: int  # bytes


def backup_sqlite(source: Path, target: Path, overwrite: bool = False) -> Backup:
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("the backup would overwrite the database itself; choose another path")
    if target.is_dir():
        raise BackupError(f"{target} is a directory; give the backup's file name")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists; choose a new name, or pass --overwrite")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        # Read only: the backup can never write to the live database.
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst, pages=PAGES_PER_STEP)
                dst.execute("PRAGMA journal_mode=DELETE")  # one file, whatever the source's
                (check,) = dst.execute("PRAGMA quick_check").fetchone()
                if check != "ok":
                    raise BackupError(f"the copy failed its check: {check}")
            finally:
                dst.close()
        finally:
            src.close()
        os.replace(partial, target)
    except sqlite3.Error as e:
        raise BackupError(f"the backup failed: {e}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return Backup(target, target.stat().st_size)


def pg_dump_command(database_url: str, target: str) -> str:
    """The pg_dump command line for a postgresql+asyncpg:// URL (the password left out:
    pg_dump reads it from PGPASSWORD or ~/.pgpass)."""
    parts = urlsplit(database_url)
    host = parts.hostname or "localhost"
    netloc = quote(parts.username or "", safe="") + "@" if parts.username else ""
    netloc += host + (f":{parts.port}" if parts.port else "")
    url = urlunsplit(("postgresql", netloc, parts.path, parts.query, ""))
    return f"pg_dump --format=custom --file {shlex.quote(target)} {shlex.quote(url)}"
