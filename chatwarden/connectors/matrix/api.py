"""The Matrix client-server API (v3), thinly: ChatWarden's effects as calls (pure), and a
small httpx client that sends them and honours rate limits.

``calls_for`` turns one effect on one target into the documented requests:

- held, blocked, deleted: ``PUT /rooms/{roomId}/redact/{eventId}/{txnId}`` with the reason
  (the ``redact`` power level, 50 by default)
- timeout: ``POST /rooms/{roomId}/kick`` (Matrix has no timeout; the ``kick`` level)
- ban: ``POST /rooms/{roomId}/ban``; unban: ``POST /rooms/{roomId}/unban`` (the ``ban`` level)
- a re-post or a warning: ``PUT /rooms/{roomId}/send/m.room.message/{txnId}``

A call that has a transaction id gets one made from what it is about (the event, the user),
so the same action sent again after a restart is the same transaction, which the homeserver
answers without acting twice. A 429 waits ``retry_after_ms`` (M_LIMIT_EXCEEDED); a 401
(``M_UNKNOWN_TOKEN``: the access token is wrong, expired or logged out) raises
``TokenRefused``. The access token is in the ``Authorization`` header only: never in a log
line, an error or a repr.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from chatwarden.rules.effects import Ban, Delete, Effect, Hold, Target, Timeout

log = logging.getLogger(__name__)

PREFIX = "/_matrix/client/v3"
MAX_BODY = 4000  # ChatWarden's longest re-post (Matrix allows 65 KB events)


@dataclass(frozen=True, slots=True)
class Call:
    """One request: ``path`` below ``/_matrix/client/v3``."""

    method: str
    path: str
    json: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        """What it does, for logs and tests: ``redact``, ``kick``, ``ban``, ``send`` ..."""
        parts = self.path.split("/")
        return parts[3] if len(parts) > 3 and parts[1] == "rooms" else parts[1]


def _q(value: str) -> str:
    return quote(value, safe="")


def txn_id(*parts: str) -> str:
    """A transaction id made from what the call is about (the same call, the same id)."""
    return "cw" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:30]


def calls_for(room_id: str, target: Target, effect: Effect) -> list[Call]:
    """The calls that carry out ``effect`` (none: nothing to do on Matrix, or no event or
    user to act on). ``target.username`` is the Matrix user id, ``target.message_id`` the
    event id. Warnings are the applier's (a notice, or nothing)."""
    reason = effect.reason or "ChatWarden"
    room = _q(room_id)
    match effect:
        case Hold() | Delete(user_ids=()):
            if not target.message_id:
                return []
            event = _q(target.message_id)
            txn = txn_id("redact", room_id, target.message_id)
            return [Call("PUT", f"/rooms/{room}/redact/{event}/{txn}", {"reason": reason})]
        case Timeout():
            if not target.username.startswith("@"):
                return []
            return [kick_call(room_id, target.username, reason)]
        case Ban():
            if not target.username.startswith("@"):
                return []
            return [Call("POST", f"/rooms/{room}/ban", member_body(target.username, reason))]
    return []


def member_body(user_id: str, reason: str) -> dict[str, Any]:
    return {"user_id": user_id, "reason": " ".join(reason.split())[:500] or "ChatWarden"}


def state_call(room_id: str, event_type: str, state_key: str, content: dict[str, Any]) -> Call:
    """Set one state event (a policy rule; empty content removes it)."""
    path = f"/rooms/{_q(room_id)}/state/{_q(event_type)}/{_q(state_key)}"
    return Call("PUT", path, content)


def kick_call(room_id: str, user_id: str, reason: str) -> Call:
    return Call("POST", f"/rooms/{_q(room_id)}/kick", member_body(user_id, reason))


def unban_call(room_id: str, user_id: str, reason: str) -> Call:
    return Call("POST", f"/rooms/{_q(room_id)}/unban", member_body(user_id, reason))


def notice_call(room_id: str, body: str, txn: str, *, msgtype: str = "m.notice") -> Call:
    """A message from the bot, mentioning nobody (``m.mentions`` empty)."""
    content = {"msgtype": msgtype, "body": body[:MAX_BODY], "m.mentions": {}}
    return Call("PUT", f"/rooms/{_q(room_id)}/send/m.room.message/{txn}", content)


def quoted(author: str, text: str) -> str:
    """An allowed held message as the bot re-posts it: who said it, then the text quoted."""
    head = f"{author} (held, allowed by a moderator):\n"
    return head + "\n".join("> " + line for line in text.splitlines() or [""])


def repost_call(room_id: str, event_id: str, author: str, text: str) -> Call:
    return notice_call(room_id, quoted(author, text), txn_id("repost", event_id), msgtype="m.text")


class MatrixError(Exception):
    """A refused call: the HTTP status and Matrix's ``errcode`` and ``error`` (never the
    token)."""

    def __init__(self, what: str, status: int, errcode: str | None, error: str) -> None:
        super().__init__(f"{what}: {status} {errcode or ''} {error}".rstrip())
        self.status = status
        self.errcode = errcode


class TokenRefused(MatrixError):
    """401: the access token is unknown (wrong, expired, logged out); reconnecting cannot
    help."""


