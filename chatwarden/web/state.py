"""What the routes reach through ``request.app.state``: the services and the edge's own parts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from starlette.requests import HTTPConnection

from chatwarden.config import WebSettings
from chatwarden.service.chat.ingest import Ingest
from chatwarden.service.scale.gateway import StreamIngest
from chatwarden.web.ratelimit import RateLimiter
from chatwarden.web.sockets import OpenSockets

if TYPE_CHECKING:
    from chatwarden.services import Services


@dataclass(frozen=True)
class Edge:
    services: Services
    settings: WebSettings
    api_limiter: RateLimiter
    auth_limiter: RateLimiter
    account_limiter: RateLimiter  # failed logins per account (ratelimit.py)
    csrf_secret: bytes
    ingest: Ingest | StreamIngest  # chat sends: group commit, or the streams (scale-out)
    sockets: OpenSockets  # open WebSockets: ended with their credential, counted per address


def edge_of(conn: HTTPConnection) -> Edge:
    return cast(Edge, conn.app.state.edge)


def services_of(conn: HTTPConnection) -> Services:
    return edge_of(conn).services
