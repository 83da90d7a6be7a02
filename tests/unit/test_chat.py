"""Conversation through the Core: `chat` answers hi, thanks, help and "what now?" with the
member's one next step from their data; the first message ever gets the welcome once."""

from __future__ import annotations

import dataclasses

import pytest

from bot import messages as msg
from bot.commands import REGISTRY, Invocation
from bot.replies import Reply, plain
from tests.unit.harness import ADA, Chat, caller


def chat_(intent: str, text: str = "") -> Invocation:
    return Invocation("chat", {"intent": intent, "text": text or intent})


WELCOME = [plain(w) for w in msg.WELCOME]


def lines(reply: Reply) -> list[str]:
    return reply.text().splitlines()


async def _known(chat: Chat) -> None:
    """Ada has spoken before: no welcome in what follows."""
    await chat.ok("streak")


async def test_hi_from_someone_with_nothing_logged_yet() -> None:
    chat = Chat()
    await _known(chat)
    reply = await chat.invoke(chat_("greeting", "hi!"))
    assert not reply.is_error
    assert lines(reply) == [
        "Hi Ada — good to see you.",
        "Next: send one person you could learn from a short note, then tell me: "
        "`reached out to Jane Doe @Acme`.",
    ]


async def test_what_now_names_the_thankyou_owed_with_its_buttons() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe from Acme")
    await chat.ok("lead Priya @Initech via Sam")
    await chat.ok("schedule Noor @Hooli thu 3pm interview")
    reply = await chat.invoke(chat_("whatnow", "what should I do today?"))
    (thankyou, _checkback, _lead) = chat.open_followups()
    assert lines(reply)[:2] == [
        "Jane Doe (Acme) is waiting for your thank-you (due tomorrow 15:00).",
        "Next: send Jane a two-line thank-you — mention what you talked about.",
    ]
    assert [a.command for a in reply.actions] == [
        f"done {thankyou.id}",
        f"snooze {thankyou.id} tomorrow",
    ]


async def test_a_lead_comes_next_once_the_thankyou_is_sent() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe from Acme")
    await chat.ok("lead Priya @Initech via Sam")
    await chat.ok("schedule Noor @Hooli thu 3pm interview")
    await chat.ok("thanked Jane")  # the check-back is a week away: not today's job
    reply = await chat.invoke(chat_("whatnow"))
    priya = chat.contact("Priya")
    assert lines(reply)[:2] == [
        "Sam gave you Priya (Initech) today.",
        "Next: reach out to Priya yourself — ask for 20 minutes.",
    ]
    assert [a.command for a in reply.actions] == [f"log outreach #{priya.id}"]


async def test_then_the_scheduled_conversation_to_prepare_for() -> None:
    chat = Chat()
    await chat.ok("schedule Noor @Hooli thu 3pm interview")
    reply = await chat.invoke(chat_("whatnow"))
    assert lines(reply) == [
        "Your next interview: Noor (Hooli), tomorrow 15:00.",
        "Next: prepare — read up on Hooli and write down three questions.",
    ]


async def test_then_someone_to_reach_out_to() -> None:
    chat = Chat()
    await chat.ok("contact add Sam Rivera")
    await chat.ok("contact add Jane Doe @Acme")
    await chat.ok("contact stage Sam Rivera 2")
    reply = await chat.invoke(chat_("whatnow"))
    sam = chat.contact("Sam Rivera")
    assert lines(reply)[1] == "Next: ask Sam Rivera for 20 minutes — suggest a time yourself."
    assert [a.command for a in reply.actions] == [f"log outreach #{sam.id}"]


async def test_thanks_and_help_end_in_the_same_one_step() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe from Acme")
    step = "Next: send Jane a two-line thank-you — mention what you talked about."
    thanks = await chat.invoke(chat_("thanks", "thanks!"))
    assert lines(thanks)[:2] == ["Any time — you're the one doing the work.", step]
    helped = await chat.invoke(chat_("help", "help me"))
    text = helped.text()
    assert "`met Jane from Acme yesterday`" in text and "`help log`" in text
    assert len(text.split("`")) // 2 >= 4  # three examples and `help log`
    assert lines(helped)[3] == step
    assert not helped.is_error


async def test_chat_is_hidden_from_help_but_registered() -> None:
    assert REGISTRY["chat"].hidden and not REGISTRY["streak"].hidden
    chat = Chat()
    listing = (await chat.ok("help")).text()
    for spec in REGISTRY.values():
        assert (f"`{spec.usage}` — " in listing) is not spec.hidden, spec.name


# --- the welcome --------------------------------------------------------------------------


async def test_the_first_message_gets_the_welcome_once() -> None:
    chat = Chat()
    first = await chat.invoke(chat_("greeting", "hi"))
    assert lines(first)[:3] == [*WELCOME, "Hi Ada — good to see you."]
    again = await chat.invoke(chat_("greeting", "hi"))
    assert lines(again)[0] == "Hi Ada — good to see you."
    # Each new member gets their own, once.
    bob = caller("bob", "Bob Stone")
    assert lines(await chat.ok("streak", who=bob))[:2] == WELCOME
    assert WELCOME[0] not in (await chat.ok("streak", who=bob)).text()


async def test_a_titled_first_reply_reads_the_welcome_first() -> None:
    chat = Chat()
    reply = await chat.ok("help")
    assert reply.title is None
    assert lines(reply)[:3] == [*WELCOME, "What I can do"]


@pytest.mark.parametrize("first", ["blargh", "group report", "log", "", "done 99"])
async def test_a_first_message_that_fails_still_welcomes_once(first: str) -> None:
    chat = Chat()
    reply = await chat.say(first)
    assert reply.is_error
    assert lines(reply)[:2] == WELCOME
    assert chat.member().display_name == "Ada Lovelace"  # kept, though the command failed
    assert len(chat.store.members) == 1
    assert WELCOME[0] not in (await chat.say(first)).text()
    assert WELCOME[0] not in (await chat.ok("streak")).text()


async def test_a_first_message_that_crashes_still_welcomes_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def boom(*_: object) -> Reply:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(REGISTRY, "streak", dataclasses.replace(REGISTRY["streak"], handler=boom))
    chat = Chat()
    reply = await chat.say("streak")
    assert lines(reply) == [*WELCOME, msg.SOMETHING_BROKE]
    assert WELCOME[0] not in (await chat.say("streak")).text()


async def test_a_first_invocation_of_an_unknown_command_welcomes_too() -> None:
    chat = Chat()
    reply = await chat.invoke(Invocation("teleport"))
    assert reply.is_error and lines(reply)[:2] == WELCOME
    assert WELCOME[0] not in (await chat.invoke(Invocation("teleport"))).text()


async def test_no_welcome_for_a_member_who_exists() -> None:
    chat = Chat()
    await chat.ok("met Jane Doe from Acme")
    for text in ("met Sam @Globex", "blargh", "group report"):
        assert WELCOME[0] not in (await chat.say(text)).text()
    assert chat.member(ADA).display_name == "Ada Lovelace"


def test_the_welcome_is_two_lines_with_one_example() -> None:
    assert len(msg.WELCOME) == 2
    assert "`met Jane from Acme yesterday`" in plain(msg.WELCOME[1])
