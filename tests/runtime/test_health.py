"""/healthz and /readyz on a real aiohttp server on 127.0.0.1, over a real runtime on
SQLite: alive at once, ready only while the database answers and every configured
platform is connected, not ready as soon as the process is stopping."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from adapters.runtime.bootstrap import bootstrap
from adapters.runtime.health import Health, HealthServer
from adapters.runtime.serve import StartError, serve
from adapters.runtime.settings import Settings, load_settings
from tests.bench.spawn import REPO
from tests.console.test_cli import clean_env
from tests.fakes import FakeClock
from tests.runtime.web import free_port, get, readyz, until_answered, until_status
from tests.slack.fake_signing import send_http
from tests.slack.fake_slack import FakeSlack
from tests.unit.harness import WED

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROXY_VARS:  # slack_sdk applies them to 127.0.0.1 too
        monkeypatch.delenv(name, raising=False)


def _settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings(
        environ={"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/data/bot.db", **env},
        env_file=str(tmp_path / "absent.env"),
    )


async def test_readyz_is_503_until_slack_connects_then_200(tmp_path: Path) -> None:
    port = free_port()
    async with FakeSlack() as slack:
        slack.delay("auth.test", 1.5)  # Slack's start is under way for a while
        settings = _settings(
            tmp_path, SLACK_BOT_TOKEN=slack.bot_token, SLACK_APP_TOKEN=slack.app_token,
            SLACK_API_URL=slack.api_url, HEALTH_PORT=str(port),
        )  # fmt: skip
        stop = asyncio.Event()
        running = asyncio.create_task(serve(settings, stop=stop, http_host="127.0.0.1"))
        try:
            status, body = await until_answered(port, "/readyz")
            assert status == 503
            assert json.loads(body) == {"ready": False, "not_ready": {"slack": "not started"}}
            assert (await get(port, "/healthz"))[:2] == (200, "ok")  # alive all the while
            await slack.wait_connected(10)
            assert json.loads(await until_status(port, "/readyz", 200)) == {"ready": True}
        finally:
            stop.set()
            assert await asyncio.wait_for(running, 15) == 0
    with pytest.raises(OSError):  # the health server closed with the process
        await get(port, "/healthz")


async def test_slack_http_mode_serves_the_checks_on_its_own_port(tmp_path: Path) -> None:
    port = free_port()
    async with FakeSlack() as slack:
        settings = _settings(
            tmp_path, SLACK_BOT_TOKEN=slack.bot_token, SLACK_MODE="http",
            SLACK_SIGNING_SECRET="s3cret", SLACK_HTTP_PORT=str(port), SLACK_API_URL=slack.api_url,
            HEALTH_PORT=str(free_port()),
        )  # fmt: skip
        stop = asyncio.Event()
        running = asyncio.create_task(serve(settings, stop=stop, http_host="127.0.0.1"))
        try:
            await until_status(port, "/readyz", 200)
            assert (await get(port, "/healthz"))[:2] == (200, "ok")
            status, text, kind = await get(port, "/metrics")
            assert status == 200 and kind.startswith("text/plain")
            assert "nextinterview_outbox_nudges" in text
            with pytest.raises(OSError):  # no second server on HEALTH_PORT
                await get(settings.health_port or 0, "/healthz")
            # ...and Slack's endpoint is still there, checking signatures.
            events = f"http://127.0.0.1:{port}/slack/events"
            assert (await send_http(events, "{}", "wrong", "application/json"))[0] == 401
        finally:
            stop.set()
            assert await asyncio.wait_for(running, 15) == 0


async def test_readyz_follows_the_database_and_the_stop(tmp_path: Path) -> None:
    data = tmp_path / "data"
    runtime = await bootstrap(
        Settings(database_url=f"sqlite+aiosqlite:///{data}/bot.db"), FakeClock(WED)
    )
    assert runtime.metrics is not None
    health = Health(runtime.engine, runtime.uow_factory, runtime.metrics)
    server = HealthServer(health, "127.0.0.1", 0)
    port = await server.start()
    try:
        assert await readyz(port) == (200, {"ready": True})

        # The volume goes away: no connection can be opened to the database file.
        data.rename(tmp_path / "away")
        await runtime.engine.dispose()
        status, body = await readyz(port)
        assert status == 503
        assert body["not_ready"]["database"].startswith("unavailable: ")
        assert (await get(port, "/healthz"))[:2] == (200, "ok")  # alive, not ready
        (tmp_path / "away").rename(data)
        assert await readyz(port) == (200, {"ready": True})

        health.expect("discord")  # configured, its connection not built yet
        assert await readyz(port) == (503, {"ready": False,
                                            "not_ready": {"discord": "not started"}})  # fmt: skip
        health.platforms.clear()
        health.stopping = True
        assert await readyz(port) == (503, {"ready": False,
                                            "not_ready": {"process": "stopping"}})  # fmt: skip
    finally:
        await server.stop()
        await runtime.close()


async def test_a_taken_health_port_stops_run_with_one_line(tmp_path: Path) -> None:
    runtime = await bootstrap(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/a.db"))
    assert runtime.metrics is not None
    health = Health(runtime.engine, runtime.uow_factory, runtime.metrics)
    blocker = HealthServer(health, "127.0.0.1", 0)  # another process on the port
    port = await blocker.start()
    try:
        async with FakeSlack() as slack:
            settings = _settings(
                tmp_path, SLACK_BOT_TOKEN=slack.bot_token, SLACK_APP_TOKEN=slack.app_token,
                SLACK_API_URL=slack.api_url, HEALTH_PORT=str(port),
            )  # fmt: skip
            with pytest.raises(StartError) as refused:
                await serve(settings, stop=asyncio.Event(), http_host="127.0.0.1")
        message = str(refused.value)
        assert f"port {port}" in message and "HEALTH_PORT" in message and "\n" not in message
        assert slack.connections == 0 and slack.calls_to("auth.test") == []  # nothing begun
    finally:
        await blocker.stop()
        await runtime.close()


async def _cli(cwd: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """The real `nextinterview` command, as a container's health check runs it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", *args, cwd=cwd, env={**clean_env(None), **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_the_health_command_asks_the_port_the_settings_give(tmp_path: Path) -> None:
    runtime = await bootstrap(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/h.db"))
    assert runtime.metrics is not None
    health = Health(runtime.engine, runtime.uow_factory, runtime.metrics)
    server = HealthServer(health, "127.0.0.1", free_port())
    port = await server.start()
    env = {"HEALTH_PORT": str(port), "PYTHONPATH": str(REPO)}
    try:
        assert (await _cli(tmp_path, env, "health"))[:2] == (0, "ok\n")
        assert (await _cli(tmp_path, env, "health", "--ready"))[0] == 0
        health.expect("discord")
        code, _, err = await _cli(tmp_path, env, "health", "--ready")
        assert code == 1 and "503" in err and "not started" in err
        assert (await _cli(tmp_path, env, "health"))[0] == 0  # alive all the same
    finally:
        await server.stop()
        await runtime.close()
    code, _, err = await _cli(tmp_path, env, "health")
    assert code == 1 and f"no answer at http://127.0.0.1:{port}/healthz" in err
    off = await _cli(tmp_path, {**env, "HEALTH_PORT": "0"}, "health")
    assert off[0] == 1 and "HEALTH_PORT=0" in off[2]