class MatrixApi:
    """An async client for one homeserver with the bot's access token."""

    def __init__(
        self,
        homeserver: str,
        token: str,
        *,
        max_retries: int = 5,
        timeout_s: float = 10.0,
        max_wait_s: float = 300.0,
    ) -> None:
        self.homeserver = homeserver.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self.homeserver + PREFIX,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "ChatWarden"},
            timeout=timeout_s,
        )
        self.max_retries = max_retries
        self.max_wait_s = max_wait_s
        self.rate_limited = 0  # 429s answered (tests, status)

    def __repr__(self) -> str:
        return f"MatrixApi({self.homeserver!r})"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        """One call, waiting out 429s (``retry_after_ms``); the JSON answer (an object)."""
        body = await self._call(method, path, json=json, params=params, timeout_s=timeout_s)
        return body if isinstance(body, dict) else {}

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> Any:
        what = f"{method} {path.split('?')[0]}"
        extra: dict[str, Any] = {}
        if timeout_s is not None:
            extra["timeout"] = timeout_s
        for _ in range(self.max_retries + 1):
            resp = await self._client.request(method, path, json=json, params=params, **extra)
            if resp.status_code == 429:
                self.rate_limited += 1
                wait = self._retry_after(resp)
                log.warning("Matrix rate limit on %s: retry after %.2f s", what, wait)
                await asyncio.sleep(wait)
                continue
            if resp.status_code >= 400:
                errcode, error = _error(resp)
                kind = TokenRefused if resp.status_code == 401 else MatrixError
                raise kind(what, resp.status_code, errcode, error)
            return resp.json() if resp.content else {}
        raise MatrixError(what, 429, "M_LIMIT_EXCEEDED", f"after {self.max_retries} tries")

    async def send(self, call: Call) -> dict[str, Any]:
        return await self.request(call.method, call.path, json=call.json)

    def _retry_after(self, resp: httpx.Response) -> float:
        ms: object = None
        try:
            body = resp.json()
            ms = body.get("retry_after_ms") if isinstance(body, dict) else None
        except ValueError:
            pass
        if not isinstance(ms, int | float):
            header = resp.headers.get("Retry-After")
            ms = float(header) * 1000 if header and header.replace(".", "", 1).isdigit() else 1000
        return min(max(float(ms) / 1000, 0.0), self.max_wait_s)

    # -- the calls the connector makes ---------------------------------------------------

    async def whoami(self) -> str:
        found = await self.request("GET", "/account/whoami")
        return str(found.get("user_id") or "")

    async def resolve(self, room: str) -> str:
        """A room id for ``!id:server`` (as it is) or ``#alias:server`` (the directory)."""
        if room.startswith("!"):
            return room
        found = await self.request("GET", f"/directory/room/{_q(room)}")
        return str(found["room_id"])

    async def join(self, room: str) -> str:
        found = await self.request("POST", f"/join/{_q(room)}", json={})
        return str(found.get("room_id") or room)

    async def power_levels(self, room_id: str) -> dict[str, Any]:
        return await self.request("GET", f"/rooms/{_q(room_id)}/state/m.room.power_levels")

    async def room_state(self, room_id: str) -> list[dict[str, Any]]:
        """Every state event of a room the bot is in (a policy room's rules)."""
        found = await self._call("GET", f"/rooms/{_q(room_id)}/state")
        return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []

    async def joined_members(self, room_id: str) -> list[str]:
        found = await self.request("GET", f"/rooms/{_q(room_id)}/joined_members")
        joined = found.get("joined")
        return [str(u) for u in joined] if isinstance(joined, dict) else []

    async def create_event(self, room_id: str) -> dict[str, Any]:
        """The room's ``m.room.create`` event (its creators and version)."""
        path = f"/rooms/{_q(room_id)}/state/m.room.create/"
        return await self.request("GET", path, params={"format": "event"})

    async def sync(self, filter_json: str, since: str | None, timeout_ms: int) -> dict[str, Any]:
        params = {"filter": filter_json, "timeout": str(timeout_ms)}
        if since is not None:
            params["since"] = since
        wait = timeout_ms / 1000 + 30
        return await self.request("GET", "/sync", params=params, timeout_s=wait)

    async def messages_between(
        self, room_id: str, start: str, stop: str | None, filter_json: str, limit: int = 100
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the room's history going back from ``start`` (to ``stop``): the events
        newest first and the token to go on from (None at the end)."""
        params = {"from": start, "dir": "b", "limit": str(limit), "filter": filter_json}
        if stop is not None:
            params["to"] = stop
        found = await self.request("GET", f"/rooms/{_q(room_id)}/messages", params=params)
        chunk = [e for e in found.get("chunk") or () if isinstance(e, dict)]
        end = found.get("end")
        return chunk, (end if isinstance(end, str) and chunk else None)


def _error(resp: httpx.Response) -> tuple[str | None, str]:
    try:
        body = resp.json()
    except ValueError:
        return None, resp.reason_phrase
    if isinstance(body, dict):
        code = body.get("errcode")
        return (code if isinstance(code, str) else None), str(body.get("error") or "")
    return None, resp.reason_phrase
