"""The `nextinterview` command line: run, console, demo, health, db upgrade, db backup."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import sys
import threading
from pathlib import Path

from adapters.runtime.settings import SettingsError, load_settings

# The rest is imported by the command that needs it: `run` on Slack never loads the
# console or the demo, and start-up time is most of it imports (slack_bolt alone ~0.5 s).

BANNER = (
    "nextinterview console — type `help`, or what you did: "
    "`met Jane from Acme yesterday`. Ctrl-D quits."
)


async def _read_line(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


async def chat(user: str, group: str | None, export_dir: Path) -> int:
    from adapters.console.backend import ConsoleBackend
    from adapters.console.delivery import ConsoleDelivery
    from adapters.runtime.bootstrap import bootstrap

    runtime = await bootstrap()
    # The console's "platform" is this machine: its zone is the operator's default.
    console = ConsoleBackend(
        runtime.core, export_dir=export_dir, timezone=runtime.core.config.default_timezone
    )
    interactive = sys.stdin.isatty()
    delivery = ConsoleDelivery(write=lambda text: print(text, flush=True), clock=runtime.clock)
    runtime.start_nudges({delivery.platform: delivery})
    try:
        if interactive:
            print(BANNER)
            while (text := await _read_line(f"{user}> ")) is not None:
                if text.strip():
                    print(await console.say(user, text, group), end="\n\n")
        else:
            for raw in sys.stdin:
                text = raw.strip()
                if text and not text.startswith("#"):
                    print(f"> {text}")
                    print(await console.say(user, text, group), end="\n\n", flush=True)
    finally:
        await runtime.close()
    return 0


# The platform SDKs `run` imports, by what configures them.
_SDKS = {
    "slack": ("slack_bolt.async_app", "slack_bolt.adapter.socket_mode.async_handler"),
    "discord": ("discord", "discord.app_commands"),
}


def _import_early(platforms: list[str]) -> threading.Thread:
    """Import the configured platforms' SDKs on a thread while the core and storage load
    on this one: start-up on a small VM is mostly imports, much of it waiting on the
    disk. Only third-party packages, which import none of ours: no lock order to cross."""

    def load() -> None:
        for name in (m for p in platforms for m in _SDKS[p]):
            try:
                importlib.import_module(name)
            except Exception:  # the import on the main thread will say what is wrong
                return

    thread = threading.Thread(target=load, name="import-sdks", daemon=True)
    thread.start()
    return thread


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.command == "run" and (settings.slack_enabled or settings.discord_enabled):
        platforms = [p for p, on in (("slack", settings.slack_enabled),
                                     ("discord", settings.discord_enabled)) if on]  # fmt: skip
        _import_early(platforms)
        from adapters.runtime.serve import StartError, serve

        try:
            return asyncio.run(serve(settings))
        except StartError as e:
            print(f"nextinterview: {e}", file=sys.stderr)
            return 2
    return asyncio.run(chat(args.as_user, args.group, Path(args.export_dir)))


def _health(ready: bool) -> int:
    """GET /healthz (or /readyz) on this machine's bot, on the port its settings give:
    0 when it answers 200. Standard library only: a check runs every few seconds."""
    import urllib.error
    import urllib.request

    settings = load_settings()
    slack_http = settings.slack_enabled and settings.slack_mode == "http"
    port = settings.slack_http_port if slack_http else settings.health_port
    if port is None:
        print("the health server is off (HEALTH_PORT=0)", file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{port}{'/readyz' if ready else '/healthz'}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    try:
        with opener.open(url, timeout=3) as response:
            print(response.read(2000).decode(errors="replace"))
            return 0
    except urllib.error.HTTPError as e:
        print(f"{e.code}: {e.read(2000).decode(errors='replace')}", file=sys.stderr)
    except OSError as e:
        print(f"no answer at {url}: {e}", file=sys.stderr)
    return 1


def _backup(target: Path, overwrite: bool) -> int:
    from storage.backup import BackupError, backup_sqlite, pg_dump_command

    settings = load_settings()
    if not settings.is_sqlite:
        print(
            "nextinterview: on PostgreSQL, back up with pg_dump (it runs while the bot does):\n"
            f"  {pg_dump_command(settings.database_url, str(target))}\n"
            "restore into an empty database with pg_restore --dbname=... FILE",
            file=sys.stderr,
        )
        return 2
    source = settings.sqlite_path
    if source is None:
        print("nextinterview: an in-memory database has nothing to back up", file=sys.stderr)
        return 2
    try:
        done = backup_sqlite(source, target, overwrite=overwrite)
    except BackupError as e:
        print(f"nextinterview: no backup made: {e}", file=sys.stderr)
        return 1
    print(f"backed up {source} to {done.path} ({done.size:,} bytes)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nextinterview", description="Your job-search accountability buddy."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_ in (
        ("run", "start every configured adapter (the console when none)"),
        ("console", "chat locally"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument(
            "--as", dest="as_user", default=getpass.getuser(), help="your name in the chat"
        )
        p.add_argument("--group", default=None, help="talk in this group's channel instead of a DM")
        p.add_argument(
            "--export-dir", default="data/exports", help="where `export` writes its files"
        )
    demo = sub.add_parser("demo", help="a sample group simulated over weeks with a fast clock")
    demo.add_argument("--weeks", type=int, default=2, help="how many weeks to simulate (1-8)")
    demo.add_argument("--seed", type=int, default=7, help="vary the members' behaviour")
    health = sub.add_parser(
        "health", help="ask the running bot on this machine if it is alive (a container check)"
    )
    health.add_argument("--ready", action="store_true", help="ask /readyz instead of /healthz")
    db = sub.add_parser("db", help="database tasks")
    db.add_argument("action", choices=["upgrade", "backup"])
    db.add_argument("path", nargs="?", help="backup: the file to write (SQLite)")
    db.add_argument(
        "--overwrite", action="store_true", help="backup: replace the file at PATH if it exists"
    )
    args = parser.parse_args(argv)
    if args.command == "db" and args.action == "backup" and not args.path:
        parser.error("db backup needs the file to write: nextinterview db backup backup.db")
    if args.command == "db" and args.action == "upgrade" and args.path:
        parser.error("db upgrade takes no path")
    try:
        if args.command == "demo":
            from adapters.demo import run_demo

            return asyncio.run(run_demo(weeks=min(max(args.weeks, 1), 8), seed=args.seed))
        if args.command == "health":
            return _health(args.ready)
        if args.command == "db" and args.action == "backup":
            return _backup(Path(args.path), args.overwrite)
        if args.command == "db":
            from storage import migrate

            asyncio.run(migrate.upgrade(load_settings().database_url))
            print("database is up to date")
            return 0
        return _run(args)
    except SettingsError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
