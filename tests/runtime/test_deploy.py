"""The deploy files say what the code does: compose's health checks ask the bot's own
health command and wait for a healthy database, every variable they set is a setting
the app reads, and the systemd unit stops within the bot's stop budget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.runtime.serve import STOP_BUDGET_S
from adapters.runtime.settings import ENV_VARS, load_settings
from tests.runtime.block_yaml import parse

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = parse((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", value)
    assert match, value
    return float(match[1]) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[match[2]]


def test_the_block_yaml_reader_reads_what_compose_holds() -> None:
    assert parse("a:\n  b: 1\n  c:\n    - x\n    - k: v\n      w: 'q'\nd: [\"e\"]\n") == {
        "a": {"b": "1", "c": ["x", {"k": "v", "w": "q"}]},
        "d": ["e"],
    }


def test_postgres_reports_healthy_and_the_bot_waits_for_it() -> None:
    services = COMPOSE["services"]
    assert services["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"][1]
    assert services["bot"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_the_bot_runs_two_replicas_checked_for_readiness() -> None:
    bot = COMPOSE["services"]["bot"]
    assert bot["deploy"]["replicas"] == "2"
    assert bot["healthcheck"]["test"] == ["CMD", "nextinterview", "health", "--ready"]
    assert _seconds(bot["healthcheck"]["timeout"]) < _seconds(bot["healthcheck"]["interval"])
    assert bot["stop_signal"] == "SIGTERM"
    assert _seconds(bot["stop_grace_period"]) > STOP_BUDGET_S
    # Two replicas are only right where any of them may answer: Slack's HTTP mode.
    assert bot["environment"]["SLACK_MODE"] == "http"
    port = bot["environment"]["SLACK_HTTP_PORT"]
    assert all(p.endswith(f":{port}") for p in bot["ports"])


def test_every_variable_compose_sets_is_a_setting_the_app_reads() -> None:
    env = COMPOSE["services"]["bot"]["environment"]
    assert set(env) <= set(ENV_VARS), set(env) - set(ENV_VARS)
    # ...and each value is one the settings accept (interpolation as compose's default).
    values = {k: re.sub(r"\$\{(\w+):-([^}]*)\}", r"\2", v) for k, v in env.items()}
    settings = load_settings(environ=values, env_file=None)
    assert settings.database_url.startswith("postgresql+asyncpg://nextinterview:")
    assert settings.slack_mode == "http" and settings.slack_http_port == 3000


def test_the_health_command_compose_and_the_image_run_exists() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    check = re.search(r"^HEALTHCHECK .*\\\n\s+CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert check and check[1] == '["nextinterview", "health"]'
    with pytest.raises(SystemExit) as shown:  # argparse's --help exits 0 after the usage
        main(["health", "--help"])
    assert shown.value.code == 0
    for port in ("3000", "8080"):  # Slack's HTTP port and HEALTH_PORT's default
        assert re.search(rf"^EXPOSE .*\b{port}\b", dockerfile, re.MULTILINE)


def _unit() -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (DEPLOY / "nextinterview.service").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        assert key and _ == "=", line
        current.setdefault(key, []).append(value)
    return sections


def test_the_systemd_unit_runs_one_process_as_its_own_user_and_stops_in_time() -> None:
    unit = _unit()
    service = unit["Service"]
    assert service["ExecStart"] == ["/opt/nextinterview/bin/nextinterview run"]
    assert service["Restart"] == ["on-failure"]
    assert service["User"] == ["nextinterview"] and service["Group"] == ["nextinterview"]
    assert service["WorkingDirectory"] == ["/var/lib/nextinterview"]
    assert service["StateDirectory"] == ["nextinterview"]  # the working directory, writable
    assert service["EnvironmentFile"] == ["/etc/nextinterview/nextinterview.env"]
    assert service["KillSignal"] == ["SIGTERM"]
    stop = _seconds(service["TimeoutStopSec"][0])
    assert STOP_BUDGET_S < stop <= 15  # the bot's own budget, then a little margin
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
    known = {"Description", "After", "Wants"}
    assert set(unit["Unit"]) <= known, set(unit["Unit"]) - known
