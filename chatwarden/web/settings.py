"""Web-edge settings: cookies, allowed origins and request limits (``CHATWARDEN_WEB_*`` env)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WebSettings:
    """How the HTTP edge behaves; the service settings live in ``chatwarden.config``."""

    #: mark the session cookie ``Secure`` (set it when serving over HTTPS)
    cookie_secure: bool = False
    #: extra origins allowed to make cookie-authenticated unsafe requests and WebSockets
    allowed_origins: frozenset[str] = field(default_factory=frozenset)
    #: API requests per client (user, else IP) per window
    api_requests: int = 1200
    api_window_s: float = 60.0
    #: login and registration attempts per IP per window (slows password guessing)
    auth_requests: int = 20
    auth_window_s: float = 60.0
    #: failed logins per account per window, from any address (then 429 until it passes)
    login_failures_per_account: int = 10
    login_failures_window_s: float = 300.0
    #: WebSocket frames a client may send per second before it gets ``rate_limited`` errors
    ws_frames_per_s: int = 200
    #: how often the services' periodic work runs (review expiry, delayed chat, webhooks)
    tick_interval_s: float = 1.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WebSettings:
        env = os.environ if environ is None else environ
        origins = env.get("CHATWARDEN_WEB_ALLOWED_ORIGINS", "")
        return cls(
            cookie_secure=env.get("CHATWARDEN_WEB_COOKIE_SECURE", "").lower() in {"1", "true"},
            allowed_origins=frozenset(o.strip() for o in origins.split(",") if o.strip()),
        )
