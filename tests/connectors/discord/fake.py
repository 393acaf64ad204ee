"""A local fake Discord for contract tests: a Gateway (WebSocket, v10 JSON) and the REST
routes the connector uses, on 127.0.0.1, speaking the documented shapes from
``tests/fixtures/discord/`` and recording everything it is sent.

The Gateway sends HELLO, answers IDENTIFY with READY and RESUME with the events the client
missed (sequence numbers above the one it sent) then RESUMED, acknowledges heartbeats, and can
send RECONNECT. Events dispatched while the client is away are kept for its RESUME, as
Discord does. REST answers as documented (204 for deletions and bans, the member for a
timeout, the message for a post) and can answer a route with 429 first.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "discord"
TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.fake.bot-token-for-tests"
GUILD = "1200000000000000001"
CHANNEL = "1250000000000000001"
OWNER = "1500000000000000009"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    at: float

    @property
    def reason(self) -> str | None:
        raw = self.headers.get("x-audit-log-reason")
        return None if raw is None else unquote(raw)


@dataclass
class FakeDiscord:
    heartbeat_interval_ms: int = 45000
    requests: list[Request] = field(default_factory=list)
    frames: list[dict[str, Any]] = field(default_factory=list)  # what clients sent
    events: list[dict[str, Any]] = field(default_factory=list)  # every dispatch, with s
    rate_limit: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    live: bool = True  # dispatches go out now (False: kept for a RESUME)
    ack: bool = True  # acknowledge heartbeats (False: a zombied connection)
    seq: int = 0
    connections: int = 0
    paths: list[str] = field(default_factory=list)  # each Gateway connection's path
    _ws: ServerConnection | None = None
    _gateway: Server | None = None
    _rest: asyncio.Server | None = None
    _resumed: asyncio.Event = field(default_factory=asyncio.Event)
    _seen: asyncio.Event = field(default_factory=asyncio.Event)
    session_id: str = ""

    async def start(self) -> FakeDiscord:
        self.session_id = fixture("ready")["d"]["session_id"]
        self._gateway = await serve(self._session, "127.0.0.1", 0)
        self._rest = await asyncio.start_server(self._http, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self._gateway is not None:
            self._gateway.close()
            await self._gateway.wait_closed()
        if self._rest is not None:
            self._rest.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._rest.wait_closed(), 2)

    @property
    def gateway_url(self) -> str:
        assert self._gateway is not None
        return f"ws://127.0.0.1:{self._gateway.sockets[0].getsockname()[1]}"

    @property
    def api_base(self) -> str:
        assert self._rest is not None
        return f"http://127.0.0.1:{self._rest.sockets[0].getsockname()[1]}/api/v10"

    # -- the Gateway ----------------------------------------------------------------------

    async def dispatch(self, kind: str, data: dict[str, Any]) -> int:
        self.seq += 1
        event = {"op": 0, "d": data, "s": self.seq, "t": kind}
        self.events.append(event)
        if self.live and self._ws is not None:
            await self._ws.send(json.dumps(event))
        return self.seq

    async def message(self, msg_id: str, text: str, **author: Any) -> dict[str, Any]:
        """A MESSAGE_CREATE in the configured channel, from the fixture's shape."""
        d = copy.deepcopy(fixture("message_create")["d"])
        d["id"], d["content"] = msg_id, text
        roles = author.pop("roles", [])
        d["member"]["roles"] = roles
        d["author"].update(author)
        await self.dispatch("MESSAGE_CREATE", d)
        return d

    async def redeliver(self, event: dict[str, Any]) -> None:
        """Send an event again as it was (a duplicate delivery)."""
        assert self._ws is not None
        await self._ws.send(json.dumps(event))

    async def reconnect(self) -> None:
        """Ask the client to reconnect; what is dispatched until it resumes waits for it."""
        assert self._ws is not None
        self.live = False
        self._resumed.clear()
        await self._ws.send(json.dumps(fixture("reconnect")))

    async def invalidate(self) -> None:
        """INVALID_SESSION, not resumable: the client must identify anew."""
        assert self._ws is not None
        self.live = False
        await self._ws.send(json.dumps(fixture("invalid_session")))

    async def drop(self, code: int = 1011) -> None:
        """Close the connection as a failing server would; events wait for a RESUME."""
        assert self._ws is not None
        self.live = False
        self._resumed.clear()
        await self._ws.close(code)

    async def wait_resumed(self, timeout: float = 10) -> None:
        await asyncio.wait_for(self._resumed.wait(), timeout)

    async def wait_frame(self, op: int, count: int = 1, timeout: float = 10) -> dict[str, Any]:
        async def wait() -> dict[str, Any]:
            while True:
                found = [f for f in self.frames if f.get("op") == op]
                if len(found) >= count:
                    return found[count - 1]
                self._seen.clear()
                await self._seen.wait()

        return await asyncio.wait_for(wait(), timeout)

    async def _session(self, ws: ServerConnection) -> None:
        self.connections += 1
        self.paths.append(ws.request.path if ws.request is not None else "")
        hello = fixture("hello")
        hello["d"]["heartbeat_interval"] = self.heartbeat_interval_ms
        await ws.send(json.dumps(hello))
        try:
            async for raw in ws:
                frame = json.loads(raw)
                self.frames.append(frame)
                self._seen.set()
                op = frame.get("op")
                if op == 1 and self.ack:
                    await ws.send(json.dumps(fixture("heartbeat_ack")))
                elif op == 2:
                    if frame["d"]["token"] != TOKEN:
                        await ws.close(4004, "Authentication failed.")
                        return
                    self._ws = ws
                    self.live = True
                    await self._ready(ws)
                elif op == 6:
                    d = frame["d"]
                    if d["token"] != TOKEN or d["session_id"] != self.session_id:
                        await ws.send(json.dumps(fixture("invalid_session")))
                        continue
                    for event in self.events:
                        if event["s"] > (d["seq"] or 0):
                            await ws.send(json.dumps(event))
                    await ws.send(json.dumps(fixture("resumed")))
                    self._ws = ws
                    self.live = True
                    self._resumed.set()
        except ConnectionClosed:
            pass
        finally:
            if self._ws is ws:
                self._ws = None

    async def _ready(self, ws: ServerConnection) -> None:
        ready = fixture("ready")
        # the fixture's resume URL is Discord's; ours is this server on another path
        ready["d"]["resume_gateway_url"] = self.gateway_url + "/resume"
        self.seq += 1
        ready["s"] = self.seq
        self.events.append(ready)
        await ws.send(json.dumps(ready))

    # -- REST -----------------------------------------------------------------------------

    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, _, v = line.partition(":")
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                data = json.loads(body) if body else None
                req = Request(method, target, headers, data, time.monotonic())
                self.requests.append(req)
                status, answer, extra = self._route(req)
                payload = b"" if answer is None else json.dumps(answer).encode()
                out = [f"HTTP/1.1 {status} {_PHRASES[status]}", f"Content-Length: {len(payload)}"]
                if payload:
                    out.append("Content-Type: application/json")
                out += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _route(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        if req.headers.get("authorization") != f"Bot {TOKEN}":
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        path = req.path.removeprefix("/api/v10")
        limited = self.rate_limit.pop((req.method, path), None)
        if limited is not None:
            headers = {
                "Retry-After": str(int(limited["retry_after"]) + 1),
                "X-RateLimit-Global": "true" if limited["global"] else "false",
                "X-RateLimit-Scope": "user",
            }
            return 429, limited, headers
        parts = path.strip("/").split("/")
        match req.method, parts:
            case "GET", ["guilds", g] if g == GUILD:
                return 200, fixture("guild"), {}
            case "GET", ["guilds", g, "auto-moderation", "rules"] if g == GUILD:
                return 200, fixture("automod_rules"), {}
            case "DELETE", ["channels", c, "messages", _] if c == CHANNEL:
                return 204, None, {}
            case "PATCH", ["guilds", g, "members", user] if g == GUILD:
                member = fixture("member")
                member["user"]["id"] = user
                member["communication_disabled_until"] = (req.json or {}).get(
                    "communication_disabled_until"
                )
                return 200, member, {}
            case (("PUT" | "DELETE"), ["guilds", g, "bans", _]) if g == GUILD:
                return 204, None, {}
            case "POST", ["channels", c, "messages"] if c == CHANNEL:
                msg = copy.deepcopy(fixture("message_create")["d"])
                msg["id"] = str(1318900000000000000 + len(self.requests))
                msg["content"] = (req.json or {}).get("content", "")
                msg["author"] = fixture("ready")["d"]["user"]
                del msg["member"]
                return 200, msg, {}
        return 404, {"message": "Unknown Route", "code": 0}, {}

    def calls(self, method: str | None = None) -> list[Request]:
        skip = {("GET", f"/api/v10/guilds/{GUILD}")}
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (r.method, r.path) not in skip
        ]


_PHRASES = {
    200: "OK",
    204: "No Content",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
}
