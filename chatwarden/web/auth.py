"""Who is calling: a person's session cookie or a bot's ``Authorization: Bearer`` API token.

Sessions come from ``POST /api/v1/sessions`` and travel in the ``cw_session`` cookie (HttpOnly,
SameSite=Lax, Secure when configured); the readable ``cw_csrf`` cookie holds the CSRF token
the client echoes in ``X-CSRF-Token`` (see ``csrf.py``). Bots send an API token (``cwt_...``)
as a bearer token; its scopes are checked by the services' permission table.

A WebSocket is authenticated once, at its handshake; ``sockets.OpenSockets`` ends it when its
credential ends (logout, revocation, expiry).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection

from chatwarden.errors import Unauthorized
from chatwarden.service.types import Actor
from chatwarden.web.csrf import CSRF_COOKIE, SESSION_COOKIE
from chatwarden.web.state import edge_of, services_of


def bearer_token(headers: Headers) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if there is one."""
    value = headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def credentials(headers: Headers, cookies: dict[str, str]) -> tuple[str, bool] | None:
    """``(token, from_cookie)`` for this request, the bearer token taking precedence."""
    token = bearer_token(headers)
    if token is not None:
        return token, False
    session = cookies.get(SESSION_COOKIE)
    if session:
        return session, True
    return None


def client_ip(request: HTTPConnection) -> str:
    return request.client.host if request.client is not None else "unknown"


async def current_actor(request: Request) -> Actor:
    """The authenticated caller (401 ``unauthorized`` otherwise), rate-limited per user."""
    found = credentials(request.headers, request.cookies)
    if found is None:
        raise Unauthorized("log in (POST /api/v1/sessions) or send 'Authorization: Bearer <token>'")
    actor = await run_in_threadpool(services_of(request).accounts.authenticate, found[0])
    edge_of(request).api_limiter.check(f"user:{actor.user_id}", "requests")
    return actor


async def limit_by_ip(request: Request) -> None:
    """Per-IP limit for login attempts (they need no login)."""
    edge_of(request).auth_limiter.check(f"ip:{client_ip(request)}", "login attempts")


async def limit_signups_by_ip(request: Request) -> None:
    """Per-IP limit for sign-ups: counted apart from logins, and said as sign-ups."""
    edge_of(request).auth_limiter.check(f"signup-ip:{client_ip(request)}", "sign-ups")


CurrentActor = Annotated[Actor, Depends(current_actor)]


def set_session_cookies(
    response: Response,
    *,
    token: str,
    csrf_token: str,
    expires_at: datetime,
    now: datetime,
    secure: bool,
) -> None:
    max_age = max(0, int((expires_at - now).total_seconds()))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    # readable by the page's script, which copies it into the X-CSRF-Token header
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token,
        max_age=max_age,
        path="/",
        httponly=False,
        samesite="lax",
        secure=secure,
    )


def clear_session_cookies(response: Response, *, secure: bool) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(
            name, path="/", samesite="lax", secure=secure, httponly=name == SESSION_COOKIE
        )
