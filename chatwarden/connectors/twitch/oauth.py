"""Refreshing a Twitch user access token with its refresh token (Twitch's "Refreshing Access
Tokens": ``POST https://id.twitch.tv/oauth2/token``, form-encoded ``client_id``,
``client_secret``, ``grant_type=refresh_token``, ``refresh_token``).

Twitch answers 200 with ``access_token``, ``refresh_token``, ``scope`` and ``token_type``; a
refresh token that was revoked (the user disconnected the app, changed their password) or is
not the app's answers 400 ``{"error": "Bad Request", "status": 400, "message": "Invalid refresh
token"}``. Twitch may hand back a new refresh token, so both are kept (``on_tokens``: the
connection's service stores them sealed). No token or secret is ever in a message, a repr or a
log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger(__name__)

TOKEN_URL = "https://id.twitch.tv/oauth2/token"


class TokenRefreshError(Exception):
    """Twitch refused the refresh (its status and ``message``) or could not be reached."""


@dataclass(frozen=True)
class Tokens:
    """A refreshed pair (never shown)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)


def refresh_form(client_id: str, client_secret: str, refresh_token: str) -> dict[str, str]:
    """The documented request body (sent form-encoded, which URL-encodes the refresh token)."""
    return {
        "client_id": client_id,
        "client_secret": client_secret,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }


def parse_tokens(body: object) -> Tokens:
    """The documented 200 response's tokens; ``ValueError`` naming what is missing."""
    if not isinstance(body, Mapping):
        raise ValueError("the token response is not a JSON object")
    access, refresh = body.get("access_token"), body.get("refresh_token")
    if not isinstance(access, str) or not access:
        raise ValueError("the token response has no access_token")
    if not isinstance(refresh, str) or not refresh:
        raise ValueError("the token response has no refresh_token")
    return Tokens(access, refresh)


class TokenRefresher:
    """Refreshes one connection's user access token; ``on_tokens`` keeps each new pair (it
    runs on a worker thread: it may write to the database)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        token_url: str = TOKEN_URL,
        on_tokens: Callable[[Tokens], None] | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._url = token_url
        self._on_tokens = on_tokens
        self._client = httpx.AsyncClient(timeout=timeout_s)
        self.refreshed = 0  # successful refreshes

    def __repr__(self) -> str:
        return f"TokenRefresher(token_url={self._url!r})"

    async def refresh(self) -> str:
        """A new access token (and the new refresh token kept); ``TokenRefreshError``."""
        form = refresh_form(self._client_id, self._client_secret, self._refresh_token)
        try:
            resp = await self._client.post(self._url, data=form)
        except httpx.HTTPError as exc:
            raise TokenRefreshError(f"Twitch token refresh: {type(exc).__name__}") from None
        if resp.status_code != 200:
            raise TokenRefreshError(f"Twitch token refresh: {resp.status_code} {_message(resp)}")
        try:
            tokens = parse_tokens(resp.json())
        except ValueError as exc:
            raise TokenRefreshError(f"Twitch token refresh: {exc}") from None
        self._refresh_token = tokens.refresh_token
        self.refreshed += 1
        log.info("twitch: the user access token was refreshed")
        if self._on_tokens is not None:
            try:
                await asyncio.to_thread(self._on_tokens, tokens)
            except Exception as exc:  # the new token still works for this run
                log.error("twitch: could not store the refreshed tokens: %s", type(exc).__name__)
        return tokens.access_token

    async def aclose(self) -> None:
        await self._client.aclose()


def _message(resp: httpx.Response) -> str:
    try:
        body: Any = resp.json()
    except ValueError:
        return resp.reason_phrase
    if isinstance(body, Mapping):
        return str(body.get("message") or body.get("error") or resp.reason_phrase)
    return resp.reason_phrase
