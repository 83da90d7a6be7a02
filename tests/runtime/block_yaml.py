"""Just enough YAML for deploy/compose.yaml (PyYAML is not a dependency): block mappings
and lists, scalars, quoted strings and flow lists of strings. Anything else raises."""

from __future__ import annotations

import json
import re
from typing import Any

_KEY = re.compile(r"^(?P<key>[A-Za-z0-9_.-]+):(?:\s+(?P<value>.*))?$")


def _scalar(raw: str) -> Any:
    raw = raw.strip()
    if raw.startswith("["):
        return json.loads(raw)  # the flow lists here are lists of double-quoted strings
    if raw[:1] in "\"'" and raw[-1:] == raw[:1]:
        return raw[1:-1]
    return {"true": True, "false": False}.get(raw, raw)


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    for line in text.splitlines():
        stripped = line.split(" #", 1)[0].rstrip() if not line.lstrip().startswith("#") else ""
        if stripped.strip():
            out.append((len(stripped) - len(stripped.lstrip()), stripped.strip()))
    return out


def parse(text: str) -> Any:
    lines = _lines(text)
    value, end = _block(lines, 0, lines[0][0])
    if end != len(lines):
        raise ValueError(f"unparsed from line {end}: {lines[end]}")
    return value


def _block(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[Any, int]:
    if lines[i][1].startswith("- "):
        items: list[Any] = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            rest = lines[i][1][2:]
            if _KEY.match(rest):  # a mapping as a list item: its keys line up after "- "
                sub = [(indent + 2, rest), *lines[i + 1 :]]
                item, used = _block(sub, 0, indent + 2)
                items.append(item)
                i += used
            else:
                items.append(_scalar(rest))
                i += 1
        return items, i
    mapping: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent:
        match = _KEY.match(lines[i][1])
        if match is None:
            raise ValueError(f"not a key: {lines[i][1]!r}")
        key, value = match["key"], match["value"]
        i += 1
        if value is not None:
            mapping[key] = _scalar(value)
        elif i < len(lines) and lines[i][0] > indent:
            mapping[key], i = _block(lines, i, lines[i][0])
        elif i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            mapping[key], i = _block(lines, i, indent)  # a list at its key's indentation
        else:
            mapping[key] = None
    if i < len(lines) and lines[i][0] > indent:
        raise ValueError(f"unexpected indentation: {lines[i][1]!r}")
    return mapping, i
