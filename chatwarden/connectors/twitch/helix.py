"""A small Helix client on ``httpx`` (async, like the IRC client's asyncio).

Every call sends ``Authorization: Bearer <user access token>`` and ``Client-Id``. A 429 waits
until ``Ratelimit-Reset`` and tries again (``max_retries`` times); a 401 (the token expired or
was revoked) raises ``HelixAuthError`` at once, which the connector reports as its status's
error; any other 4xx/5xx raises ``HelixError`` with Twitch's ``message``. The token is never in
a message, a repr or a log line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

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
    ) -> None:
        self.max_retries = max_retries
        self._clock = clock
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout_s,
            headers={"Authorization": f"Bearer {token}", "Client-Id": client_id},
        )

    def __repr__(self) -> str:
        return f"Helix(base_url={str(self._client.base_url)!r})"

    async def call(self, req: HelixRequest) -> Mapping[str, Any]:
        """Make one call; its JSON body (empty for 204)."""
        for attempt in range(self.max_retries + 1):
            resp = await self._client.request(
                req.method, req.path, params=list(req.params), json=req.body
            )
            if resp.status_code == 429 and attempt < self.max_retries:
                wait = ratelimit_wait_s(resp.headers, self._clock())
                log.warning("Helix rate limit on %s %s: waiting %.1f s", req.method, req.path, wait)
                await asyncio.sleep(wait)
                continue
            if resp.status_code == 401:
                raise HelixAuthError(401, _message(resp), req)
            if resp.status_code >= 400:
                raise HelixError(resp.status_code, _message(resp), req)
            return resp.json() if resp.content else {}
        raise AssertionError("unreachable")

    async def user(self, login: str) -> Mapping[str, Any]:
        """Get Users by login: the user (``id``, ``login``, ``display_name`` ...)."""
        body = await self.call(HelixRequest("GET", "/users", (("login", login),)))
        data = body.get("data") or []
        if not data:
            raise HelixError(404, f"no Twitch user {login!r}")
        return dict(data[0])

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
