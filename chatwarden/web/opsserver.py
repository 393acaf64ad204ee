"""The worker's operator port (``chatwarden worker --metrics-port N``): /metrics, /livez, /readyz.

A worker has no web app, so this is a small standard-library HTTP server on a thread of its
own, with the same answers as the gateway's routes: ``/livez`` 200 while the process runs;
``/readyz`` 200 or 503 with the body of ``routes/probes.py``; ``/metrics`` the worker's
registry in the Prometheus text format, under the rule of ``routes/metrics.py`` (with
``CHATWARDEN_METRICS_TOKEN`` set, ``Authorization: Bearer <token>``; without it, loopback
clients only). It binds 127.0.0.1 unless told otherwise (``--metrics-host``).
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from chatwarden.service.health.opsmetrics import CONTENT_TYPE
from chatwarden.service.health.readiness import Readiness
from chatwarden.web.routes.metrics import LOOPBACK, PROXY_HEADERS, TOKEN_ENV
from chatwarden.web.routes.probes import not_ready_body

log = logging.getLogger(__name__)


class OpsServer:
    """Serves until ``close()``; ``port`` is the bound port (pass 0 to pick a free one)."""

    def __init__(
        self,
        host: str,
        port: int,
        exposition: Callable[[], bytes],
        readiness: Readiness,
        token: str | None = None,
    ) -> None:
        self.exposition = exposition
        self.readiness = readiness
        self.token = token or None
        handler = type("Handler", (_Handler,), {"ops": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self.host, self.port = host, int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ops-http", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def metrics_refusal(self, headers: Any, client: str) -> tuple[int, str] | None:
        """None when this client may read /metrics, else (status, message)."""
        if self.token:
            scheme, _, value = str(headers.get("Authorization", "")).partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                value.strip().encode(), self.token.encode()
            ):
                return None
            return 401, f"/metrics needs 'Authorization: Bearer <{TOKEN_ENV}>'"
        if client not in LOOPBACK or any(h in headers for h in PROXY_HEADERS):
            return 403, f"/metrics answers local clients only unless {TOKEN_ENV} is set"
        return None


class _Handler(BaseHTTPRequestHandler):
    ops: OpsServer
    server_version = "chatwarden-worker"
    sys_version = ""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/livez":
            self._json(200, {"status": "live"})
        elif path == "/readyz":
            report = self.ops.readiness.check()
            if report.ready:
                self._json(200, {"status": "ready", "checks": report.checks})
            else:
                self._json(503, not_ready_body(report))
        elif path == "/metrics":
            refusal = self.ops.metrics_refusal(self.headers, self.client_address[0])
            if refusal is not None:
                code = "unauthorized" if refusal[0] == 401 else "forbidden"
                self._json(refusal[0], {"error": {"code": code, "message": refusal[1]}})
                return
            self._send(200, self.ops.exposition(), CONTENT_TYPE)
        else:
            self._json(404, {"error": {"code": "not_found", "message": "no such page"}})

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, orjson.dumps(body), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("ops %s " + format, self.client_address[0], *args)
