"""A local fake Twitch: an EventSub WebSocket server (``websockets``) and a Helix API (Starlette
under uvicorn), both on 127.0.0.1 with random ports, serving exactly the documented request and
response shapes recorded in ``tests/fixtures/twitch/eventsub_ws/`` and ``helix/``.

Helix checks what Twitch checks: ``Authorization: Bearer <token>`` and ``Client-Id`` (401
otherwise, Twitch's error body), the documented query parameters and body fields of each
endpoint (400 otherwise), and answers with the documented response. Every request is
recorded. ``rate_limit(n)`` answers the next ``n`` calls 429 with ``Ratelimit-Reset``.

The AutoMod settings (``GET``/``PUT /moderation/automod/settings``) are kept per broadcaster,
starting as Twitch's documented answer (no preset, every level 0). The fake checks what Twitch
documents: the scope (``scopes``; a missing one is a 401 ``Missing scope: ...``), that
``moderator_id`` moderates the channel (``moderators``; 403 otherwise), a body of
``overall_level`` or individual levels 0-4, never both (400), and an individual field left out
set to 0. A preset answers Twitch's documented level-3 levels; Twitch documents no other
preset, so the fake shifts that one (a level ``n`` category at ``n``, bullying one below, swearing
0), which is the fake's guess, not Twitch's contract: tests compare with the answer, never with
a preset.

The token endpoint (``POST /oauth2/token``, ``grant_type=refresh_token``, form-encoded, shapes
in ``tests/fixtures/twitch/oauth2/``) takes the app's client id and secret and the current
refresh token, and answers a new access token (which Helix then takes instead of the old one)
and a new refresh token (the old one stops working); ``revoke_refresh()`` makes the refresh
token invalid (400 ``Invalid refresh token``), as when the user disconnects the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from websockets.asyncio.server import ServerConnection

FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "twitch"
TOKEN = "fake-user-access-token-0123456789"
CLIENT_ID = "fake-client-id-abcdef"
CLIENT_SECRET = "fake-client-secret-fedcba"
REFRESH_TOKEN = "fake-refresh-token/+=%-0123"  # characters the form must URL-encode
BROADCASTER = {"id": "1337", "login": "cool_streamer", "display_name": "Cool_Streamer"}
BOT = {"id": "9001", "login": "cw_bot", "display_name": "CW_Bot"}
AUTOMOD_FIELDS = (
    "disability",
    "aggression",
    "sexuality_sex_or_gender",
    "misogyny",
    "bullying",
    "swearing",
    "race_ethnicity_or_religion",
    "sex_based_terms",
)
AUTOMOD_SCOPES = {
    "GET": ("moderator:read:automod_settings", "moderator:manage:automod_settings"),
    "PUT": ("moderator:manage:automod_settings",),
}


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    body: Any
    status: int


# -- EventSub frames, from the recorded fixtures -------------------------------------------------


def welcome(session_id: str, keepalive_s: int) -> dict[str, Any]:
    frame = fixture("eventsub_ws/session_welcome.json")
    frame["metadata"]["message_id"] = str(uuid.uuid4())
    frame["payload"]["session"].update(id=session_id, keepalive_timeout_seconds=keepalive_s)
    return frame


def reconnect(session_id: str, url: str) -> dict[str, Any]:
    frame = fixture("eventsub_ws/session_reconnect.json")
    frame["metadata"]["message_id"] = str(uuid.uuid4())
    frame["payload"]["session"].update(id=session_id, reconnect_url=url)
    return frame


def chat(
    message_id: str,
    text: str,
    *,
    user: tuple[str, str] = ("4145994", "viewer32"),
    badges: tuple[str, ...] = (),
    emotes: dict[str, str] | None = None,
    notification_id: str | None = None,
) -> dict[str, Any]:
    """A ``channel.chat.message`` notification; ``emotes``: code → emote id (each code's
    occurrences in ``text`` become emote fragments, as Twitch splits them)."""
    frame = fixture("eventsub_ws/notification.channel.chat.message.json")
    frame["metadata"]["message_id"] = notification_id or str(uuid.uuid4())
    event = frame["payload"]["event"]
    event.update(message_id=message_id, chatter_user_id=user[0], chatter_user_login=user[1])
    event["chatter_user_name"] = user[1]
    event["badges"] = [{"set_id": b, "id": "1", "info": ""} for b in badges]
    text_frag, emote_frag = event["message"]["fragments"]
    fragments = []
    for word in text.split(" "):
        if emotes and word in emotes:
            frag = copy.deepcopy(emote_frag)
            frag["text"] = word
            frag["emote"]["id"] = emotes[word]
        else:
            frag = copy.deepcopy(text_frag)
            frag["text"] = word
        fragments.append(frag)
    # Twitch joins adjacent text into one fragment; spaces belong to the text fragments
    merged: list[dict[str, Any]] = []
    for i, frag in enumerate(fragments):
        if i < len(fragments) - 1:
            space = copy.deepcopy(text_frag)
            space["text"] = " "
            pieces = [frag, space]
        else:
            pieces = [frag]
        for piece in pieces:
            if merged and merged[-1]["type"] == "text" and piece["type"] == "text":
                merged[-1]["text"] += piece["text"]
            else:
                merged.append(piece)
    event["message"] = {"text": text, "fragments": merged}
    return frame


def held(
    message_id: str, text: str, user: tuple[str, str] = ("4145994", "viewer32")
) -> dict[str, Any]:
    """An ``automod.message.hold`` v2 notification (a message Twitch's AutoMod holds)."""
    frame = fixture("eventsub_ws/notification.automod.message.hold.json")
    frame["metadata"]["message_id"] = str(uuid.uuid4())
    event = frame["payload"]["event"]
    event.update(message_id=message_id, user_id=user[0], user_login=user[1], user_name=user[1])
    event["message"] = {
        "text": text,
        "fragments": [{"type": "text", "text": text, "cheermote": None, "emote": None}],
    }
    return frame


# -- the servers ----------------------------------------------------------------------------------


@dataclass
class Session:
    id: str
    ws: ServerConnection
    url: str


@dataclass
class FakeTwitch:
    keepalive_s: int = 10
    requests: list[Recorded] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    token: str = TOKEN
    refresh_token: str | None = REFRESH_TOKEN
    refreshed: int = 0  # tokens handed out by the token endpoint
    scopes: set[str] | None = None  # the token's scopes (None: every scope)
    moderators: set[str] = field(default_factory=lambda: {BOT["id"], BROADCASTER["id"]})
    automod: dict[str, dict[str, Any]] = field(default_factory=dict)  # broadcaster id → settings
    _rate_limited: int = 0
    _new_session: asyncio.Event = field(default_factory=asyncio.Event)
    ws_url: str = ""
    helix_url: str = ""
    token_url: str = ""

    def rate_limit(self, calls: int) -> None:
        self._rate_limited = calls

    def expire(self) -> None:
        """The access token expires: Helix answers 401 until a refreshed one is used."""
        self.token = f"unknown-{uuid.uuid4().hex}"

    def revoke_refresh(self) -> None:
        """The refresh token stops working (the user disconnected the app)."""
        self.refresh_token = None

    def helix_calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if (r.method, r.path) == (method, path) and r.status < 300]

    async def session(self, index: int, timeout: float = 5.0) -> Session:
        """The ``index``-th WebSocket session (waits for it)."""

        async def wait() -> Session:
            while len(self.sessions) <= index:
                self._new_session.clear()
                await self._new_session.wait()
            return self.sessions[index]

        return await asyncio.wait_for(wait(), timeout)

    async def subscribed(self, session_id: str, count: int, timeout: float = 5.0) -> None:
        async def wait() -> None:
            while (
                sum(
                    1
                    for r in self.helix_calls("POST", "/helix/eventsub/subscriptions")
                    if r.body["transport"]["session_id"] == session_id
                )
                < count
            ):
                await asyncio.sleep(0.02)

        await asyncio.wait_for(wait(), timeout)

    async def wait_calls(self, method: str, path: str, count: int, timeout: float = 5.0) -> None:
        async def wait() -> None:
            while len(self.helix_calls(method, path)) < count:
                await asyncio.sleep(0.02)

        await asyncio.wait_for(wait(), timeout)

    # -- EventSub ---------------------------------------------------------------------------

    async def _eventsub(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        path = ws.request.path
        session_id = path.partition("session=")[2] or "AQoQ" + uuid.uuid4().hex
        await ws.send(json.dumps(welcome(session_id, self.keepalive_s)))
        self.sessions.append(Session(session_id, ws, path))
        self._new_session.set()
        with contextlib.suppress(websockets.ConnectionClosed):
            async for _ in ws:  # a client that sends anything is disconnected, as Twitch does
                await ws.close(4001, "client sent inbound traffic")

    # -- Helix ------------------------------------------------------------------------------

    async def _helix(self, request: Request) -> Response:
        path = request.url.path
        params = dict(request.query_params)
        raw = await request.body()
        body = json.loads(raw) if raw else None

        def answer(
            status: int, data: Any = None, headers: dict[str, str] | None = None
        ) -> Response:
            self.requests.append(Recorded(request.method, path, params, body, status))
            if data is None:
                return Response(status_code=status, headers=headers)
            return JSONResponse(data, status_code=status, headers=headers)

        if request.headers.get("authorization") != f"Bearer {self.token}" or (
            request.headers.get("client-id") != CLIENT_ID
        ):
            return answer(401, fixture("helix/error_401.json"))
        if self._rate_limited > 0:
            self._rate_limited -= 1
            reset = str(int(time.time()) + 1)
            limits = {
                "Ratelimit-Limit": "800",
                "Ratelimit-Remaining": "0",
                "Ratelimit-Reset": reset,
            }
            return answer(429, fixture("helix/error_429.json"), limits)
        if path == "/helix/moderation/automod/settings":
            return answer(*self._automod_settings(request.method, params, body))
        problem = _check(request.method, path, params, body)
        if problem is not None:
            error = fixture("helix/error_400.json")
            error["message"] = problem
            return answer(400, error)
        return answer(*_respond(request.method, path, params, body))

    def _automod_settings(
        self, method: str, params: dict[str, str], body: Any
    ) -> tuple[int, dict[str, Any]]:
        scopes = AUTOMOD_SCOPES.get(method)
        if scopes is None:
            return _error(400, f"no such endpoint {method} /helix/moderation/automod/settings")
        if self.scopes is not None and not self.scopes.intersection(scopes):
            error = fixture("helix/error_401.missing_scope.json")
            error["message"] = f"Missing scope: {scopes[0]}"
            return 401, error
        if set(params) != MOD_PARAMS:
            return _error(400, f"query parameters {sorted(params)}, expected {sorted(MOD_PARAMS)}")
        if params["moderator_id"] not in self.moderators:
            return 403, fixture("helix/error_403.json")
        problem = _automod_body(body) if method == "PUT" else None
        if problem is not None:
            return _error(400, problem)
        doc = fixture("helix/get_automod_settings.response.json")
        state = self.automod.setdefault(params["broadcaster_id"], dict(doc["data"][0]))
        if method == "PUT":
            if "overall_level" in body:
                state.update(_preset(body["overall_level"]), overall_level=body["overall_level"])
            else:  # a field left out is set to 0 (as Twitch documents)
                state.update({f: body.get(f, 0) for f in AUTOMOD_FIELDS}, overall_level=None)
        row = {**state, **params}
        doc["data"] = [row]
        return 200, doc

    # -- the token endpoint -----------------------------------------------------------------

    async def _token(self, request: Request) -> Response:
        raw = (await request.body()).decode()
        form = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))

        def answer(status: int, data: Any) -> Response:
            self.requests.append(Recorded(request.method, request.url.path, {}, form, status))
            return JSONResponse(data, status_code=status)

        def refused(message: str) -> Response:
            error = fixture("oauth2/error_400.json")
            error["message"] = message
            return answer(400, error)

        if request.headers.get("content-type") != "application/x-www-form-urlencoded":
            return refused("the body must be application/x-www-form-urlencoded")
        expected = fixture("oauth2/refresh_token.request.json")
        if set(form) != set(expected) or request.query_params:
            return refused(f"fields {sorted(form)}, expected {sorted(expected)}")
        if form["grant_type"] != "refresh_token":
            return refused("unsupported grant_type")
        if form["client_id"] != CLIENT_ID or form["client_secret"] != CLIENT_SECRET:
            return refused("invalid client")
        if self.refresh_token is None or form["refresh_token"] != self.refresh_token:
            return answer(400, fixture("oauth2/error_400.json"))  # "Invalid refresh token"
        self.refreshed += 1
        self.token = f"refreshed-access-token-{self.refreshed}-{uuid.uuid4().hex[:8]}"
        self.refresh_token = f"refreshed-refresh-token-{self.refreshed}/{uuid.uuid4().hex[:8]}"
        doc = fixture("oauth2/refresh_token.response.json")
        doc.update(access_token=self.token, refresh_token=self.refresh_token)
        return answer(200, doc)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/helix/{rest:path}", self._helix, methods=["GET", "POST", "PUT", "DELETE"]),
                Route("/oauth2/token", self._token, methods=["POST"]),
            ]
        )


