"""Low: password guessing past the login limiter.

Attack 1: guess one account's password from many addresses (a botnet), each under the per-IP
limit. Expected: after ``login_failures_per_account`` failures the account's logins answer 429
from any address, even with the right password, until the window passes; other accounts and
the account's open sessions are untouched.

Attack 2: behind no proxy, or from a host that is not the proxy, send a fresh
``X-Forwarded-For`` with every guess so the per-IP limit never fills. The server runs as
``chatwarden serve`` runs it (``runtime.uvicorn_options()``). Expected: the header is ignored
unless the peer is listed in ``trusted_proxies`` (empty by default); from a listed proxy it
names the client.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from chatwarden.clock import FakeClock
from chatwarden.config import ServiceConfig
from chatwarden.errors import ConfigError
from chatwarden.services import build_services
from chatwarden.web import WebSettings, create_app
from chatwarden.web.runtime import uvicorn_options
from tests.web.harness import PASSWORD, LiveServer, World, make_config

WRONG = "not the password"


def _login(world: World, username: str, password: str, address: str) -> httpx.Response:
    """One login from a new client at ``address`` (the harness's uvicorn believes
    X-Forwarded-For from loopback: it stands in for many clients behind a trusted proxy)."""
    with world.client() as http:
        return http.post(
            "/api/v1/sessions",
            json={"username": username, "password": password},
            headers={"X-Forwarded-For": address},
        )


def test_failed_logins_are_limited_per_account(world: World) -> None:
    limit = WebSettings().login_failures_per_account
    for i in range(limit):
        r = _login(world, "alice", WRONG, f"198.51.100.{i}")
        assert r.status_code == 401, (i, r.text)
    # from yet another address, with the right password: refused until the window passes
    r = _login(world, "ALICE", PASSWORD, "198.51.100.200")
    assert r.status_code == 429, r.text
    assert "failed logins for this account" in r.json()["error"]["message"]
    assert _login(world, "vip", PASSWORD, "198.51.100.201").status_code == 201
    assert world["alice"].http.get("/api/v1/me").status_code == 200  # her session lives on


def test_successful_logins_do_not_count(world: World) -> None:
    limit = WebSettings().login_failures_per_account
    for i in range(limit - 1):
        assert _login(world, "alice", WRONG, f"198.51.100.{i}").status_code == 401
    for i in range(3):
        r = _login(world, "alice", PASSWORD, f"198.51.100.{100 + i}")
        assert r.status_code == 201, r.text


@contextlib.contextmanager
def _production_server(database_url: str, **config: str) -> Iterator[str]:
    """The app behind uvicorn with ``chatwarden serve``'s options; yields its base URL."""
    services = build_services(make_config(database_url, **config), clock=FakeClock())
    app = create_app(services, WebSettings(tick_interval_s=0.2))
    try:
        with LiveServer(app, **uvicorn_options()) as live:
            yield f"http://127.0.0.1:{live.port}"
    finally:
        services.close()


def _guesses(base: str, forwarded_for: list[str]) -> list[int]:
    """One failed login per entry (distinct unknown accounts), each with that header."""
    with httpx.Client(base_url=base, timeout=10) as http:
        return [
            http.post(
                "/api/v1/sessions",
                json={"username": f"nobody{i}", "password": WRONG},
                headers={"X-Forwarded-For": ip},
            ).status_code
            for i, ip in enumerate(forwarded_for)
        ]


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(database_url: str) -> None:
    per_ip = WebSettings().auth_requests
    spoofed = [f"203.0.113.{i}" for i in range(per_ip + 5)]
    with _production_server(database_url) as base:
        codes = _guesses(base, spoofed)
    assert codes[:per_ip] == [401] * per_ip
    assert set(codes[per_ip:]) == {429}, codes  # one client, whatever the header says


def test_a_trusted_proxy_names_the_client(database_url: str) -> None:
    per_ip = WebSettings().auth_requests
    with _production_server(database_url, trusted_proxies="127.0.0.0/8, ::1") as base:
        spread = _guesses(base, [f"203.0.113.{i}" for i in range(per_ip + 5)])
        one = _guesses(base, ["192.0.2.7"] * (per_ip + 1))
    assert set(spread) == {401}, spread  # distinct clients behind the proxy
    assert one[-1] == 429 and set(one[:-1]) == {401}, one


def test_trusted_proxies_must_be_addresses() -> None:
    assert ServiceConfig().trusted_proxies == ""
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        ServiceConfig.from_env({"CHATWARDEN_TRUSTED_PROXIES": "*"})
