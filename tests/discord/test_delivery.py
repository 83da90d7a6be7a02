"""DiscordDelivery through the real discord.py client against the fake Discord: where a nudge
goes and what it carries, what each of Discord's failures comes back as, sends that outlive
their deadline landing once, and the dispatcher riding out a storm of 429s with every
nudge delivered exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import discord
import pytest

from adapters.discord import delivery as delivery_module
from adapters.discord.delivery import (
    GLOBAL_LIMIT,
    NONCE_MAX,
    STOPPED,
    DiscordDelivery,
    nonce,
)
from bot.domain import Identity, Member
from bot.nudges.config import NudgeConfig
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import (
    ChannelTarget,
    DeliveryResult,
    DeliveryStatus,
    LimitScope,
    Nudge,
    NudgeKind,
    NudgeStatus,
    Outbound,
)
from bot.replies import Action, File, Reply, UserText, Visibility, line
from tests.discord.fake_discord import FakeDiscord, eventually
from tests.discord.payloads import CHANNEL_ID, GUILD_ID, USER_ID
from tests.fakes import FakeClock, FakeStore, fake_uow_factory
from tests.unit.nudge_world import FakeTimer

CLOSED_USER = 100000000000000077
ADA = Identity("discord", "discord", str(USER_ID))
GROUP = ChannelTarget("discord", str(GUILD_ID), str(CHANNEL_ID))
MESSAGES = "/channels/{channel_id}/messages"
OPEN_DM = "/users/@me/channels"
NUDGE = Reply(
    title=line("Check-in"),
    body=(line("Who did you follow up with today?"),),
    next_step=line("Log one."),
    actions=(Action("Done", "done 42", primary=True), Action("Snooze", "snooze 42 1h")),
)
HELLO = Reply(body=(line("Who did you follow up with today?"),), next_step=line("Log one."))


class MemoryChannels:
    """DmChannels in a dict: what storage's identity column does, minus the database."""

    def __init__(self, known: dict[Identity, str] | None = None) -> None:
        self.known = dict(known or {})
        self.sets: list[tuple[Identity, str]] = []

    async def get(self, identity: Identity) -> str | None:
        return self.known.get(identity)

    async def set(self, identity: Identity, channel_id: str) -> None:
        self.sets.append((identity, channel_id))
        self.known[identity] = channel_id


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_guild(GUILD_ID, "Job club", [CHANNEL_ID])
        fake.add_user(USER_ID, "ada")
        fake.add_user(CLOSED_USER, "closed", dms_closed=True)
        yield fake