MOD_PARAMS = {"broadcaster_id", "moderator_id"}


def _check(method: str, path: str, params: dict[str, str], body: Any) -> str | None:
    """What the documented request lacks or has too much of (None: as documented)."""
    expected: dict[tuple[str, str], tuple[set[str], Any]] = {
        ("GET", "/helix/users"): ({"login"}, None),
        ("POST", "/helix/eventsub/subscriptions"): (
            set(),
            fixture("helix/create_eventsub_subscription.request.json"),
        ),
        ("DELETE", "/helix/moderation/chat"): ({*MOD_PARAMS, "message_id"}, None),
        ("POST", "/helix/moderation/bans"): (MOD_PARAMS, fixture("helix/ban_user.request.json")),
        ("POST", "/helix/moderation/warnings"): (
            MOD_PARAMS,
            fixture("helix/warn_chat_user.request.json"),
        ),
        ("POST", "/helix/moderation/automod/message"): (
            set(),
            fixture("helix/manage_held_automod_messages.request.json"),
        ),
    }
    if (method, path) not in expected:
        return f"no such endpoint {method} {path}"
    want_params, want_body = expected[(method, path)]
    if set(params) != want_params:
        return f"query parameters {sorted(params)}, expected {sorted(want_params)}"
    if want_body is None:
        return None if body is None else "unexpected body"
    if path == "/helix/moderation/bans":  # duration is optional: present only for a timeout
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            return "body must be {data: {...}}"
        keys = set(body["data"])
        if not {"user_id"} <= keys <= {"user_id", "duration", "reason"}:
            return f"data fields {sorted(keys)}"
        if "duration" in keys and not (
            isinstance(body["data"]["duration"], int) and 1 <= body["data"]["duration"] <= 1209600
        ):
            return "duration must be 1-1209600"
        return None
    if path == "/helix/eventsub/subscriptions":  # the condition's fields depend on the type
        conditions = {
            "channel.chat.message": {"broadcaster_user_id", "user_id"},
            "automod.message.hold": {"broadcaster_user_id", "moderator_user_id"},
            "automod.message.update": {"broadcaster_user_id", "moderator_user_id"},
        }
        if not isinstance(body, dict) or body.get("type") not in conditions:
            return "unsupported subscription type"
        if set(body.get("condition") or {}) != conditions[body["type"]]:
            return f"condition fields {sorted(body.get('condition') or {})}"
        want_body = {**want_body, "condition": body["condition"]}
    return _same_shape(want_body, body)


