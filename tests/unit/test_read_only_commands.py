"""Commands that only read run in a read-only unit of work (no write lock on SQLite); the
fake refuses a write in one, so every flagged command is checked here to write nothing."""

from __future__ import annotations

import bot.handlers  # noqa: F401  (fills the registry)
from bot.commands import REGISTRY, Invocation
from tests.unit.harness import ADA, CLUB, DM, Chat, caller

READS = sorted(name for name, spec in REGISTRY.items() if spec.reads_only)


async def busy_member() -> Chat:
    chat = Chat()
    await chat.ok("group setup", where=CLUB)
    await chat.ok("met Jane Doe from Acme yesterday")
    await chat.ok("lead Sam Lee @Globex via Jane Doe")
    await chat.ok("interview with Initech friday 3pm")
    await chat.ok("group join", who=caller("bob", "Bob Stone"), where=CLUB)
    return chat


async def test_the_flagged_commands_are_the_reads_and_write_nothing() -> None:
    assert {"streak", "stats", "next", "followups", "contacts", "leaderboard"} <= set(READS)
    chat = await busy_member()
    for name in READS:
        where = CLUB if name in ("leaderboard", "group report") else DM
        before = chat.store.snapshot()
        reply = await chat.invoke(Invocation(name, {}), where=where)
        assert not reply.is_error, (name, reply.text())
        assert chat.store.snapshot() == before, name


async def test_a_read_that_has_something_to_write_first_takes_the_usual_path() -> None:
    chat = Chat()
    first = await chat.ok("streak")  # a newcomer: created and welcomed
    assert "Welcome" in first.text() and chat.member().id is not None
    member_id = chat.member().id or 0
    await chat.ok("forget me")  # a question is pending now...
    assert member_id in chat.store.pending
    await chat.ok("streak")  # ...and lapses: that is a write
    assert member_id not in chat.store.pending


async def test_a_read_only_unit_of_work_that_writes_is_refused_by_the_fake() -> None:
    chat = Chat()
    await chat.ok("streak", who=ADA)
    uow = chat.core.uow_factory(read_only=True)
    try:
        async with uow:
            member = await uow.members.get(chat.member().id or 0)
            assert member is not None
            member.weekly_goal = 9
            await uow.members.update(member)
    except AssertionError as e:
        assert "read-only" in str(e)
    else:
        raise AssertionError("the write went through")
