"""Discord's REST API (v10): ChatWarden's effects as calls (pure), and a small client that
sends them and honours rate limits.

``calls_for`` turns one effect on one target into the documented requests:

- delete: ``DELETE /channels/{channel.id}/messages/{message.id}`` (MANAGE_MESSAGES)
- timeout: ``PATCH /guilds/{guild.id}/members/{user.id}`` with ``communication_disabled_until``
  (an ISO 8601 time, at most 28 days ahead; MODERATE_MEMBERS)
- ban: ``PUT /guilds/{guild.id}/bans/{user.id}`` (BAN_MEMBERS); unban: ``DELETE`` the same
- re-post an allowed held message: ``POST /channels/{channel.id}/messages`` (SEND_MESSAGES)

each with the reason in ``X-Audit-Log-Reason`` (URL-encoded, at most 512 characters), which the
guild's audit log shows. ``DiscordRest`` waits out a 429 (``retry_after`` seconds, for the
route or, with ``global``, for every call) and a bucket that has no requests left.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from chatwarden.rules.effects import Ban, Delete, Effect, Hold, Target, Timeout

log = logging.getLogger(__name__)

API_BASE = "https://discord.com/api/v10"
MAX_TIMEOUT_S = 28 * 24 * 3600  # Discord's longest timeout
MAX_CONTENT = 2000  # a message's content
USER_AGENT = "DiscordBot (https://github.com/chatwarden/chatwarden, 1.0)"


@dataclass(frozen=True, slots=True)
class Call:
    """One REST request: ``reason`` goes in ``X-Audit-Log-Reason``."""

    method: str
    path: str
    json: dict[str, Any] | None = None
    reason: str | None = None

    @property
    def route(self) -> str:
        """The rate-limit route: the method and path with ids other than the top-level
        channel or guild replaced (Discord's buckets are per route and major parameter)."""
        parts = self.path.strip("/").split("/")
        kept = [p if i < 2 or not p.isdigit() else "{id}" for i, p in enumerate(parts)]
        return f"{self.method} /{'/'.join(kept)}"


def audit_reason(text: str) -> str:
    """The header's value: one line, at most 512 characters, URL-encoded (Discord decodes
    it; the header itself must be ASCII)."""
    return quote(" ".join(text.split())[:512] or "ChatWarden", safe=" ")


def calls_for(
    guild_id: str,
    channel_id: str,
    user_id: str | None,
    target: Target,
    effect: Effect,
    now: datetime,
) -> list[Call]:
    """The calls that carry out ``effect`` (none: nothing to do on Discord, or no user id or
    message id to act on). ``user_id`` is the Discord user's id, ``target.message_id`` the
    Discord message's id. Warnings have no Discord action (see ``DiscordApplier``)."""
    reason = effect.reason or "ChatWarden"
    match effect:
        case Hold() | Delete(user_ids=()):
            if not target.message_id:
                return []
            path = f"/channels/{channel_id}/messages/{target.message_id}"
            return [Call("DELETE", path, None, reason)]
        case Timeout(seconds=seconds):
            if user_id is None:
                return []
            until = now + timedelta(seconds=min(max(1, seconds), MAX_TIMEOUT_S))
            until_iso = until.isoformat(timespec="seconds")
            body = {"communication_disabled_until": until_iso}
            return [Call("PATCH", f"/guilds/{guild_id}/members/{user_id}", body, reason)]
        case Ban():
            if user_id is None:
                return []
            ban = {"delete_message_seconds": 0}
            return [Call("PUT", f"/guilds/{guild_id}/bans/{user_id}", dict(ban), reason)]
    return []


def unban_call(guild_id: str, user_id: str, reason: str) -> Call:
    return Call("DELETE", f"/guilds/{guild_id}/bans/{user_id}", None, reason)


def untimeout_call(guild_id: str, user_id: str, reason: str) -> Call:
    """A timeout lifted: ``communication_disabled_until`` null."""
    body = {"communication_disabled_until": None}
    return Call("PATCH", f"/guilds/{guild_id}/members/{user_id}", dict(body), reason)


def quoted(author: str, text: str) -> str:
    """An allowed held message as the bot re-posts it: who said it, then the text quoted."""
    head = f"**{author}** (held, allowed by a moderator):\n"
    body = "\n".join("> " + line for line in text.splitlines() or [""])
    out = head + body
    return out if len(out) <= MAX_CONTENT else out[: MAX_CONTENT - 1] + "…"


def repost_call(channel_id: str, author: str, text: str, reply_to: str | None = None) -> Call:
    """Post as the bot, pinging nobody (``allowed_mentions`` empty)."""
    body: dict[str, Any] = {"content": quoted(author, text), "allowed_mentions": {"parse": []}}
    if reply_to is not None:
        body["message_reference"] = {"message_id": reply_to, "fail_if_not_exists": False}
    return Call("POST", f"/channels/{channel_id}/messages", body)


def say_call(channel_id: str, content: str) -> Call:
    body = {"content": content[:MAX_CONTENT], "allowed_mentions": {"parse": []}}
    return Call("POST", f"/channels/{channel_id}/messages", body)


class DiscordError(Exception):
    """A refused call: the HTTP status and Discord's JSON error ``code`` and ``message``
    (never the token)."""

    def __init__(self, call: Call, status: int, code: int | None, message: str) -> None:
        super().__init__(f"{call.method} {call.route}: {status} {message} (code {code})")
        self.status = status
        self.code = code


class DiscordRest:
    """An async client for Discord's REST API with the bot token (``Authorization: Bot``)."""

    def __init__(
        self,
        token: str,
        base_url: str = API_BASE,
        *,
        max_retries: int = 5,
        timeout_s: float = 10.0,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bot {token}", "User-Agent": USER_AGENT},
            timeout=timeout_s,
        )
        self.max_retries = max_retries
        self._global_until = 0.0  # monotonic time before which no call may go
        self._route_until: dict[str, float] = {}
        self.rate_limited = 0  # 429s answered (tests, status)

    def __repr__(self) -> str:
        return f"DiscordRest({str(self._client.base_url)!r})"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, call: Call) -> Any:
        """Send ``call``, waiting out rate limits; the JSON answer (None for 204)."""
        headers = {"X-Audit-Log-Reason": audit_reason(call.reason)} if call.reason else {}
        for _ in range(self.max_retries + 1):
            await self._wait(call.route)
            resp = await self._client.request(
                call.method, call.path, json=call.json, headers=headers
            )
            self._note_bucket(call.route, resp)
            if resp.status_code == 429:
                self.rate_limited += 1
                self._note_429(call.route, resp)
                continue
            if resp.status_code >= 400:
                code, message = _error(resp)
                raise DiscordError(call, resp.status_code, code, message)
            return resp.json() if resp.content else None
        raise DiscordError(call, 429, None, f"still rate limited after {self.max_retries} tries")

    async def guild(self, guild_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.send(Call("GET", f"/guilds/{guild_id}"))
        return found

    async def automod_rules(self, guild_id: str) -> list[dict[str, Any]]:
        """The guild's own AutoMod rules (needs MANAGE_GUILD)."""
        rules: list[dict[str, Any]] = await self.send(
            Call("GET", f"/guilds/{guild_id}/auto-moderation/rules")
        )
        return rules

    async def _wait(self, route: str) -> None:
        until = max(self._global_until, self._route_until.get(route, 0.0))
        delay = until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def _note_bucket(self, route: str, resp: httpx.Response) -> None:
        if resp.headers.get("X-RateLimit-Remaining") == "0":
            after = _float(resp.headers.get("X-RateLimit-Reset-After"))
            if after is not None:
                self._route_until[route] = time.monotonic() + after

    def _note_429(self, route: str, resp: httpx.Response) -> None:
        try:
            body = resp.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        after = _float(body.get("retry_after"))
        if after is None:
            after = _float(resp.headers.get("Retry-After"))
        after = 1.0 if after is None else min(after, 300.0)
        is_global = bool(body.get("global")) or resp.headers.get("X-RateLimit-Global") == "true"
        until = time.monotonic() + after
        if is_global:
            self._global_until = until
        else:
            self._route_until[route] = until
        log.warning(
            "Discord rate limit on %s: retry after %.2f s (global: %s)", route, after, is_global
        )


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _error(resp: httpx.Response) -> tuple[int | None, str]:
    try:
        body = resp.json()
    except ValueError:
        return None, resp.reason_phrase
    if isinstance(body, dict):
        code = body.get("code")
        return (code if isinstance(code, int) else None), str(body.get("message") or "")
    return None, resp.reason_phrase