@pytest.fixture
async def client(fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    """Logged in (REST only: sending needs no gateway). No client-wide allowed_mentions, so
    the delivery's own setting is what the fake sees."""
    with fake.patch_discord():
        client = discord.Client(intents=discord.Intents(guilds=True))
        await client.login(fake.token)
        try:
            yield client
        finally:
            await asyncio.wait_for(client.close(), 5)


Make = Callable[..., tuple[DiscordDelivery, MemoryChannels]]


@pytest.fixture
async def make(client: discord.Client) -> AsyncIterator[Make]:
    made: list[DiscordDelivery] = []

    def build(
        channels: MemoryChannels | None = None, **kw: Any
    ) -> tuple[DiscordDelivery, MemoryChannels]:
        channels = channels if channels is not None else MemoryChannels()
        delivery = DiscordDelivery(client, channels, **kw)
        made.append(delivery)
        return delivery, channels

    yield build
    for delivery in made:  # sends left in the background end before the client closes
        await delivery.close(drain_s=3)


def dm(key: str = "nudge-1", reply: Reply = NUDGE, to: Identity = ADA) -> Outbound:
    return Outbound(to, reply, key)


def posts(fake: FakeDiscord, status: int | None = None) -> list[str]:
    """The channel of every POST of a message, optionally only those answered `status`."""
    return [
        c.path.split("/")[2]
        for c in fake.calls_to("POST", MESSAGES)
        if status is None or c.status == status
    ]


def custom_ids(message: dict[str, object]) -> list[str]:
    rows = message["components"]
    assert isinstance(rows, list)
    return [button["custom_id"] for row in rows for button in row["components"]]


async def test_a_nudge_dm_lands_with_its_buttons_and_no_mentions(
    fake: FakeDiscord, make: Make
) -> None:
    delivery, channels = make()
    assert await delivery.deliver(dm("nudge-1")) == DeliveryResult.sent()
    dm_channel = str(fake.dm_channels[USER_ID])
    assert channels.sets == [(ADA, dm_channel)]
    (message,) = fake.messages
    assert message["channel_id"] == dm_channel
    assert message["embeds"][0]["title"] == "Check-in"
    assert "Who did you follow up with today?" in message["embeds"][0]["description"]
    assert custom_ids(message) == ["ni:run:done 42", "ni:run:snooze 42 1h"]
    assert message["allowed_mentions"] == {"parse": []}
    (call,) = fake.calls_to("POST", MESSAGES)
    assert (call.json["nonce"], call.json["enforce_nonce"]) == ("nudge-1", True)
    # The second nudge goes to the stored channel: no second open.
    assert await delivery.deliver(dm("nudge-2")) == DeliveryResult.sent()
    assert len(fake.calls_to("POST", OPEN_DM)) == 1
    assert posts(fake) == [dm_channel, dm_channel] and channels.sets == [(ADA, dm_channel)]
    assert fake.violations == []


async def test_a_long_key_is_a_short_nonce_the_same_on_every_try(
    fake: FakeDiscord, make: Make
) -> None:
    delivery, _ = make(MemoryChannels({ADA: str(fake.dm_channel_for(USER_ID))}))
    key = "nudge-" + "7" * 40
    fake.fail("POST", MESSAGES, 503, 0)
    assert (await delivery.deliver(dm(key))).status is DeliveryStatus.TRANSIENT
    assert await delivery.deliver(dm(key)) == DeliveryResult.sent()
    sent = [c.json["nonce"] for c in fake.calls_to("POST", MESSAGES)]
    assert sent == [nonce(key)] * 2 and len(sent[0]) == NONCE_MAX


async def test_a_key_sent_again_by_another_process_is_one_message_at_discord(
    fake: FakeDiscord, make: Make
) -> None:
    # A process posted nudge-5 and died before marking it sent; another sends it again.
    first, _ = make(MemoryChannels({ADA: str(fake.dm_channel_for(USER_ID))}))
    second, _ = make(MemoryChannels({ADA: str(fake.dm_channel_for(USER_ID))}))
    assert await first.deliver(dm("nudge-5")) == DeliveryResult.sent()
    assert await second.deliver(dm("nudge-5")) == DeliveryResult.sent()
    assert await second.deliver(dm("nudge-6")) == DeliveryResult.sent()
    assert len(fake.calls_to("POST", MESSAGES)) == 3  # the repeat reached Discord...
    assert [m["nonce"] for m in fake.messages] == ["nudge-5", "nudge-6"]  # ...and was dropped
    assert fake.nonce_repeats == 1


def test_nonces_are_keys_within_25_ascii_characters_else_a_stable_hash() -> None:
    assert nonce("nudge-123") == "nudge-123"
    assert nonce("n" * 25) == "n" * 25
    long = "nudge-" + "1" * 30
    assert len(nonce(long)) == NONCE_MAX and nonce(long) == nonce(long)
    assert nonce(long) != nonce(long + "2") and nonce(long) != long[:NONCE_MAX]
    assert len(nonce("ñudge-1")) == NONCE_MAX and nonce("ñudge-1").isascii()


async def test_a_closed_dm_is_permanent_after_one_request(fake: FakeDiscord, make: Make) -> None:
    closed = Identity("discord", "discord", str(CLOSED_USER))
    delivery, _ = make(MemoryChannels({closed: str(fake.dm_channel_for(CLOSED_USER))}))
    before = len(fake.calls)
    result = await delivery.deliver(dm(to=closed))
    assert result == DeliveryResult(DeliveryStatus.PERMANENT, detail="50007 DMs closed")
    assert len(fake.calls) == before + 1 and fake.invalid_requests == 1
    assert fake.messages == []


async def test_a_gone_stored_dm_channel_is_replaced_once(fake: FakeDiscord, make: Make) -> None:
    delivery, channels = make(MemoryChannels({ADA: "1234"}))  # a channel Discord never had
    assert await delivery.deliver(dm()) == DeliveryResult.sent()
    dm_channel = str(fake.dm_channels[USER_ID])
    assert [(c.status, c.path) for c in fake.calls[-3:]] == [
        (404, "/channels/1234/messages"),
        (200, OPEN_DM),
        (200, f"/channels/{dm_channel}/messages"),
    ]
    assert channels.known[ADA] == dm_channel and len(fake.messages) == 1


async def test_a_user_discord_does_not_know_is_permanent(fake: FakeDiscord, make: Make) -> None:
    delivery, _ = make()
    fake.fail("POST", OPEN_DM, 404, 10013, message="Unknown User")
    result = await delivery.deliver(dm())
    assert result.status is DeliveryStatus.PERMANENT and "10013" in result.detail


@pytest.mark.parametrize("is_global", [False, True])
async def test_429s_past_discord_pys_own_tries_are_rate_limited(
    fake: FakeDiscord, make: Make, is_global: bool
) -> None:
    delivery, _ = make(MemoryChannels({ADA: str(fake.dm_channel_for(USER_ID))}))
    fake.rate_limit("POST", MESSAGES, retry_after=0.02, global_=is_global, times=5)
    result = await delivery.deliver(dm())
    scope = LimitScope.PLATFORM if is_global else LimitScope.CHANNEL
    assert (result.status, result.retry_after, result.scope) == (
        DeliveryStatus.RATE_LIMITED, 1.0, scope,  # Retry-After, in whole seconds
    )
    assert posts(fake, 429) == [posts(fake)[0]] * 5  # discord.py's five tries, no more
    assert await delivery.deliver(dm()) == DeliveryResult.sent()  # not remembered as sent
    assert len(fake.messages) == 1


async def test_during_a_global_429_new_sends_wait_at_the_dispatcher(
    fake: FakeDiscord, make: Make
) -> None:
    delivery, _ = make(MemoryChannels({ADA: str(fake.dm_channel_for(USER_ID))}), timeout=0.3)
    fake.rate_limit("POST", MESSAGES, retry_after=1.0, global_=True)
    first = await delivery.deliver(dm("nudge-1"))  # discord.py sleeps the second out
    assert first.status is DeliveryStatus.TRANSIENT and "timeout" in first.detail
    calls = len(fake.calls)
    assert await delivery.deliver(dm("nudge-2")) == GLOBAL_LIMIT
    assert len(fake.calls) == calls  # nothing queued behind the global limit
    await eventually(lambda: len(fake.messages) == 1, what="the first send")
    assert await delivery.deliver(dm("nudge-1")) == DeliveryResult.sent()
    assert await delivery.deliver(dm("nudge-2")) == DeliveryResult.sent()
    assert [c.status for c in fake.calls_to("POST", MESSAGES)] == [429, 200, 200]


async def test_a_503_is_transient_then_delivered_once(fake: FakeDiscord, make: Make) -> None:
    delivery, _ = make(MemoryChannels({ADA: str(fake.dm_channel_for(USER_ID))}))
    fake.fail("POST", MESSAGES, 503, 0, message="Service Unavailable")
    result = await delivery.deliver(dm())
    assert result.status is DeliveryStatus.TRANSIENT and "503" in result.detail
    assert fake.messages == []
    assert await delivery.deliver(dm()) == DeliveryResult.sent()
    assert len(fake.messages) == 1


async def test_a_500_discord_py_retries_past_the_deadline_lands_once(
    fake: FakeDiscord, make: Make
) -> None:
    delivery, _ = make(MemoryChannels({ADA: str(fake.dm_channel_for(USER_ID))}), timeout=0.3)
    fake.fail("POST", MESSAGES, 500, 0)  # discord.py sleeps 1 s, then tries again
    result = await delivery.deliver(dm())
    assert result.status is DeliveryStatus.TRANSIENT and "timeout" in result.detail
    await eventually(lambda: len(fake.messages) == 1, what="the retried send")
    assert await delivery.deliver(dm()) == DeliveryResult.sent()  # remembered: not again
    assert [c.status for c in fake.calls_to("POST", MESSAGES)] == [500, 200]


async def test_a_retry_while_the_send_is_in_flight_waits_for_it(
    fake: FakeDiscord, make: Make
) -> None:
    delivery, _ = make(MemoryChannels({ADA: str(fake.dm_channel_for(USER_ID))}), timeout=0.3)
    fake.delay("POST", MESSAGES, seconds=0.45)
    late = await delivery.deliver(dm())
    assert late.status is DeliveryStatus.TRANSIENT and "timeout" in late.detail
    assert await delivery.deliver(dm()) == DeliveryResult.sent()  # the same send, finished
    assert len(fake.calls_to("POST", MESSAGES)) == 1 and len(fake.messages) == 1


async def test_no_server_is_transient(fake: FakeDiscord, make: Make) -> None:
    delivery, _ = make(MemoryChannels({ADA: "1234"}))
    await fake.stop()
    result = await delivery.deliver(dm())
    assert result.status is DeliveryStatus.TRANSIENT and "connection" in result.detail


async def test_a_lost_group_channel_is_permanent_and_reported_once(
    fake: FakeDiscord, make: Make
) -> None:
    lost: list[tuple[ChannelTarget, str]] = []

    async def on_lost(where: ChannelTarget, detail: str) -> None:
        lost.append((where, detail))

    delivery, _ = make(on_channel_lost=on_lost)
    fake.fail("POST", MESSAGES, 403, 50013, times=2, message="Missing Permissions")
    for key in ("nudge-1", "nudge-2"):
        result = await delivery.deliver(Outbound(GROUP, HELLO, key))
        assert result.status is DeliveryStatus.PERMANENT and "50013" in result.detail
    assert [(w, d.split()[:2]) for w, d in lost] == [(GROUP, ["403", "50013"])]
    assert await delivery.deliver(Outbound(GROUP, HELLO, "nudge-3")) == DeliveryResult.sent()
    # Invited back, then removed again: that is news again.
    fake.fail("POST", MESSAGES, 403, 50001, message="Missing Access")
    assert (await delivery.deliver(Outbound(GROUP, HELLO, "nudge-4"))).status is (
        DeliveryStatus.PERMANENT
    )
    gone = ChannelTarget("discord", str(GUILD_ID), "1234")  # deleted: 404 10003
    assert (await delivery.deliver(Outbound(gone, HELLO, "nudge-5"))).status is (
        DeliveryStatus.PERMANENT
    )
    assert [(w.channel_id, d.split()[1]) for w, d in lost] == [
        (str(CHANNEL_ID), "50013"), (str(CHANNEL_ID), "50001"), ("1234", "10003"),
    ]
    assert posts(fake) == [str(CHANNEL_ID)] * 4 + ["1234"]  # each failure asked once


async def test_a_group_post_carries_the_full_board_as_a_file(
    fake: FakeDiscord, make: Make
) -> None:
    delivery, _ = make()
    board = b"rank,name,points\n1,Ada,12\n2,Grace,9\n"
    reply = Reply(
        title=line("Leaderboard"),
        body=(line("1. Ada 12 pts"),),
        next_step=line("The full board is attached."),
        files=(File("leaderboard.csv", board, "text/csv"),),
        visibility=Visibility.PUBLIC,
    )
    assert await delivery.deliver(Outbound(GROUP, reply, "nudge-9")) == DeliveryResult.sent()
    (message,) = fake.messages
    assert message["channel_id"] == str(CHANNEL_ID)
    assert message["embeds"][0]["title"] == "Leaderboard"
    (attachment,) = message["attachments"]
    assert (attachment["filename"], attachment["data"]) == ("leaderboard.csv", board)
    assert message["allowed_mentions"] == {"parse": []} and fake.violations == []


async def test_user_text_in_a_nudge_never_pings(fake: FakeDiscord, make: Make) -> None:
    delivery, _ = make()
    typed = UserText(f"@everyone @here <@{CLOSED_USER}> <@&{GUILD_ID}> & co")
    reply = Reply(body=(line("You met ", typed, " yesterday."),), next_step=line("Thank them."))
    for target, key in ((ADA, "nudge-1"), (GROUP, "nudge-2")):
        assert await delivery.deliver(Outbound(target, reply, key)) == DeliveryResult.sent()
    assert len(fake.messages) == 2 and fake.violations == []
    for message in fake.messages:
        assert message["allowed_mentions"] == {"parse": []}
        assert "@everyone" not in message["content"] and f"<@{CLOSED_USER}>" not in (
            message["content"]
        )
        assert "everyone" in message["content"] and str(CLOSED_USER) in message["content"]


async def test_a_repeated_key_posts_once_and_the_keys_kept_are_bounded(
    fake: FakeDiscord, make: Make
) -> None:
    delivery, _ = make(keep_keys=2)
    for _ in range(3):
        assert await delivery.deliver(dm("nudge-1", HELLO)) == DeliveryResult.sent()
    assert len(fake.messages) == 1 and len(posts(fake)) == 1
    for key in ("nudge-2", "nudge-3", "nudge-1"):
        await delivery.deliver(dm(key, HELLO))
    assert len(posts(fake)) == 4  # nudge-1 was forgotten, so posted again...
    assert len(fake.messages) == 3 and fake.nonce_repeats == 1  # ...and Discord dropped it


async def test_a_refused_token_stops_every_send_until_probed_again(
    fake: FakeDiscord, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery_module, "TOKEN_PAUSE_S", 0.3)
    delivery, _ = make(MemoryChannels({ADA: str(fake.dm_channel_for(USER_ID))}))
    token, fake.token = fake.token, "reset-by-its-owner"
    assert await delivery.deliver(dm("nudge-1")) == STOPPED
    assert (STOPPED.scope, STOPPED.retry_after) == (LimitScope.PLATFORM, 300.0)
    calls = len(fake.calls)
    assert await delivery.deliver(dm("nudge-2")) == STOPPED
    assert await delivery.deliver(Outbound(GROUP, HELLO, "nudge-3")) == STOPPED
    assert len(fake.calls) == calls and fake.invalid_requests == 1  # nothing more asked
    fake.token = token
    await asyncio.sleep(0.35)
    assert await delivery.deliver(dm("nudge-2")) == DeliveryResult.sent()


async def test_the_dispatcher_rides_out_a_429_storm_delivering_each_nudge_once(
    fake: FakeDiscord, make: Make
) -> None:
    clock = FakeClock(datetime.fromisoformat("2025-01-07T14:00:00+00:00"))  # a Tuesday
    store = FakeStore()
    factory = fake_uow_factory(store, clock)
    users = [USER_ID + 1000 + i for i in range(50)]
    async with factory() as uow:
        for i, user in enumerate(users):
            member = await uow.members.add(
                Member(f"Member {i}"), Identity("discord", "discord", str(user))
            )
            nudge = Nudge(NudgeKind.CHECKIN, clock.now(), f"m{member.id}:checkin", member.id)
            await uow.outbox.enqueue([nudge])
    delivery, channels = make()
    dispatcher = Dispatcher(
        factory, clock, {"discord": delivery}, FakeTimer(clock), NudgeConfig(), worker="w1",
        concurrency=8,
    )  # fmt: skip
    # 40 refusals across 8 sends at a time: most ride them out inside discord.py, any that
    # draw five in a row come back RATE_LIMITED and go again on a later tick.
    fake.rate_limit("POST", MESSAGES, retry_after=0.02, times=40)
    for _ in range(30):
        await dispatcher.tick()
        if all(n.status is NudgeStatus.SENT for n in store.outbox.values()):
            break
        clock.advance(timedelta(seconds=2))
    assert [n.status for n in store.outbox.values()] == [NudgeStatus.SENT] * 50
    per_channel = Counter(m["channel_id"] for m in fake.messages)
    assert per_channel == Counter({str(fake.dm_channels[u]): 1 for u in users})
    assert len(posts(fake, 429)) == 40 and len(posts(fake, 200)) == 50
    assert len(fake.calls_to("POST", OPEN_DM)) == 50  # each DM opened once, then stored
    assert len(channels.known) == 50 and fake.violations == []
    # At most 8 in flight cannot share 40 refusals at 4 each: some came back RATE_LIMITED.
    attempts = {n.attempts for n in store.outbox.values()}
    assert attempts == {1, 2}
