"""A throwaway real PostgreSQL server for tests and benchmarks (no Docker needed).

    with running_postgres() as url:   # "postgresql+asyncpg://postgres@127.0.0.1:PORT/db"
        ...

Uses the Debian/Ubuntu server binaries (`apt-get install -y postgresql`). initdb refuses
to run as root, so as root the data directory is given to the `postgres` user and every
command runs through `runuser -u postgres --`. Durability is switched off for speed.
Standard library only, so a plain script can import it too.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

STEP_TIMEOUT = 60  # seconds for any one initdb / pg_ctl / createdb call
FAST_UNSAFE = "-F -c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL could not be found or started: a failure, never a reason to skip."""


def find_bindir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin (or $PG_BINDIR) holding initdb."""
    candidates = [os.environ["PG_BINDIR"]] if os.environ.get("PG_BINDIR") else []
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: _version(Path(path).parent.name),
        reverse=True,
    )
    for candidate in candidates:
        if (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (looked in $PG_BINDIR, /usr/lib/postgresql/*/bin"
        " and PATH). Install them: `apt-get install -y postgresql`. The storage tests need a"
        " real PostgreSQL and fail rather than skip without one."
    )


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Runner:
    """Runs server commands as the current user, or as `postgres` when we are root."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError as error:
                raise PostgresUnavailable(
                    "running as root and there is no `postgres` user to run initdb as"
                ) from error
            runuser = shutil.which("runuser")
            if runuser is None:
                raise PostgresUnavailable("running as root and `runuser` is missing")
            for path in [workdir, *workdir.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
            self.prefix = [runuser, "-u", "postgres", "--"]

    def __call__(self, *args: str, timeout: float = STEP_TIMEOUT) -> None:
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        for name in ("PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD"):
            env.pop(name, None)
        try:
            subprocess.run(
                [*self.prefix, *args],
                cwd=self.workdir,
                env=env,
                check=True,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.CalledProcessError as error:
            raise PostgresUnavailable(
                f"{Path(args[0]).name} failed ({error.returncode}):\n{error.stdout}{error.stderr}"
                f"{self.log_tail()}"
            ) from error
        except subprocess.TimeoutExpired as error:
            raise PostgresUnavailable(
                f"{Path(args[0]).name} timed out after {timeout}s{self.log_tail()}"
            ) from error

    def log_tail(self) -> str:
        log = self.workdir / "server.log"
        if not log.exists():
            return ""
        return "\nserver.log:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-20:])


@contextlib.contextmanager
def running_postgres(database: str = "nextinterview") -> Iterator[str]:
    """Start a fresh server, create `database`, yield its asyncpg URL; stop and delete after."""
    bindir = find_bindir()
    workdir = Path(tempfile.mkdtemp(prefix="nextinterview-pg-"))
    data = workdir / "data"
    started = False
    try:
        run = _Runner(workdir)
        run(
            str(bindir / "initdb"),
            "-D", str(data),
            "-U", "postgres",
            "-A", "trust",
            "-E", "UTF8",
            "--locale=C",
            "--no-sync",
        )  # fmt: skip
        for attempt in range(3):  # a free port can be taken between probe and start
            port = _free_port()
            options = f"{FAST_UNSAFE} -p {port} -h 127.0.0.1 -k {workdir}"
            try:
                run(
                    str(bindir / "pg_ctl"),
                    "-D", str(data),
                    "-l", str(workdir / "server.log"),
                    "-o", options,
                    "-w", "-t", "30",
                    "start",
                )  # fmt: skip
            except PostgresUnavailable:
                if attempt == 2:
                    raise
                continue
            started = True
            break
        run(
            str(bindir / "createdb"),
            "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", database,
        )  # fmt: skip
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/{database}"
    finally:
        if started:
            with contextlib.suppress(PostgresUnavailable):
                run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":  # a smoke test: python tests/pgserver.py
    with running_postgres() as url:
        print(url)
