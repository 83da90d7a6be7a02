"""Asking the health server what an orchestrator asks, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any

import aiohttp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def get(port: int, path: str) -> tuple[int, str, str]:
    """(status, body, content type) of GET path, within 5 s."""
    timeout = aiohttp.ClientTimeout(total=5)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text(), response.headers["Content-Type"]


async def readyz(port: int) -> tuple[int, dict[str, Any]]:
    status, body, _ = await get(port, "/readyz")
    return status, json.loads(body)


async def until_answered(port: int, path: str, timeout: float = 10) -> tuple[int, str]:  # noqa: ASYNC109
    """Poll until the server listens; its first answer."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, body, _ = await get(port, path)
            return status, body
        except aiohttp.ClientConnectionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.02)


async def until_status(port: int, path: str, want: int, timeout: float = 10) -> str:  # noqa: ASYNC109
    """Poll until `path` answers `want`; its body."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = await until_answered(port, path, timeout)
        if status == want:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} still answers {status}: {body}")
        await asyncio.sleep(0.05)