def _error(status: int, message: str) -> tuple[int, dict[str, Any]]:
    error = fixture("helix/error_400.json")
    error["message"] = message
    return status, error


def _automod_body(body: Any) -> str | None:
    """What a PUT's body has that Update AutoMod Settings does not take (None: as documented)."""
    overall = fixture("helix/update_automod_settings.request.overall.json")
    individual = fixture("helix/update_automod_settings.request.individual.json")
    if not isinstance(body, dict) or not body:
        return "The overall_level setting or one or more individual settings is required"
    if set(body) & set(overall) and set(body) & set(individual):
        return (
            "The overall_level setting and the individual settings are mutually exclusive; "
            "don't set both"
        )
    known = set(overall) if set(body) & set(overall) else set(individual)
    if not set(body) <= known:
        return f"unknown fields {sorted(set(body) - known)}"
    for name, level in body.items():
        if type(level) is not int or not 0 <= level <= 4:
            return f"{name} must be an integer 0-4"
    return None


def _preset(level: int) -> dict[str, int]:
    """Twitch's documented level-3 answer, shifted to ``level`` (the fake's guess)."""
    documented = fixture("helix/update_automod_settings.response.json")["data"][0]
    return {
        f: 0 if documented[f] == 0 else max(level - (3 - documented[f]), 0) for f in AUTOMOD_FIELDS
    }


