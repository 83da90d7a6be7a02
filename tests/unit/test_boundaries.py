"""Architecture boundaries (DESIGN.md, "Architecture").

- import-linter's contracts in pyproject.toml pass (the core imports no SDK, ORM,
  scheduler, storage or adapter; storage imports no adapter);
- the core never reads the clock itself: no `datetime.now()`, `datetime.utcnow()`,
  `date.today()` or `time.time()` under `bot/` (the clock is injected);
- platform adapters (`adapters/slack`, `adapters/discord`, `adapters/console`) never
  import one another, nor another platform's SDK.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Dotted names (after resolving import aliases) that read the wall clock.
CLOCK_READS = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.time",
        "time.time_ns",
    }
)

# Platform adapter -> top-level modules it must not import (other platforms' SDKs).
PLATFORM_SDKS = {
    "slack": ("slack_bolt", "slack_sdk"),
    "discord": ("discord",),
    "console": (),
}


# --- import-linter -----------------------------------------------------------------------


def _lint_imports_command() -> list[str]:
    script = Path(sys.executable).parent / "lint-imports"
    if script.is_file():
        return [str(script)]
    return [
        sys.executable,
        "-c",
        "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())",
    ]


def test_import_linter_contracts_pass() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [*_lint_imports_command(), "--no-cache", "--no-logo"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"lint-imports failed:\n{output}"


# --- the core never reads the clock ------------------------------------------------------


def _import_aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> dotted name it stands for, from every import in the module."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".", 1)[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([aliases.get(node.id, node.id), *reversed(parts)])


def clock_reads(source: str, filename: str = "<string>") -> list[str]:
    """`file:line: name` for every reference to a wall-clock function in `source`."""
    tree = ast.parse(source, filename=filename)
    aliases = _import_aliases(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name):
            name = _dotted(node, aliases)
            if name in CLOCK_READS:
                found.append(f"{filename}:{node.lineno}: {name}")
    return found


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import datetime\nx = datetime.now()",
        "from datetime import datetime, timezone\nx = datetime.now(timezone.utc)",
        "import datetime\nx = datetime.datetime.utcnow()",
        "import datetime as dt\nx = dt.date.today()",
        "from datetime import date as D\nx = D.today()",
        "import time\nx = time.time()",
        "from time import time\nx = time()",
        "from time import time as now\nx = now()",
        "from datetime import datetime\nf = datetime.now",  # passed as a default factory
        "def f():\n    import time\n    return time.time()",
    ],
)
def test_clock_scanner_finds(source: str) -> None:
    assert clock_reads(source)


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import datetime\nx = datetime(2024, 1, 1)",
        "from datetime import datetime\nx = datetime.fromisoformat('2024-01-01')",
        "def f(clock):\n    return clock.now()",
        "from datetime import time\nx = time(9, 30)",
        "import time\nx = time.monotonic()",
        "x = meeting.time",
    ],
)
def test_clock_scanner_ignores(source: str) -> None:
    assert clock_reads(source) == []


def _python_files(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def test_core_never_reads_the_clock() -> None:
    files = list(_python_files(REPO / "bot"))
    assert files, "bot/ has no modules to scan"
    found = [
        hit
        for path in files
        for hit in clock_reads(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    ]
    assert not found, "the core must take time from the injected Clock:\n" + "\n".join(found)


# --- platform adapters never import each other -------------------------------------------


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Every module `source` (the text of `module`) imports, relative imports resolved.

    `from a import b` yields both `a` and `a.b`, since `b` may be a submodule.
    """
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def _forbidden_for(platform: str) -> tuple[str, ...]:
    others = [p for p in PLATFORM_SDKS if p != platform]
    return (
        *(f"adapters.{p}" for p in others),
        *(sdk for p in others for sdk in PLATFORM_SDKS[p]),
    )


def _violations(source: str, module: str, is_package: bool, platform: str) -> list[str]:
    forbidden = _forbidden_for(platform)
    return sorted(
        name
        for name in imported_modules(source, module, is_package)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


@pytest.mark.parametrize(
    ("source", "module", "is_package", "platform"),
    [
        ("import discord", "adapters.slack.app", False, "slack"),
        ("from adapters.discord import render", "adapters.slack.app", False, "slack"),
        ("from adapters import discord", "adapters.slack.app", False, "slack"),
        ("from ..discord.render import embed", "adapters.slack.app", False, "slack"),
        ("from ..slack import blocks", "adapters.discord", True, "discord"),
        ("from slack_sdk.errors import SlackApiError", "adapters.discord.bot", False, "discord"),
        ("from adapters.slack import blocks", "adapters.console.repl", False, "console"),
    ],
)
def test_cross_platform_scanner_finds(
    source: str, module: str, is_package: bool, platform: str
) -> None:
    assert _violations(source, module, is_package, platform)


@pytest.mark.parametrize(
    ("source", "module", "is_package", "platform"),
    [
        (
            "import discord\nfrom discord import app_commands",
            "adapters.discord.bot",
            False,
            "discord",
        ),
        ("from slack_bolt.async_app import AsyncApp", "adapters.slack.app", False, "slack"),
        ("from . import blocks\nfrom .blocks import render", "adapters.slack.app", False, "slack"),
        ("from bot import commands\nimport adapters.runtime", "adapters.slack", True, "slack"),
        ("from adapters.discord_like import x", "adapters.slack.app", False, "slack"),
    ],
)
def test_cross_platform_scanner_ignores(
    source: str, module: str, is_package: bool, platform: str
) -> None:
    assert _violations(source, module, is_package, platform) == []


def test_platform_adapters_never_import_each_other() -> None:
    found: list[str] = []
    for platform in PLATFORM_SDKS:
        folder = REPO / "adapters" / platform
        if not folder.is_dir():
            continue
        for path in _python_files(folder):
            module = _module_name(path, REPO)
            for name in _violations(
                path.read_text(encoding="utf-8"), module, path.name == "__init__.py", platform
            ):
                found.append(f"{path.relative_to(REPO)} imports {name}")
    assert not found, "a platform adapter imports another platform:\n" + "\n".join(found)
