"""The browser pages: landing/login, the viewers' chat page and Mod View, plus security headers.

Every page is a fixed HTML shell (no server-side data in it, so nothing to escape) that loads
one ES module from ``/static``; the module reads the channel name from the URL and talks to
the HTTP API and the chat WebSocket. No inline script or handler anywhere, so the
Content-Security-Policy can say ``script-src 'self'``. See docs/web-ui.md.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"

#: Scripts only from our origin; styles from our origin plus inline ``style`` attributes (the
#: charting library sets element styles); no plugins, no <base>, no framing.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    """Add the CSP and friends to every HTTP response (API answers included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def shell(title: str, module: str, body_class: str) -> str:
    """One page: a stylesheet, the theme script, one module script, and an empty app root.

    ``theme-init.js`` is a classic script, so it runs (blocking, from our origin, allowed by
    ``script-src 'self'``) before the first paint: a chosen dark theme never flashes white.
    """
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · ChatWarden</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/app.css">
<script src="/static/js/theme-init.js"></script>
<script type="module" src="/static/{module}"></script>
</head>
<body class="{body_class}">
<a class="skip-link" href="#main">Skip to content</a>
<div id="app"><main id="main" tabindex="-1"><p class="muted">Loading…</p></main></div>
<noscript><p>ChatWarden needs JavaScript. The HTTP API is at <a href="/docs">/docs</a>
(OpenAPI: <a href="/openapi.json">/openapi.json</a>).</p></noscript>
</body>
</html>
"""


LANDING = shell("Log in", "pages/landing.js", "page-landing")
CHAT = shell("Chat", "pages/chat.js", "page-chat")
MODVIEW = shell("Mod View", "modview/main.js", "page-modview")
#: the API reference, drawn from /openapi.json by our own module (offline: no CDN, strict CSP)
APIDOCS = shell("API", "pages/apidocs.js", "page-apidocs")
#: where a verification mail's link leads (the token is in the URL's fragment, read by the page)
VERIFY_EMAIL = shell("Verify your email", "pages/verify.js", "page-verify")

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def landing() -> str:
    """Log in or sign up, then pick a channel (the API is at /docs)."""
    return LANDING


@router.get("/docs", response_class=HTMLResponse)
def api_docs() -> str:
    """The HTTP API reference, read from /openapi.json in the browser."""
    return APIDOCS


@router.get("/c/{channel}", response_class=HTMLResponse)
def chat_page(channel: str) -> str:
    return CHAT


@router.get("/verify-email", response_class=HTMLResponse)
def verify_email_page() -> str:
    """Follow a verification link: the page posts the link's token to /email/verify."""
    return VERIFY_EMAIL


@router.get("/mod/{channel}", response_class=HTMLResponse)
def modview_page(channel: str) -> str:
    return MODVIEW


def install_pages(app: FastAPI) -> None:
    """Serve the pages and ``/static``, and add the security headers to every response."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeadersMiddleware)
