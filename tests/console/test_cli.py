"""The real `nextinterview` command line, run as a subprocess with piped stdin.

These runs use the wall clock, so assertions avoid anything that depends on the day.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.runtime.settings import ENV_VARS
from tests.console.helpers import WELCOME

WELCOMED = "\n".join(WELCOME) + "\n"  # a member's first reply starts with the welcome

TABLES = {
    "alembic_version",
    "members",
    "identities",
    "pauses",
    "contacts",
    "activities",
    "followups",
    "meetings",
    "opportunities",
    "groups",
    "memberships",
    "pending",
}


def clean_env(database_url: str | None) -> dict[str, str]:
    """The environment without proxies or any setting of the configuration contract."""
    drop = {*ENV_VARS, "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}
    env = {k: v for k, v in os.environ.items() if k.upper() not in drop}
    env["PYTHONUTF8"] = "1"
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def nextinterview(
    cwd: Path, *args: str, stdin: str = "", database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=clean_env(database_url),
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def exchanges(stdout: str) -> list[tuple[str, str]]:
    """(command, reply) pairs as the console prints them: `> command`, reply, blank line."""
    out = []
    for block in stdout.strip().split("\n\n"):
        first, _, reply = block.partition("\n")
        assert first.startswith("> "), block
        out.append((first.removeprefix("> "), reply))
    return out


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/cli.db"


def tables(path: Path) -> tuple[set[str], list[tuple[str, ...]]]:
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    conn.close()
    return names, version


def test_console_answers_piped_commands_in_order(tmp_path: Path, db_url: str) -> None:
    script = "\n".join(
        [
            "help streak",
            "met Jane Doe from Acme today",
            "# a comment and a blank line are skipped",
            "",
            "contacts",
            "log meeting Bob Smith 2025-13-45",
            "contact add Priya Patel @Initech via Jane",
            "export",
        ]
    )
    result = nextinterview(tmp_path, "console", "--as", "Ann", stdin=script, database_url=db_url)
    assert result.returncode == 0, result.stderr
    got = exchanges(result.stdout)
    assert [cmd for cmd, _ in got] == [
        "help streak",
        "met Jane Doe from Acme today",
        "contacts",
        "log meeting Bob Smith 2025-13-45",
        "contact add Priya Patel @Initech via Jane",
        "export",
    ]
    replies = [reply for _, reply in got]
    assert replies[0] == (
        WELCOMED + "`streak` — Your streak: working days in a row with an outreach, follow-up or "
        "conversation.\nTry: `streak`"
    )
    assert replies[1].startswith("Nice — logged your conversation with Jane Doe (Acme) today.")
    assert replies[2] == (
        "Your contacts (1)\n#1 Jane Doe (Acme) · stage 1\n"
        "Next: pick one you haven't talked to lately and send a note."
    )
    assert replies[3] == (
        "I couldn't read `2025-13-45` as a date.\nTry: `log meeting Bob Smith yesterday`"
    )
    assert replies[4].startswith("Added Priya Patel (Initech), referred by Jane Doe.")
    assert replies[5].startswith("Here's everything: 2 contacts, 1 logged step.")

    # `export` wrote into ./data/exports, the default folder.
    exports = tmp_path / "data" / "exports"
    assert "wrote data/exports/nextinterview.json" in replies[5]
    data = json.loads((exports / "nextinterview.json").read_text(encoding="utf-8"))
    assert sorted(c["name"] for c in data["contacts"]) == ["Jane Doe", "Priya Patel"]
    assert (exports / "contacts.csv").read_text(encoding="utf-8").startswith("member_id,")

    # The next session finds what this one saved; the name is the identity.
    again = nextinterview(
        tmp_path, "console", "--as", "ann", stdin="contacts\n", database_url=db_url
    )
    assert again.returncode == 0, again.stderr
    assert exchanges(again.stdout)[0][1].startswith("Your contacts (2)")
    other = nextinterview(
        tmp_path, "console", "--as", "Bob", stdin="contacts\n", database_url=db_url
    )
    assert exchanges(other.stdout)[0][1].startswith(WELCOMED + "No contacts yet.")


def test_console_users_meet_in_a_group(tmp_path: Path, db_url: str) -> None:
    def say(user: str, text: str) -> str:
        result = nextinterview(
            tmp_path, "console", "--as", user, "--group", "club", stdin=text, database_url=db_url
        )
        assert result.returncode == 0, result.stderr
        return "\n\n".join(reply for _, reply in exchanges(result.stdout))

    assert "This channel is now the job-search group club." in say("Ann", "group setup")
    assert "Welcome to club!" in say("Bob", "group join\nmet Jane Doe @Acme today")
    board = say("Ann", "leaderboard")
    assert "1. Bob — 5 pts · 1 conversation · 0 follow-ups" in board
    assert "Jane" not in board


def test_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path: Path, db_url: str) -> None:
    first = nextinterview(tmp_path, "db", "upgrade", database_url=db_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "database is up to date"
    names, version = tables(tmp_path / "cli.db")
    assert names >= TABLES
    assert len(version) == 1

    chat = nextinterview(
        tmp_path,
        "console",
        "--as",
        "Ann",
        stdin="met Jane Doe from Acme today\n",
        database_url=db_url,
    )
    assert chat.returncode == 0, chat.stderr

    second = nextinterview(tmp_path, "db", "upgrade", database_url=db_url)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "database is up to date"
    assert tables(tmp_path / "cli.db") == (names, version)
    # Nothing was lost by the second run.
    after = nextinterview(
        tmp_path, "console", "--as", "Ann", stdin="contacts\n", database_url=db_url
    )
    assert "#1 Jane Doe (Acme) · stage 1" in after.stdout


def test_db_upgrade_with_a_bad_url_says_why(tmp_path: Path) -> None:
    result = nextinterview(tmp_path, "db", "upgrade", database_url="postgres://x@localhost/db")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "configuration error: DATABASE_URL must start with sqlite+aiosqlite:// or "
        "postgresql+asyncpg://, got 'postgres' (use postgresql+asyncpg://...)"
    )


def test_run_without_a_platform_starts_the_console(tmp_path: Path, db_url: str) -> None:
    result = nextinterview(
        tmp_path,
        "run",
        "--as",
        "Ann",
        stdin="reached out to Sam @Globex\nfollowups\n",
        database_url=db_url,
    )
    assert result.returncode == 0, result.stderr
    assert exchanges(result.stdout) == [
        (
            "reached out to Sam @Globex",
            WELCOMED + "Logged: you reached out to Sam (Globex) today.\n"
            "Next: suggest a time yourself rather than waiting for Sam.\n"
            "[Undo: undo]",
        ),
        (
            "followups",
            "You owe no follow-ups. Clean slate.\n"
            "Next: who could you set up a conversation with this week?",
        ),
    ]


def test_run_uses_the_embedded_database_by_default(tmp_path: Path) -> None:
    result = nextinterview(tmp_path, "run", "--as", "Ann", stdin="contact add Jane Doe\n")
    assert result.returncode == 0, result.stderr
    assert "Added Jane Doe." in result.stdout
    names, _ = tables(tmp_path / "data" / "nextinterview.db")
    assert names >= TABLES
