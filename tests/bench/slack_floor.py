"""The floor of the Slack burst: slack-bolt alone in its own process, in Socket Mode, a
/next that only acks. Run by the bench as `python -m tests.bench.slack_floor` with the
same SLACK_* variables as `nextinterview run`; stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


async def serve() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"],
                            base_url=os.environ["SLACK_API_URL"])  # fmt: skip
    app = AsyncApp(client=client)

    @app.command("/next")
    async def only_ack(ack: Any) -> None:
        await ack()

    handler = AsyncSocketModeHandler(app, os.environ["SLACK_APP_TOKEN"])
    await handler.connect_async()
    try:
        await stop.wait()
    finally:
        await handler.close_async()


if __name__ == "__main__":
    asyncio.run(serve())
