"""The gateway half of the fake Discord (mixed into FakeDiscord).

What it does, as Discord's gateway does for a bot of one shard or several:
- /gateway (IDENTIFY) and /resume (READY's resume_gateway_url) accept a websocket; the
  query is recorded in `gateway_queries`. discord.py 2.7 asks for ?v=10&encoding=json&
  compress=zlib-stream (zstd-stream when zstandard is importable): zlib-stream is served as
  one zlib stream per connection, each message a binary frame ending in Z_SYNC_FLUSH;
  anything else is served as plain text frames (which discord.py also reads).
- Every connection gets HELLO (op 10, `heartbeat_interval` ms) first; a heartbeat (op 1)
  is answered with op 11 and counted in `heartbeats`.
- IDENTIFY (op 2): a wrong token closes with 4004; a privileged intent (members, presences,
  message content) is a violation and closes with 4014 unless `privileged_intents` is set.
  Otherwise a new session: READY (s=1; the added guilds listed unavailable) and one
  GUILD_CREATE per added guild, then `wait_ready()` returns.
- RESUME (op 6) with the live session id: the dispatches after the client's `seq` are sent
  again, then RESUMED. An unknown session gets op 9 (d=false), as Discord answers.
- Dispatches carry increasing `s`; those made while no session is connected (between a
  RECONNECT and the RESUME) are kept and replayed on RESUME.
- Shards: IDENTIFY's `shard` [id, count] (none: [0, 1]) opens that shard's own session.
  A dispatch about a guild goes to shard (guild_id >> 22) % count, anything else (DMs) to
  shard 0; READY lists, and GUILD_CREATE is sent for, the shard's guilds only. A dispatch
  for a shard with no session is kept in `unrouted`.
"""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

HEARTBEAT_INTERVAL = 41250
PRIVILEGED = {1 << 1: "GUILD_MEMBERS", 1 << 8: "GUILD_PRESENCES", 1 << 15: "MESSAGE_CONTENT"}


@dataclass
class _Conn:
    ws: web.WebSocketResponse
    compressor: Any = None  # zlib compressobj when the client asked for zlib-stream
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, frame: dict[str, Any]) -> None:
        text = json.dumps(frame)
        async with self.lock:
            if self.ws.closed:
                return
            if self.compressor is None:
                await self.ws.send_str(text)
            else:
                data = self.compressor.compress(text.encode())
                await self.ws.send_bytes(data + self.compressor.flush(zlib.Z_SYNC_FLUSH))


@dataclass
class _Session:
    shard: int
    count: int
    id: str
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)  # for RESUME
    live: _Conn | None = None  # the connection holding the session


def shard_of(guild_id: int | None, count: int) -> int:
    """Discord's rule: (guild_id >> 22) % shard_count; DMs (no guild) on shard 0."""
    return 0 if guild_id is None else (guild_id >> 22) % count


