"""The ASGI app factory: ``create_app(services)`` wires routes, middleware and error mapping."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, FastAPI
from starlette.concurrency import run_in_threadpool
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from chatwarden import __version__
from chatwarden.config import WebSettings
from chatwarden.service.chat.ingest import Ingest
from chatwarden.service.health.readiness import readiness_of
from chatwarden.service.scale.gateway import StreamIngest
from chatwarden.web.bodylimit import BodyLimitMiddleware
from chatwarden.web.csrf import CSRFMiddleware, derive_csrf_token
from chatwarden.web.errors import install_error_handlers
from chatwarden.web.events_ws import event_socket
from chatwarden.web.inputs import refuse_nul
from chatwarden.web.openapi import install_openapi
from chatwarden.web.pages import install_pages
from chatwarden.web.ratelimit import RateLimiter
from chatwarden.web.routes import (
    accounts,
    channels,
    chat,
    connections,
    detection,
    emails,
    health,
    metrics,
    moderation,
    people,
    preview,
    probes,
    queue,
    settings,
    webhooks,
)
from chatwarden.web.sockets import OpenSockets
from chatwarden.web.state import Edge
from chatwarden.web.ws import chat_socket

if TYPE_CHECKING:
    from chatwarden.services import Services

log = logging.getLogger("chatwarden.web")

API_PREFIX = "/api/v1"


async def _tick_forever(services: Services, interval_s: float) -> None:
    """The services' periodic work: expire held messages, release delayed ones, webhooks."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await run_in_threadpool(services.tick)
        except Exception:
            log.exception("periodic service work failed; retrying in %.1f s", interval_s)


def create_app(
    services: Services, web: WebSettings | None = None, *, ingest: StreamIngest | None = None
) -> FastAPI:
    """The ChatWarden HTTP + WebSocket app over ``services`` (built by ``build_services``); the
    edge's settings are ``services.config.web`` unless ``web`` is given (tests, benchmarks).
    With ``ingest`` (a scale-out gateway, ``chatwarden.scaleout``) chat sends go to the
    streams instead of this process's group commit."""
    web = web if web is not None else services.config.web
    secret = services.secret_key.encode()
    edge = Edge(
        services=services,
        settings=web,
        api_limiter=RateLimiter(web.api_requests, web.api_window_s, time.monotonic),
        auth_limiter=RateLimiter(web.auth_requests, web.auth_window_s, time.monotonic),
        account_limiter=RateLimiter(
            web.login_failures_per_account, web.login_failures_window_s, time.monotonic
        ),
        csrf_secret=secret,
        ingest=ingest if ingest is not None else Ingest(services.chat),
        sockets=OpenSockets(
            services.bus,
            services.clock,
            anonymous_per_ip=services.config.ws_anonymous_per_ip,
            per_ip=services.config.ws_per_ip,
        ),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(_tick_forever(services, web.tick_interval_s))]
        if services.config.demo:
            from chatwarden.demo import drive_traffic

            tasks.append(asyncio.create_task(drive_traffic(services)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await edge.ingest.close()
            await edge.sockets.close()

    app = FastAPI(
        title="ChatWarden",
        version=__version__,
        summary="Live-chat moderation: chat, AutoMod, review queue, moderator tools.",
        openapi_url="/openapi.json",
        docs_url=None,  # /docs is our own page (pages.py): offline, under the site's CSP
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.edge = edge
    app.state.readiness = readiness_of(services.db, services.config.bus.url)  # routes/probes.py
    install_error_handlers(app)
    app.add_middleware(
        CSRFMiddleware,
        expected_token=lambda token: derive_csrf_token(secret, token),
        allowed_origins=web.allowed_origins,
    )
    app.add_middleware(BodyLimitMiddleware)  # 413 before any body is held in memory
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(refuse_nul)])  # inputs.py
    for area in (accounts, emails, channels, chat, queue, moderation, settings, people, webhooks):
        api.include_router(area.router)
    api.include_router(preview.router)  # replay: policy preview and history export
    api.include_router(health.router)  # health analytics and shadow mode
    api.include_router(detection.router)  # proactive detection: Shield Mode, suspicious users, ...
    api.include_router(connections.router)  # other platforms' chats, owner only (issue 17)
    app.include_router(api)
    app.include_router(health.assets)  # /vendor/plotly.min.js (from the plotly package)
    app.include_router(metrics.router)  # /metrics (Prometheus; see routes/metrics.py)
    app.include_router(probes.router)  # /livez, /readyz (see routes/probes.py)
    app.add_api_websocket_route(f"{API_PREFIX}/channels/{{name}}/chat/ws", chat_socket)
    app.add_api_websocket_route(f"{API_PREFIX}/eventsub/ws", event_socket)

    install_pages(app)  # the browser pages, /static and the security headers (pages.py)
    install_openapi(app)  # every error status each operation can answer (openapi.py)
    if services.config.trusted_proxies:  # added last: outermost, before any per-IP rule
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=services.config.proxy_hosts())
    return app
