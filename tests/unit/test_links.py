"""One member on Slack and Discord, on the fakes: link codes, the merge, unlink, and
where nudges go (one identity, never both)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.context import Caller, Where
from bot.domain import Identity, Member
from bot.handlers.links import ALPHABET, code_hash
from bot.nudges.dispatcher import Dispatcher
from bot.nudges.model import NudgeKind
from bot.nudges.route import destination
from bot.replies import Reply
from tests.unit.harness import ADA, CLUB, Chat
from tests.unit.nudge_world import FakeTimer, NudgeWorld, RecordingDelivery

DISCORD = Caller(Identity("discord", "G1", "4242"), "Ada L", None)
DISCORD_DM = Where("discord", "G1")
OTHER = Caller(Identity("discord", "G1", "9999"), "Mallory", None)
_CODE = re.compile(r"code: ([A-Z0-9]{4}-[A-Z0-9]{4})")


def code_in(reply: Reply) -> str:
    found = _CODE.search(reply.text())
    assert found, reply.text()
    return found.group(1)


async def two_identities(chat: Chat) -> None:
    """Ada on Slack first (goal 7, Jane yesterday), then on Discord (goal 3, Jane and Sam)."""
    await chat.ok("settings goal 7")
    await chat.ok("met Jane Doe @Acme yesterday")
    chat.clock.advance(timedelta(minutes=1))
    await chat.ok("settings goal 3", DISCORD, DISCORD_DM)
    await chat.ok("met Jane Doe @Acme", DISCORD, DISCORD_DM)
    await chat.ok("reached out to Sam Rivera @Globex", DISCORD, DISCORD_DM)


async def linked(chat: Chat) -> Reply:
    code = code_in(await chat.ok("link"))
    return await chat.ok(f"link {code.lower().replace('-', '')}", DISCORD, DISCORD_DM)


async def test_a_code_is_short_unambiguous_private_and_stored_only_hashed() -> None:
    chat = Chat()
    reply = await chat.ok("link", ADA, CLUB)
    code = code_in(reply)
    assert set(code.replace("-", "")) <= set(ALPHABET) and not set("0O1IL") & set(code)
    assert reply.visibility == "private" and "Only you can see this" in reply.text()
    (stored,) = chat.store.link_codes.values()
    assert stored.code_hash == code_hash(code.replace("-", "")) != code
    assert stored.expires_at == chat.clock.now() + timedelta(minutes=10)
    code_again = code_in(await chat.ok("link"))  # a new code replaces the last one
    assert list(chat.store.link_codes) == [code_hash(code_again.replace("-", ""))]


async def test_link_merges_two_members_into_the_older_one() -> None:
    chat = Chat()
    await two_identities(chat)
    slack_member = chat.member().id
    reply = await linked(chat)
    text = reply.text()
    assert "one member now on Slack and Discord" in text
    assert "kept the settings from your Slack" in text
    assert list(chat.store.members) == [slack_member]
    assert chat.member(DISCORD).id == slack_member and chat.member().weekly_goal == 7
    # Jane was on both sides: one contact; Sam moved over with a number after hers.
    names = sorted((c.name, c.number) for c in chat.contacts())
    assert names == [("Jane Doe", 1), ("Sam Rivera", 3)]
    jane = chat.contact("Jane Doe")
    assert {
        a.contact_id for a in chat.activities() if a.contact_id != chat.contact("Sam Rivera").id
    } == {jane.id}
    assert all(a.member_id == slack_member for a in chat.activities())
    numbers = [f.number for f in chat.followups()]
    assert len(numbers) == len(set(numbers)) and all(
        f.member_id == slack_member for f in chat.followups()
    )
    assert {f.contact_id for f in chat.followups() if f.contact_id} <= {
        jane.id,
        chat.contact("Sam Rivera").id,
    }
    # The streak is read from the merged log: yesterday (Slack) and today (Discord).
    assert "Streak: 2 working days" in (await chat.ok("streak", DISCORD, DISCORD_DM)).text()
    assert "Streak: 2 working days" in (await chat.ok("streak")).text()
    # Planned anew, once: no cursor of the absorbed member is left.
    assert {c.member_id for c in chat.store.cursors.values()} == {slack_member}


async def test_group_memberships_stay_unique_and_admin_is_kept() -> None:
    chat = Chat()
    await chat.ok("hi", DISCORD, DISCORD_DM)
    club_discord = Where("discord", "G1", "club", "job-club")
    await chat.ok("group setup", DISCORD, club_discord)  # Discord Ada is its admin
    await chat.ok("group setup", ADA, CLUB)
    await chat.ok("group join", DISCORD, CLUB)
    await linked(chat)
    survivor = chat.member().id
    assert survivor == chat.member(DISCORD).id
    mine = sorted(k for k in chat.store.memberships if k[1] == survivor)
    assert len(mine) == 2 and len(chat.store.memberships) == 2  # one per group
    assert all(ms.is_admin for ms in chat.store.memberships.values())


async def test_wrong_expired_and_used_codes_say_what_to_do() -> None:
    chat = Chat()
    await chat.ok("hi", DISCORD, DISCORD_DM)
    wrong = await chat.say("link ABCD-EFGH", DISCORD, DISCORD_DM)
    assert wrong.is_error and "isn't a link code" in wrong.text() and "Try: `link`" in wrong.text()
    code = code_in(await chat.ok("link"))
    chat.clock.advance(timedelta(minutes=10, seconds=1))
    expired = await chat.say(f"link {code}", DISCORD, DISCORD_DM)
    assert expired.is_error and "expired" in expired.text()
    code = code_in(await chat.ok("link"))
    await chat.ok(f"link {code}", DISCORD, DISCORD_DM)
    used = await chat.say(f"link {code}", OTHER, DISCORD_DM)
    assert used.is_error and "already used" in used.text()
    assert len(chat.store.members) == 2  # Mallory stayed her own member


async def test_guessing_is_refused_for_a_while_after_five_wrong_codes() -> None:
    chat = Chat()
    for _ in range(5):
        assert (await chat.say("link ZZZZ-ZZZZ", OTHER, DISCORD_DM)).is_error
        chat.clock.advance(timedelta(minutes=1))
    code = code_in(await chat.ok("link"))
    locked = await chat.say(f"link {code}", OTHER, DISCORD_DM)  # even the right one
    assert locked.is_error and "Too many wrong codes. Wait 5 min" in locked.text()
    assert len(chat.store.members) == 2
    chat.clock.advance(timedelta(minutes=5))
    assert "Linked" in (await chat.ok(f"link {code}", OTHER, DISCORD_DM)).text()


async def test_own_code_and_already_linked() -> None:
    chat = Chat()
    code = code_in(await chat.ok("link"))
    own = await chat.say(f"link {code}")
    assert own.is_error and "on your other platform" in own.text()
    await chat.ok(f"link {code}", DISCORD, DISCORD_DM)
    again = code_in(await chat.ok("link", DISCORD, DISCORD_DM))
    assert "already one member" in (await chat.ok(f"link {again}")).text()
    assert len(chat.store.members) == 1


async def test_unlink_keeps_the_data_here_and_copies_the_settings() -> None:
    chat = Chat()
    nothing = await chat.ok("unlink")
    assert "Nothing to unlink" in nothing.text()
    await two_identities(chat)
    await linked(chat)
    kept = chat.member().id
    reply = await chat.ok("unlink", DISCORD, DISCORD_DM)
    assert "Your Slack starts over" in reply.text()
    assert chat.member(DISCORD).id == kept  # typed on Discord: Discord keeps the data
    fresh = chat.member()
    assert fresh.id != kept and fresh.weekly_goal == 7  # a copy of the settings
    assert not [c for c in chat.contacts() if c.member_id == fresh.id]
    assert {c.member_id for c in chat.store.cursors.values()} == {kept, fresh.id}
    assert not [a for a in chat.activities() if a.member_id == fresh.id]


async def test_writing_from_another_identity_is_recorded_only_on_a_switch() -> None:
    chat = Chat()
    await chat.ok("hi")
    assert chat.member().last_identity_id is None  # one identity: nothing to record
    await linked(chat)
    discord_id = chat.store.identity_ids[DISCORD.identity]
    assert chat.member().last_identity_id == discord_id
    await chat.ok("streak")  # a read-only command still records the switch
    assert chat.member().last_identity_id == chat.store.identity_ids[ADA.identity]


def test_destination_is_the_chosen_platform_else_the_last_used() -> None:
    slack, discord = Identity("slack", "T", "U"), Identity("discord", "G", "1")
    both = {"slack", "discord"}
    auto = Member("Ada")
    assert destination(auto, [discord, slack], both) == discord
    assert destination(auto, [discord, slack], {"slack"}) == slack  # no Discord here
    chosen = Member("Ada", nudge_platform="slack")
    assert destination(chosen, [discord, slack], both) == slack
    assert destination(chosen, [discord], both) == discord  # left Slack: the one there is
    assert destination(auto, [discord], {"slack"}) is None


async def test_nudges_go_to_one_platform_the_last_used_or_the_chosen() -> None:
    # Monday 6 January 09:00 UTC; check-ins at 09:30 on working days.
    world = NudgeWorld(datetime(2025, 1, 6, 9, 0, tzinfo=UTC))
    slack = RecordingDelivery(world.clock, platform="slack")
    discord = RecordingDelivery(world.clock, platform="discord")
    factory = world.dispatcher._uow
    world.dispatcher = Dispatcher(
        factory,
        world.clock,
        {"slack": slack, "discord": discord},
        FakeTimer(world.clock),
        world.config,
        worker="w1",
    )
    await world.ok("nudges off interview")
    await linked(world)  # last written from Discord
    await world.run(datetime(2025, 1, 6, 9, 45, tzinfo=UTC))
    assert [d.message.target for d in discord.sent] == [DISCORD.identity] and not slack.sent
    await world.ok("settings nudges slack", DISCORD, DISCORD_DM)  # chosen, from Discord
    await world.run(datetime(2025, 1, 7, 9, 45, tzinfo=UTC))
    assert [d.message.target for d in slack.sent] == [ADA.identity] and len(discord.sent) == 1
    await world.ok("settings nudges auto")  # said on Slack: Slack is the last used now
    await world.ok("next", DISCORD, DISCORD_DM)  # ...until they write on Discord
    await world.run(datetime(2025, 1, 8, 9, 45, tzinfo=UTC))
    assert len(slack.sent) == 1 and len(discord.sent) == 2
    kinds = {n.kind for n in world.nudges() if n.status == "sent"}
    assert NudgeKind.CHECKIN in kinds


async def test_settings_nudges_needs_a_linked_platform() -> None:
    chat = Chat()
    refused = await chat.say("settings nudges discord")
    assert refused.is_error and "not linked on Discord" in refused.text()
    assert chat.member().nudge_platform is None
    bad = await chat.say("settings nudges pigeon")
    assert bad.is_error and "Try: `settings nudges auto`" in bad.text()
    assert "wherever you last wrote" in (await chat.ok("settings nudges auto")).text()
