"""A small Helix client on ``httpx`` (async, like the IRC client's asyncio).

Every call sends ``Authorization: Bearer <user access token>`` and ``Client-Id``. A 429 waits
until ``Ratelimit-Reset`` and tries again (``max_retries`` times). A 401 (the token expired or
was revoked) refreshes the token once when a ``refresh`` is given (``oauth.py``; calls refused
meanwhile wait for that one refresh) and makes the call again, once; a 401 without a refresh,
after the retry, or a refresh Twitch refuses raises ``HelixAuthError``, which the connector
reports as its status's error and stops on; a 401 saying a scope is missing (``Missing scope:
...``) raises ``HelixScopeError`` at once (a refreshed token has the same scopes); any other
4xx/5xx raises ``HelixError`` with Twitch's ``message``. The token is never in a message, a
repr or a log line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from chatwarden.connectors.twitch import automod
from chatwarden.connectors.twitch.automod import TwitchAutoMod
from chatwarden.connectors.twitch.oauth import TokenRefreshError
from chatwarden.connectors.twitch.parse import HELIX_URL, HelixRequest, ratelimit_wait_s

log = logging.getLogger(__name__)


class HelixError(Exception):
    """A Helix call failed: ``status`` and Twitch's ``message``."""

    def __init__(self, status: int, message: str, request: HelixRequest | None = None) -> None:
        where = f"{request.method} {request.path}: " if request is not None else ""
        super().__init__(f"Helix {where}{status} {message}")
        self.status = status
        self.message = message


class HelixAuthError(HelixError):
    """401: the user access token expired or was revoked (a new one must be stored)."""


class HelixScopeError(HelixAuthError):
    """401 ``Missing scope: ...``: the token lacks ``scope`` (authorise the app again with it)."""

    def __init__(self, status: int, message: str, request: HelixRequest | None = None) -> None:
        super().__init__(status, message, request)
        self.scope = message.partition(":")[2].strip()


class Helix:
    """Helix calls for one user access token and client id."""

    def __init__(
        self,
        client_id: str,
        token: str,
        *,
        base_url: str = HELIX_URL,
        timeout_s: float = 10.0,
        max_retries: int = 3,
        clock: Callable[[], float] = time.time,
        refresh: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        self.max_retries = max_retries
        self._clock = clock
        self._refresh = refresh
        self._renewing = asyncio.Lock()
        self._generation = 0  # tokens refreshed so far
        self._refresh_failed: str | None = None
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout_s,
            headers={"Authorization": f"Bearer {token}", "Client-Id": client_id},
        )

    def __repr__(self) -> str:
        return f"Helix(base_url={str(self._client.base_url)!r})"

    async def call(self, req: HelixRequest) -> Mapping[str, Any]:
        """Make one call; its JSON body (empty for 204)."""
        attempt, renewed = 0, False
        while True:
            generation = self._generation
            resp = await self._client.request(
                req.method, req.path, params=list(req.params), json=req.body
            )
            if resp.status_code == 429 and attempt < self.max_retries:
                attempt += 1
                wait = ratelimit_wait_s(resp.headers, self._clock())
                log.warning("Helix rate limit on %s %s: waiting %.1f s", req.method, req.path, wait)
                await asyncio.sleep(wait)
                continue
            if resp.status_code == 401:
                if _message(resp).startswith("Missing scope"):
                    raise HelixScopeError(401, _message(resp), req)
                if self._refresh is None or renewed:
                    raise HelixAuthError(401, _message(resp), req)
                renewed = True
                await self._renew(generation, _message(resp), req)
                continue  # the same call once more, with the new token
            if resp.status_code >= 400:
                raise HelixError(resp.status_code, _message(resp), req)
            return resp.json() if resp.content else {}

    async def _renew(self, generation: int, refused: str, req: HelixRequest) -> None:
        """Refresh the token once for every call refused with the same one."""
        assert self._refresh is not None
        async with self._renewing:
            if self._refresh_failed is None and self._generation == generation:
                try:
                    token = await self._refresh()
                except TokenRefreshError as exc:
                    self._refresh_failed = str(exc)
                else:
                    self._client.headers["Authorization"] = f"Bearer {token}"
                    self._generation += 1
            if self._refresh_failed is not None:
                raise HelixAuthError(
                    401, f"{refused}; refreshing the token failed: {self._refresh_failed}", req
                )

    async def user(self, login: str) -> Mapping[str, Any]:
        """Get Users by login: the user (``id``, ``login``, ``display_name`` ...)."""
        body = await self.call(HelixRequest("GET", "/users", (("login", login),)))
        data = body.get("data") or []
        if not data:
            raise HelixError(404, f"no Twitch user {login!r}")
        return dict(data[0])

    async def automod_settings(self, broadcaster_id: str, moderator_id: str) -> TwitchAutoMod:
        """Get AutoMod Settings (``moderator:read:automod_settings``)."""
        body = await self.call(automod.get_request(broadcaster_id, moderator_id))
        return automod.parse_settings(body)

    async def update_automod_settings(
        self, broadcaster_id: str, moderator_id: str, settings: Mapping[str, int]
    ) -> TwitchAutoMod:
        """Update AutoMod Settings (``moderator:manage:automod_settings``): ``overall_level``
        or individual levels, not both; Twitch's answer (the levels it set)."""
        body = await self.call(automod.update_request(broadcaster_id, moderator_id, settings))
        return automod.parse_settings(body)

    async def aclose(self) -> None:
        await self._client.aclose()


def _message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.reason_phrase
    if isinstance(body, Mapping):
        return str(body.get("message") or body.get("error") or resp.reason_phrase)
    return resp.reason_phrase
