"""``GET /metrics``: operator metrics in the Prometheus text format.

Access: with ``CHATWARDEN_METRICS_TOKEN`` set, a scraper must send
``Authorization: Bearer <token>``; without it, only clients on the loopback interface
(127.0.0.1, ::1: a Prometheus or sidecar on the same host) are answered, and not requests that
came through a reverse proxy (they carry ``X-Forwarded-For``, ``Forwarded``, ``X-Real-IP`` or
``X-Forwarded-Host``, which every common proxy adds): everyone else gets 403. Set the token
whenever the server is reachable through a proxy that does not add such a header.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from chatwarden.errors import Forbidden, Unauthorized
from chatwarden.service.health.opsmetrics import CONTENT_TYPE
from chatwarden.web.auth import client_ip
from chatwarden.web.state import services_of

router = APIRouter(include_in_schema=False)

TOKEN_ENV = "CHATWARDEN_METRICS_TOKEN"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
#: a reverse proxy on the same host connects from loopback too: its requests carry one of these
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host")


def check_access(request: Request) -> None:
    token = services_of(request).config.metrics_token_value()
    if token:
        sent = request.headers.get("authorization", "")
        scheme, _, value = sent.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode(), token.encode()
        ):
            raise Unauthorized(f"/metrics needs 'Authorization: Bearer <{TOKEN_ENV}>'")
        return
    proxied = any(h in request.headers for h in PROXY_HEADERS)
    if client_ip(request) not in LOOPBACK or proxied:
        raise Forbidden(f"/metrics answers local clients only unless {TOKEN_ENV} is set")


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    check_access(request)
    body = await run_in_threadpool(services_of(request).metrics.exposition)
    return Response(body, media_type=CONTENT_TYPE)
