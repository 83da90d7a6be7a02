"""The fakes' HTTP servers: an aiohttp app on a free port of 127.0.0.1, nowhere else."""

from __future__ import annotations

import socket

from aiohttp import web


async def serve_on_loopback(app: web.Application) -> tuple[web.AppRunner, str]:
    """Start `app`; its runner (to clean up) and its base URL, http://127.0.0.1:PORT."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    await web.SockSite(runner, sock).start()
    return runner, f"http://127.0.0.1:{port}"
