"""`nextinterview run` with Slack and Discord both configured: one process serves both
(the same core and database), and stops cleanly when told."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.runtime.serve import serve
from adapters.runtime.settings import load_settings
from tests.discord import payloads
from tests.discord.fake_discord import FakeDiscord, eventually
from tests.discord.harness import text_of
from tests.discord.payloads import CHANNEL_ID, GUILD_ID
from tests.slack import payloads as slack_payloads
from tests.slack.fake_slack import FakeSlack


async def test_one_process_serves_slack_and_discord(tmp_path: Path) -> None:
    async with FakeSlack() as slack, FakeDiscord() as discord_fake:
        slack.add_user("U1", "Ada Lovelace", tz="Europe/London")
        discord_fake.add_guild(GUILD_ID, "Job club", [CHANNEL_ID])
        settings = load_settings(
            environ={
                "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/both.db",
                "SLACK_BOT_TOKEN": slack.bot_token,
                "SLACK_APP_TOKEN": slack.app_token,
                "SLACK_API_URL": slack.api_url,
                "DISCORD_BOT_TOKEN": discord_fake.token,
                "DISCORD_API_URL": discord_fake.api_url,
                "DISCORD_GATEWAY_URL": discord_fake.gateway_url,
                "HEALTH_PORT": "0",
            },
            env_file=str(tmp_path / "absent.env"),
        )
        stop = asyncio.Event()
        with discord_fake.patch_discord():  # serve points discord.py at the fake; restored
            running = asyncio.create_task(serve(settings, stop=stop))
            try:
                await slack.wait_connected(10)
                await discord_fake.wait_ready(10)
                ack = await slack.push(
                    "slash_commands",
                    slack_payloads.slash_command(
                        "met Jane Doe from Acme today", user="U1", channel="DU1",
                        response_url=slack.response_url(),
                    ),
                )  # fmt: skip
                slack_text = (ack.payload or {}).get("text") or ""
                if not slack_text:  # acked at once, answered through the response_url
                    await eventually(lambda: bool(slack.responses))
                    slack_text = slack.responses[-1]["body"]["text"]
                assert "Jane Doe" in slack_text
                answer = await discord_fake.interact(payloads.slash("log", {
                    "kind": "outreach", "person": "Omar Little", "company": "Baltimore",
                }))  # fmt: skip
                discord_text = text_of(answer.data)
                if answer.type == 5:  # deferred (a busy machine): the edited original
                    original = lambda: text_of(discord_fake.original(answer.interaction_id))  # noqa: E731
                    await eventually(lambda: bool(original()))
                    discord_text = original()
                assert "Omar Little" in discord_text
            finally:
                stop.set()
                assert await asyncio.wait_for(running, 15) == 0
    assert slack.violations == [] and discord_fake.violations == []