class GatewayFake:
    token: str
    bot_user_id: int
    application_id: int
    violations: list[str]
    base_url: str

    def _init_gateway(self) -> None:
        self.heartbeat_interval = HEARTBEAT_INTERVAL
        self.privileged_intents = False
        self.identifies = 0
        self.resumes = 0
        self.heartbeats = 0
        self.replayed = 0  # dispatches sent again on RESUME
        self.gateway_queries: list[dict[str, str]] = []
        self.identify_payloads: list[dict[str, Any]] = []
        self.sessions: dict[int, _Session] = {}  # by shard id
        self.shard_count = 1  # as the last IDENTIFY said
        self.unrouted: list[dict[str, Any]] = []
        self._conns: list[_Conn] = []
        self._ready = asyncio.Event()
        self._opened = 0

    @property
    def session_id(self) -> str | None:
        """Shard 0's session (the only one of an unsharded bot)."""
        session = self.sessions.get(0)
        return None if session is None else session.id

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/resume"

    @property
    def is_ready(self) -> bool:
        """READY (and the guilds' GUILD_CREATE) sent to every shard."""
        return self._ready.is_set()

    async def wait_ready(self, timeout: float = 5) -> None:  # noqa: ASYNC109 - agreed API
        """IDENTIFY seen and READY (plus the guilds' GUILD_CREATE) sent."""
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"no IDENTIFY/READY within {timeout} s") from None

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Send a dispatch (op 0) to its shard's session, or keep it for RESUME; answers
        its `s` (0 when no session of that shard exists: kept in `unrouted`)."""
        guild = data.get("guild_id") or (data.get("id") if event == "GUILD_CREATE" else None)
        session = self.sessions.get(shard_of(int(guild) if guild else None, self.shard_count))
        if session is None:
            self.unrouted.append({"t": event, "d": data})
            return 0
        return await self._send(session, event, data)

    async def _send(self, session: _Session, event: str, data: dict[str, Any]) -> int:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.log.append(frame)
        if session.live is not None:
            await session.live.send(frame)
        return session.seq

    async def reconnect(
        self,
        resume: bool = True,
        close_code: int | None = None,
        timeout: float = 10,  # noqa: ASYNC109 - a plain bound
        shard: int = 0,
    ) -> None:
        """Make the client reconnect and wait until it has.

        resume=True: op 7 RECONNECT (or, with close_code, close the socket with that code);
        the client must RESUME. resume=False: op 9 (d=false), the client must IDENTIFY again
        (discord.py sleeps 5 s in before_identify_hook before a non-initial IDENTIFY).
        """
        session = self.sessions.get(shard)
        conn = None if session is None else session.live
        if session is None or conn is None:
            raise RuntimeError(f"no session of shard {shard} is connected")
        resumes, identifies = self.resumes, self.identifies
        session.live = None
        if close_code is not None:
            await conn.ws.close(code=close_code)
        else:
            await conn.send({"op": 7 if resume else 9, "d": None if resume else False})
        deadline = time.monotonic() + timeout
        while (self.resumes if resume else self.identifies) == (resumes if resume else identifies):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the client did not reconnect within {timeout} s")
            await asyncio.sleep(0.01)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=2, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        query = dict(request.query)
        self.gateway_queries.append({"path": request.path, **query})
        compressed = query.get("compress") == "zlib-stream"
        conn = _Conn(ws, zlib.compressobj() if compressed else None)
        self._conns.append(conn)
        try:
            await conn.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval}})
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_frame(conn, json.loads(msg.data))
        finally:
            self._conns.remove(conn)
            for session in self.sessions.values():
                if session.live is conn:
                    session.live = None
        return ws

    async def _on_frame(self, conn: _Conn, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:
            self.heartbeats += 1
            await conn.send({"op": 11})
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})

    async def _identify(self, conn: _Conn, data: dict[str, Any]) -> None:
        self.identify_payloads.append(data)
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents") or 0)
        asked = [name for bit, name in PRIVILEGED.items() if intents & bit]
        if asked and not self.privileged_intents:
            self.violations.append(f"IDENTIFY asks for privileged intents {asked}")
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard, count = (data.get("shard") or [0, 1])[:2]
        if not 0 <= shard < count or (self.sessions and count != self.shard_count):
            self.violations.append(f"IDENTIFY with shard {[shard, count]}")
            await conn.ws.close(code=4010, message=b"Invalid shard.")
            return
        self.shard_count = count
        self._opened += 1
        session = _Session(shard, count, f"fake-session-{self._opened}", live=conn)
        self.sessions[shard] = session
        self.identifies += 1
        await self._send(session, "READY", self._ready_payload(session))
        for guild_id in self._shard_guilds(session):
            await self._send(session, "GUILD_CREATE", self.guild_object(guild_id))
        if len(self.sessions) == count:
            self._ready.set()

    def _shard_guilds(self, session: _Session) -> list[int]:
        return [g for g in self._guild_order() if shard_of(g, session.count) == session.shard]

    async def _resume(self, conn: _Conn, data: dict[str, Any]) -> None:
        known = [s for s in self.sessions.values() if s.id == data.get("session_id")]
        if not known or data.get("token") != self.token:
            await conn.send({"op": 9, "d": False})
            return
        session, seq = known[0], int(data.get("seq") or 0)
        session.live = conn
        for frame in [f for f in session.log if f["s"] > seq]:
            self.replayed += 1
            await conn.send(frame)
        self.resumes += 1
        await self._send(session, "RESUMED", {})

    def _ready_payload(self, session: _Session) -> dict[str, Any]:
        return {
            "v": 10,
            "user": {**self.user_object(self.bot_user_id), "bot": True},
            "guilds": [{"id": str(g), "unavailable": True} for g in self._shard_guilds(session)],
            "session_id": session.id,
            "shard": [session.shard, session.count],
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["fake-gateway"],
        }

    async def _close_gateway(self) -> None:
        for session in self.sessions.values():
            session.live = None
        for conn in list(self._conns):
            await conn.ws.close(code=1001)

    # provided by FakeDiscord
    def user_object(self, user_id: int) -> dict[str, Any]:
        raise NotImplementedError

    def guild_object(self, guild_id: int) -> dict[str, Any]:
        raise NotImplementedError

    def _guild_order(self) -> list[int]:
        raise NotImplementedError
