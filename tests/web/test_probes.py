"""``GET /livez`` and ``GET /readyz`` (``web/routes/probes.py``) on a real server: open to
anyone, no credentials, 503 naming Redis when a gateway's Redis is unreachable, in the OpenAPI
document with the 503 they can answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from chatwarden.clock import FakeClock
from chatwarden.services import build_services
from chatwarden.web import WebSettings, create_app
from tests.redis_support import REDIS_URL, redis_namespace
from tests.service.health.test_readiness import closed_port
from tests.web.harness import LiveServer, make_config


@contextmanager
def served(database_url: str, bus_url: str = "") -> Iterator[httpx.Client]:
    services = build_services(make_config(database_url, bus={"url": bus_url}), clock=FakeClock())
    try:
        with LiveServer(create_app(services, WebSettings())) as live:
            with httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=10) as http:
                yield http
    finally:
        services.close()


def test_one_process_is_live_and_ready_with_its_database(database_url: str) -> None:
    with served(database_url) as http:
        live = http.get("/livez")
        ready = http.get("/readyz")
        probes = [http.get("/readyz").status_code for _ in range(50)]  # no limit for probes
    assert (live.status_code, live.json()) == (200, {"status": "live"})
    assert (ready.status_code, ready.json()) == (
        200,
        {"status": "ready", "checks": {"database": "ok"}},
    )
    assert ready.headers["cache-control"] == "no-store"
    assert set(probes) == {200}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_gateway_is_not_ready_while_its_redis_does_not_answer(database_url: str) -> None:
    with redis_namespace():  # skips (or fails in CI) without Redis
        pass
    port = closed_port()
    with served(database_url, f"redis://:hunter2@127.0.0.1:{port}/0") as http:
        down = http.get("/readyz")
        live = http.get("/livez")
    with served(database_url, REDIS_URL) as http:
        up = http.get("/readyz")
    assert down.status_code == 503
    body = down.json()
    assert body["error"]["code"] == "not_ready"
    assert "redis" in body["error"]["message"]
    assert body["checks"] == {"database": "ok", "redis": "ConnectionError"}
    assert "hunter2" not in down.text and str(port) not in down.text
    assert live.status_code == 200  # alive all the same: restarting it would not help
    assert (up.status_code, up.json()["checks"]) == (200, {"database": "ok", "redis": "ok"})


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_probes_are_in_the_openapi_document(database_url: str) -> None:
    services = build_services(make_config(database_url), clock=FakeClock())
    try:
        spec = create_app(services, WebSettings()).openapi()
    finally:
        services.close()
    assert set(spec["paths"]["/livez"]["get"]["responses"]) == {"200"}
    readyz = spec["paths"]["/readyz"]["get"]["responses"]
    assert set(readyz) == {"200", "503"}
    assert readyz["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