def _same_shape(want: Any, got: Any, where: str = "body") -> str | None:
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            return f"{where}: fields {sorted(got) if isinstance(got, dict) else got!r}"
        for key in want:
            problem = _same_shape(want[key], got[key], f"{where}.{key}")
            if problem:
                return problem
        return None
    if type(want) is not type(got):
        return f"{where}: {type(got).__name__}, expected {type(want).__name__}"
    return None


def _respond(method: str, path: str, params: dict[str, str], body: Any) -> tuple[int, Any]:
    if path == "/helix/users":
        users = {u["login"]: u for u in (BROADCASTER, BOT)}
        user = users.get(params["login"])
        if user is None:
            return 200, {"data": []}
        doc = fixture("helix/get_users.response.json")
        doc["data"][0].update(user)
        return 200, doc
    if path == "/helix/eventsub/subscriptions":
        doc = fixture("helix/create_eventsub_subscription.response.json")
        sub = doc["data"][0]
        sub.update(id=str(uuid.uuid4()), type=body["type"], version=body["version"])
        sub["condition"] = body["condition"]
        sub["transport"]["session_id"] = body["transport"]["session_id"]
        return 202, doc
    if path == "/helix/moderation/bans":
        doc = fixture("helix/ban_user.response.json")
        doc["data"][0].update(
            broadcaster_id=params["broadcaster_id"],
            moderator_id=params["moderator_id"],
            user_id=body["data"]["user_id"],
        )
        if "duration" not in body["data"]:
            doc["data"][0]["end_time"] = None
        return 200, doc
    if path == "/helix/moderation/warnings":
        doc = fixture("helix/warn_chat_user.response.json")
        doc["data"][0].update(
            broadcaster_id=params["broadcaster_id"],
            moderator_id=params["moderator_id"],
            user_id=body["data"]["user_id"],
            reason=body["data"]["reason"],
        )
        return 200, doc
    return 204, None  # DELETE /moderation/chat, POST /moderation/automod/message


@contextlib.asynccontextmanager
async def running(fake: FakeTwitch) -> AsyncIterator[FakeTwitch]:
    """Both servers on 127.0.0.1 with random ports, for the ``async with`` body."""
    config = uvicorn.Config(
        fake.app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    fake.helix_url = f"http://127.0.0.1:{port}/helix"
    fake.token_url = f"http://127.0.0.1:{port}/oauth2/token"
    async with websockets.serve(fake._eventsub, "127.0.0.1", 0) as ws_server:
        ws_port = next(iter(ws_server.sockets)).getsockname()[1]
        fake.ws_url = f"ws://127.0.0.1:{ws_port}/ws"
        try:
            yield fake
        finally:
            server.should_exit = True
            await serving
