"""CSRF protection for cookie-authenticated requests (a pure ASGI middleware).

A browser sends the session cookie with any request, including one a hostile page triggers,
so every unsafe request (POST, PUT, PATCH, DELETE) that carries the session cookie must also
carry an ``X-CSRF-Token`` header equal to the ``cw_csrf`` cookie, and that token must be the one
derived from the session (a signed double-submit token: a cookie planted by a sibling domain
does not match). Requests with ``Authorization: Bearer`` are exempt: a page cannot make a
browser attach one. Independently, an unsafe request whose ``Origin`` names another site is
refused, which also covers login forms (no session yet).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from chatwarden.web.errors import send_error

SESSION_COOKIE = "cw_session"
CSRF_COOKIE = "cw_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def derive_csrf_token(secret: bytes, session_token: str) -> str:
    """The CSRF token that belongs to one session: HMAC-SHA256(secret, session token)."""
    return hmac.new(secret, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def cookies_of(scope: Scope) -> dict[str, str]:
    """The request's cookies (the last value wins, like Starlette's ``request.cookies``)."""
    out: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            out.update(cookie_parser(value.decode("latin-1")))
    return out


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def same_origin(scope: Scope, origin: str, allowed: frozenset[str]) -> bool:
    """``Origin`` matches the request's own ``Host`` or an explicitly allowed origin."""
    if origin in allowed:
        return True
    host = header(scope, b"host")
    parts = urlsplit(origin)
    return host is not None and parts.netloc.lower() == host.lower()


class CSRFMiddleware:
    """Refuse cross-site unsafe requests before any route runs (403 ``csrf_failed``)."""

    def __init__(
        self,
        app: ASGIApp,
        expected_token: Callable[[str], str],
        allowed_origins: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.expected_token = expected_token
        self.allowed_origins = allowed_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            problem = self.problem(scope)
            if problem is not None:
                await send_error(send, 403, "csrf_failed", problem)
                return
        await self.app(scope, receive, send)

    def problem(self, scope: Scope) -> str | None:
        """Why this unsafe request is refused, or ``None`` when it may proceed."""
        authorization = header(scope, b"authorization") or ""
        if authorization[:7].lower() == "bearer ":
            return None
        origin = header(scope, b"origin")
        if origin is not None and not same_origin(scope, origin, self.allowed_origins):
            return f"cross-site request from origin {origin!r} refused"
        cookies = cookies_of(scope)
        session = cookies.get(SESSION_COOKIE)
        if session is None:
            return None
        sent = header(scope, CSRF_HEADER.encode())
        if not sent:
            return "missing X-CSRF-Token header (copy it from the cw_csrf cookie)"
        cookie = cookies.get(CSRF_COOKIE, "")
        expected = self.expected_token(session)
        if not (hmac.compare_digest(sent, cookie) and hmac.compare_digest(sent, expected)):
            return "X-CSRF-Token does not match this session's token"
        return None
