"""SlackDelivery through the real AsyncWebClient against the fake Slack server: where a
nudge goes, what each of Slack's failures comes back as, and the dispatcher riding out
a storm of 429s with every nudge delivered exactly once."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

import pytest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.delivery import STOPPED, SlackDelivery, delivery_client
from bot.domain import Identity, Member
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import (
    ChannelTarget,
    DeliveryResult,
    DeliveryStatus,
    Nudge,
    NudgeKind,
    NudgeStatus,
    Outbound,
)
from bot.replies import Reply, UserText, line
from tests.fakes import FakeClock, FakeStore, fake_uow_factory
from tests.slack.fake_slack import FakeSlack
from tests.unit.nudge_world import FakeTimer

TEAM = "T0001"
ADA = Identity("slack", TEAM, "U0ADA")
GROUP = ChannelTarget("slack", TEAM, "C0GROUP")
HELLO = Reply(body=(line("Who did you follow up with today?"),), next_step=line("Log one."))
POST = "chat.postMessage"


class MemoryChannels:
    """DmChannels in a dict: what storage's identity cache does, minus the database."""

    def __init__(self, known: dict[Identity, str] | None = None) -> None:
        self.known = dict(known or {})
        self.sets: list[tuple[Identity, str]] = []

    async def get(self, identity: Identity) -> str | None:
        return self.known.get(identity)

    async def set(self, identity: Identity, channel_id: str) -> None:
        self.sets.append((identity, channel_id))
        self.known[identity] = channel_id


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


def client_for(fake: FakeSlack, timeout: float = 2) -> AsyncWebClient:
    # A float timeout works (aiohttp's ClientTimeout); short, so the timeout test is quick.
    return AsyncWebClient(
        token=fake.bot_token, base_url=fake.api_url, timeout=timeout, retry_handlers=[]
    )


def delivery_on(
    fake: FakeSlack, channels: MemoryChannels | None = None, timeout: float = 2, **kw: object
) -> tuple[SlackDelivery, MemoryChannels]:
    channels = channels if channels is not None else MemoryChannels({ADA: "D0ADA"})
    return SlackDelivery(client_for(fake, timeout), channels, **kw), channels


def dm(key: str = "nudge-1", reply: Reply = HELLO, to: Identity = ADA) -> Outbound:
    return Outbound(to, reply, key)


def posted_to(fake: FakeSlack) -> list[str]:
    return [c.args["channel"] for c in fake.calls_to(POST)]


async def test_a_dm_goes_to_the_stored_channel(fake_slack: FakeSlack) -> None:
    delivery, channels = delivery_on(fake_slack)
    assert await delivery.deliver(dm()) == DeliveryResult.sent()
    assert posted_to(fake_slack) == ["D0ADA"]
    (message,) = fake_slack.messages
    assert "Who did you follow up with today?" in message["text"] and message["blocks"]
    assert channels.sets == [] and fake_slack.violations == []


async def test_the_first_dm_stores_the_channel_slack_answers_and_the_next_uses_it(
    fake_slack: FakeSlack,
) -> None:
    delivery, channels = delivery_on(fake_slack, MemoryChannels())
    assert await delivery.deliver(dm("nudge-1")) == DeliveryResult.sent()
    assert await delivery.deliver(dm("nudge-2")) == DeliveryResult.sent()
    assert posted_to(fake_slack) == ["U0ADA", "DU0ADA"]
    assert channels.sets == [(ADA, "DU0ADA")]  # stored once, not again
    assert fake_slack.calls_to("conversations.open") == []


async def test_a_stale_stored_channel_falls_back_to_the_user_and_is_replaced(
    fake_slack: FakeSlack,
) -> None:
    delivery, channels = delivery_on(fake_slack)
    fake_slack.fail(POST, "channel_not_found", channel="D0ADA")
    assert await delivery.deliver(dm()) == DeliveryResult.sent()
    assert posted_to(fake_slack) == ["D0ADA", "U0ADA"]
    assert channels.known[ADA] == "DU0ADA" and len(fake_slack.messages) == 1


async def test_429_is_rate_limited_with_slacks_retry_after(fake_slack: FakeSlack) -> None:
    delivery, _ = delivery_on(fake_slack)
    fake_slack.rate_limit(POST, retry_after=7)
    result = await delivery.deliver(dm())
    assert (result.status, result.retry_after) == (DeliveryStatus.RATE_LIMITED, 7.0)
    assert len(fake_slack.calls_to(POST)) == 1  # the client did not retry on its own
    assert await delivery.deliver(dm()) == DeliveryResult.sent()  # not remembered as sent


@pytest.mark.parametrize(
    "error,status", [("internal_error", 200), ("fatal_error", 200), ("internal_error", 500)]
)
async def test_slacks_own_trouble_is_transient(
    fake_slack: FakeSlack, error: str, status: int
) -> None:
    delivery, _ = delivery_on(fake_slack)
    fake_slack.fail(POST, error, status=status)
    result = await delivery.deliver(dm())
    assert result.status is DeliveryStatus.TRANSIENT and error in result.detail
    assert fake_slack.messages == []
    assert await delivery.deliver(dm()) == DeliveryResult.sent()


async def test_a_timeout_is_transient(fake_slack: FakeSlack) -> None:
    delivery, _ = delivery_on(fake_slack, timeout=0.2)
    fake_slack.delay(POST, seconds=0.5)
    result = await delivery.deliver(dm())
    assert (result.status, result.detail) == (DeliveryStatus.TRANSIENT, "timeout")


async def test_no_server_is_transient() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = delivery_client("xoxb-test", base_url=f"http://127.0.0.1:{port}/api/", timeout=2)
    result = await SlackDelivery(client, MemoryChannels()).deliver(dm())
    assert result.status is DeliveryStatus.TRANSIENT and "connection" in result.detail


