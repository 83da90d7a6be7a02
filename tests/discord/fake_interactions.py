"""The fake Discord's interaction routes: the callback and the interaction webhook.

- POST /interactions/{id}/{token}/callback (discord.py adds ?with_response=1): once per
  interaction (again -> 400 40060), within `callback_window` (3 s) of the dispatch
  (later -> 404 10062 and a violation), with a type the interaction allows (autocomplete
  only 8; a modal only as the first answer to a command or component; 6/7 only for a
  component or modal submit). Answered 200 with an interaction callback response
  (interaction + resource.message for types 4, 5 and 7).
- @original: type 4 creates it; type 5 creates a loading message (flag 128, ephemeral
  as deferred); 6/7 make it the component's message (7 edits it at once; a bot message
  in `messages` is edited in place). PATCH edits it, GET reads it, DELETE removes it;
  without one -> 404 10008.
- POST /webhooks/{app}/{token} (follow-up): needs a callback first (404 10015); the first
  follow-up after a defer replaces the loading message, as Discord does. Follow-ups are
  edited/read/deleted at /messages/{id}.
- The token lives `token_ttl` (15 min) from the dispatch: later -> 401 50027.
Every callback, edit and follow-up lands in `responses` and is checked like a message.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tests.discord import fake_checks as checks
from tests.discord.fake_rest import (
    Interaction,
    Reject,
    Request,
    _body,
    _check,
    apply_edit,
    new_message,
    public,
    route,
)

if TYPE_CHECKING:
    from tests.discord.fake_discord import FakeDiscord

ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


def _record(fake: FakeDiscord, it: Interaction, kind: str, body: Any, ctype: int | None,
            message: dict[str, Any] | None = None) -> None:
    data = body.get("data") if ctype is not None and isinstance(body, dict) else body
    flags = int((data or {}).get("flags") or 0) if isinstance(data, dict) else 0
    fake.responses.append({
        "interaction_id": it.id, "kind": kind, "type": ctype, "data": data,
        "at": time.monotonic(), "ephemeral": bool(flags & checks.EPHEMERAL),
        "message_id": None if message is None else message["id"],
    })


def _component_message(fake: FakeDiscord, it: Interaction) -> dict[str, Any]:
    message = it.payload.get("message")
    if not isinstance(message, dict):
        raise Reject(400, 50035, "Invalid Form Body")
    for record in fake.messages:
        if record["id"] == str(message["id"]):
            return record  # the bot's own post: edits show in fake.messages too
    return {**message, "allowed_mentions": None, "at": time.monotonic(), "deleted": False,
            "edits": 0, "attachments": list(message.get("attachments", []))}


def _resource(it: Interaction, ctype: int) -> dict[str, Any]:
    answer: dict[str, Any] = {"interaction": {
        "id": str(it.id), "type": it.kind,
        "response_message_id": None if it.original is None else it.original["id"],
        "response_message_loading": it.loading,
        "response_message_ephemeral": bool(
            it.original and int(it.original["flags"]) & checks.EPHEMERAL),
    }}
    if ctype in (4, 5, 7) and it.original is not None:
        answer["resource"] = {"type": ctype, "message": public(it.original)}
    elif ctype in (6, 8, 9):
        answer["resource"] = {"type": ctype}
    return answer


@route("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
def callback(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    it = fake.interactions.get(int(req.params["interaction_id"]))
    if it is None or it.token != req.params["interaction_token"]:
        raise Reject(404, 10062, "Unknown interaction")
    body = _body(req)
    seconds = time.monotonic() - it.sent_at
    try:
        answer = _callback(fake, it, req, body, seconds)
    except Reject as reject:
        _settle(it, body, seconds, reject.status, reject.code)
        raise
    _settle(it, body, seconds, 200, None)
    return 200, answer


def _settle(it: Interaction, body: dict[str, Any], seconds: float, status: int,
            code: int | None) -> None:
    """The first callback attempt, accepted or not, is what interact() returns."""
    if not it.answered.done():
        it.answered.set_result((body.get("type"), body.get("data"), seconds, status, code))


def _callback(fake: FakeDiscord, it: Interaction, req: Request, body: dict[str, Any],
              seconds: float) -> dict[str, Any]:
    ctype = int(body.get("type") or 0)
    where = f"callback type {ctype} to interaction {it.id}"
    if it.callback_type is not None:
        fake.violations.append(f"{where}: the interaction was already answered")
        raise Reject(400, 40060, "Interaction has already been acknowledged.")
    if seconds > fake.callback_window:
        fake.violations.append(f"{where}: answered after {seconds:.2f} s (limit 3 s)")
        raise Reject(404, 10062, "Unknown interaction")
    if ctype not in ALLOWED_CALLBACKS.get(it.kind, set()):
        fake.violations.append(f"{where}: not a valid answer to an interaction of type {it.kind}")
        raise Reject(400, 50035, "Invalid Form Body")
    data: dict[str, Any] = body["data"] if isinstance(body.get("data"), dict) else {}
    if ctype in (4, 7):
        _check(fake, checks.check_message(data, where, fake.allowed_ids, create=ctype == 4))
    elif ctype == 9:
        _check(fake, checks.check_modal(data, where))
    elif ctype == 8:
        _check(fake, checks.check_choices(data, where))
    it.callback_type = ctype
    channel_id = int(it.payload.get("channel_id") or 0)
    message_type = 20 if it.kind == 2 else 0
    if ctype == 4:
        it.original = new_message(fake, channel_id, data, req.files, message_type)
    elif ctype == 5:  # "thinking": a loading message, ephemeral or not from now on
        flags = checks.LOADING | (int(data.get("flags") or 0) & checks.EPHEMERAL)
        it.original = new_message(fake, channel_id, {"flags": flags}, [], message_type)
        it.loading = True
    elif ctype in (6, 7):
        it.original = _component_message(fake, it)
        if ctype == 7:
            apply_edit(fake, it.original, data, req.files)
    _record(fake, it, "callback", body, ctype, it.original if ctype in (4, 5, 7) else None)
    return _resource(it, ctype)


def _webhook(fake: FakeDiscord, req: Request) -> Interaction:
    it = fake.by_token.get(req.params["interaction_token"])
    if it is None or int(req.params["application_id"]) != fake.application_id:
        raise Reject(404, 10015, "Unknown Webhook")
    if time.monotonic() - it.sent_at > fake.token_ttl:
        raise Reject(401, 50027, "Invalid Webhook Token")
    if it.callback_type is None:
        raise Reject(404, 10015, "Unknown Webhook")
    return it


def _message(fake: FakeDiscord, it: Interaction, req: Request) -> dict[str, Any]:
    message_id = req.params.get("message_id", "@original")
    if message_id == "@original" or (it.original and it.original["id"] == message_id):
        if it.original is None or it.original["deleted"]:
            raise Reject(404, 10008, "Unknown Message")
        return it.original
    found = it.followups.get(int(message_id)) if message_id.isdigit() else None
    if found is None or found["deleted"]:
        raise Reject(404, 10008, "Unknown Message")
    return found


def _edit(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    it = _webhook(fake, req)
    record = _message(fake, it, req)
    where = f"edit of interaction {it.id}'s message {record['id']}"
    _check(fake, checks.check_message(_body(req), where, fake.allowed_ids, create=False))
    apply_edit(fake, record, _body(req), req.files)
    if record is it.original:
        it.loading = False
    _record(fake, it, "edit", _body(req), None, record)
    return 200, public(record)


def _get(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    return 200, public(_message(fake, _webhook(fake, req), req))


def _delete(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    it = _webhook(fake, req)
    record = _message(fake, it, req)
    record["deleted"] = True
    _record(fake, it, "delete", None, None, record)
    return 204, None


for _path in ("/webhooks/{application_id}/{interaction_token}/messages/@original",
              "/webhooks/{application_id}/{interaction_token}/messages/{message_id}"):
    route("PATCH", _path)(_edit)
    route("GET", _path)(_get)
    route("DELETE", _path)(_delete)


@route("POST", "/webhooks/{application_id}/{interaction_token}")
def followup(fake: FakeDiscord, req: Request) -> tuple[int, Any]:
    it = _webhook(fake, req)
    body = _body(req)
    if checks.is_empty(body, len(req.files)):
        raise Reject(400, 50006, "Cannot send an empty message")
    where = f"follow-up to interaction {it.id}"
    _check(fake, checks.check_message(body, where, fake.allowed_ids))
    if it.loading and it.original is not None:
        record = it.original  # the first follow-up after a defer fills the loading message
        apply_edit(fake, record, body, req.files)
        it.loading = False
    else:
        channel_id = int(it.payload.get("channel_id") or 0)
        record = new_message(fake, channel_id, body, req.files, 0)
        it.followups[int(record["id"])] = record
    _record(fake, it, "followup", body, None, record)
    if req.query.get("wait") in ("1", "true", "True"):
        return 200, public(record)
    return 204, None