@pytest.mark.parametrize("error", ["user_not_found", "user_disabled", "cannot_dm_bot"])
async def test_a_member_slack_cannot_reach_is_permanent(fake_slack: FakeSlack, error: str) -> None:
    delivery, _ = delivery_on(fake_slack)
    fake_slack.fail(POST, error)
    assert await delivery.deliver(dm()) == DeliveryResult(DeliveryStatus.PERMANENT, detail=error)


async def test_a_lost_group_channel_is_permanent_and_reported_once(fake_slack: FakeSlack) -> None:
    lost: list[tuple[ChannelTarget, str]] = []

    async def on_lost(where: ChannelTarget, error: str) -> None:
        lost.append((where, error))

    delivery, _ = delivery_on(fake_slack, on_channel_lost=on_lost)
    fake_slack.fail(POST, "channel_not_found", times=2, channel=GROUP.channel_id)
    for key in ("nudge-1", "nudge-2"):
        result = await delivery.deliver(Outbound(GROUP, HELLO, key))
        assert result == DeliveryResult(DeliveryStatus.PERMANENT, detail="channel_not_found")
    assert lost == [(GROUP, "channel_not_found")]
    assert await delivery.deliver(Outbound(GROUP, HELLO, "nudge-3")) == DeliveryResult.sent()
    assert posted_to(fake_slack) == [GROUP.channel_id] * 3


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked"])
async def test_a_dead_token_stops_the_tenant_until_resumed(
    fake_slack: FakeSlack, error: str
) -> None:
    delivery, _ = delivery_on(fake_slack)
    fake_slack.revoke(error)
    assert await delivery.deliver(dm("nudge-1")) == STOPPED
    assert STOPPED.status is DeliveryStatus.RATE_LIMITED and STOPPED.retry_after == 300
    calls = len(fake_slack.calls)
    assert await delivery.deliver(dm("nudge-2")) == STOPPED
    assert await delivery.deliver(Outbound(GROUP, HELLO, "nudge-3")) == STOPPED
    assert len(fake_slack.calls) == calls  # nothing reached Slack
    # Another workspace is not stopped with it (the fake answers it with the same token).
    other = Identity("slack", "T0002", "U0BOB")
    assert await delivery.deliver(dm("nudge-4", to=other)) == STOPPED
    assert len(fake_slack.calls) == calls + 1
    fake_slack.restore()
    delivery.resume(TEAM)
    assert await delivery.deliver(dm("nudge-2")) == DeliveryResult.sent()
    assert len(fake_slack.messages) == 1


async def test_a_repeated_idempotency_key_posts_once(fake_slack: FakeSlack) -> None:
    delivery, _ = delivery_on(fake_slack)
    for _ in range(3):
        assert await delivery.deliver(dm("nudge-9")) == DeliveryResult.sent()
    assert len(fake_slack.messages) == 1


async def test_the_remembered_keys_are_bounded(fake_slack: FakeSlack) -> None:
    delivery, _ = delivery_on(fake_slack, keep_keys=2)
    for key in ("nudge-1", "nudge-2", "nudge-3", "nudge-1"):
        await delivery.deliver(dm(key))
    assert len(fake_slack.messages) == 4  # nudge-1 was forgotten, so posted again


async def test_user_text_in_a_nudge_never_pings(fake_slack: FakeSlack) -> None:
    delivery, _ = delivery_on(fake_slack)
    typed = UserText("<!channel> <!here> @everyone <@U0BOB> & co")
    reply = Reply(body=(line("You met ", typed, " yesterday."),), next_step=line("Thank them."))
    assert await delivery.deliver(dm(reply=reply)) == DeliveryResult.sent()
    (message,) = fake_slack.messages
    assert fake_slack.violations == []
    assert "<!channel>" not in str(message) and "<@U0BOB>" not in str(message)
    assert "channel" in message["text"] and "U0BOB" in message["text"]


async def test_a_client_that_retries_on_its_own_is_refused(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(
        token="xoxb-test",
        base_url=fake_slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    with pytest.raises(ValueError, match="retry handlers"):
        SlackDelivery(client, MemoryChannels())


async def test_the_dispatcher_rides_out_a_429_storm_delivering_each_nudge_once(
    fake_slack: FakeSlack,
) -> None:
    clock = FakeClock(datetime.fromisoformat("2025-01-07T14:00:00+00:00"))  # a Tuesday
    store = FakeStore()
    factory = fake_uow_factory(store, clock)
    users = [f"U{i:04}" for i in range(20)]
    async with factory() as uow:
        for i, user in enumerate(users):
            member = await uow.members.add(Member(f"Member {i}"), Identity("slack", TEAM, user))
            nudge = Nudge(NudgeKind.CHECKIN, clock.now(), f"m{member.id}:checkin", member.id)
            await uow.outbox.enqueue([nudge])
    delivery, channels = delivery_on(fake_slack, MemoryChannels())
    dispatcher = Dispatcher(
        factory, clock, {"slack": delivery}, FakeTimer(clock), NudgeConfig(), worker="w1"
    )
    fake_slack.rate_limit(POST, retry_after=1, times=5)
    for _ in range(10):
        await dispatcher.tick()
        clock.advance(timedelta(seconds=1))
    nudges = list(store.outbox.values())
    assert [n.status for n in nudges] == [NudgeStatus.SENT] * 20
    assert sorted(m["channel"] for m in fake_slack.messages) == sorted(f"D{u}" for u in users)
    assert len(fake_slack.calls_to(POST)) == 25  # 5 refused, then each once
    assert sorted(n.attempts for n in nudges) == [1] * 15 + [2] * 5
    assert len(channels.known) == 20 and fake_slack.violations == []
