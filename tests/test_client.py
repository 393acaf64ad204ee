"""``chatwarden.client`` against a real server (uvicorn on 127.0.0.1, tests/web/harness.py) with
real API tokens: the verdicts a game would act on, and every refusal as its own exception."""

from __future__ import annotations

import logging
import socket

import httpx
import pytest

from chatwarden.client import (
    PRECHECK_SCOPE,
    ChatWardenClient,
    ConnectionFailed,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    Verdict,
)
from chatwarden.services import build_services
from chatwarden.web import WebSettings, create_app
from tests.web.harness import PASSWORD, LiveServer, World, make_config, world

__all__ = ["world"]


def _token(world: World, person: str, *scopes: str) -> str:
    r = world[person].http.post(
        "/api/v1/tokens", json={"name": "game filter", "scopes": list(scopes)}
    )
    assert r.status_code == 201, r.text
    token: str = r.json()["token"]
    return token


def test_allow_hold_and_block_as_the_server_decides(world: World) -> None:
    owner = world["owner"].http
    r = owner.patch("/api/v1/channels/main/automod/settings", json={"overall_level": 2})
    assert r.status_code == 200, r.text
    r = owner.post("/api/v1/channels/main/automod/terms", json={"text": "zorblax"})
    assert r.status_code == 201, r.text
    token = _token(world, "mod", PRECHECK_SCOPE)

    with ChatWardenClient(world.base_url, token, timeout=10) as client:
        fine = client.check("main", "gg wp")
        threat = client.check("main", "i will kill you")
        blocked = client.check("main", "you absolute zorblax")

    assert fine.action == "allow" and fine.allowed and fine.reasons == ()
    assert threat.action == "hold" and not threat.allowed
    assert threat.harm > 0.5 and threat.categories
    assert any(r["kind"] == "category" for r in threat.reasons)
    assert blocked.action == "block"
    assert [r.get("term") for r in blocked.reasons if r["kind"] != "category"] == ["zorblax"]
    # only asked: nothing reached the chat or the queue
    assert world["mod"].http.get("/api/v1/channels/main/queue").json() == []
    assert world["mod"].http.get("/api/v1/channels/main/messages").json() == []


def test_each_refusal_is_its_own_exception_and_never_shows_the_token(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good = _token(world, "mod", PRECHECK_SCOPE)
    wrong_scope = _token(world, "mod", "chat:write")
    viewer = _token(world, "alice", PRECHECK_SCOPE)  # the scope, but alice moderates nothing
    bad = "cw_" + "x" * 43

    with ChatWardenClient(world.base_url, bad) as client, pytest.raises(Unauthorized) as e401:
        client.check("main", "gg wp")
    assert e401.value.status == 401 and bad not in repr(client) and bad not in str(e401.value)
    for token in (wrong_scope, viewer):
        with ChatWardenClient(world.base_url, token) as client, pytest.raises(Forbidden) as e403:
            client.check("main", "gg wp")
        assert e403.value.status == 403 and e403.value.code
    with ChatWardenClient(world.base_url, good) as client:
        with pytest.raises(NotFound) as e404:
            client.check("no-such-channel", "gg wp")
        assert e404.value.status == 404
        # empty or a newline: the chat service refuses (400); over 10,000 characters: the schema
        for text, status in (("", 400), ("   ", 400), ("a\nb", 400), ("x" * 10_001, 422)):
            with pytest.raises(InvalidRequest) as e4xx:
                client.check("main", text)
            assert e4xx.value.status == status and e4xx.value.message
        assert client.check("main", "gg wp").action == "allow"  # the client still works
        assert good not in repr(client)
    assert not [r for r in caplog.records if good in r.getMessage() or bad in r.getMessage()]


def test_a_server_that_is_not_there_is_a_connection_failure() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with ChatWardenClient(f"http://127.0.0.1:{port}", "cw_secret", timeout=2) as client:
        with pytest.raises(ConnectionFailed) as exc:
            client.check("main", "gg wp")
    assert "cw_secret" not in str(exc.value)


def test_429_carries_the_servers_retry_after(database_url: str) -> None:
    """A server whose API limit is 10 requests a minute per user: the check past it is a
    ``RateLimited`` with the seconds the server said to wait."""
    services = build_services(make_config(database_url))
    app = create_app(services, WebSettings(api_requests=10, api_window_s=60))
    with LiveServer(app) as live, httpx.Client(base_url=f"http://127.0.0.1:{live.port}") as http:
        r = http.post("/api/v1/accounts", json={"username": "streamer", "password": PASSWORD})
        assert r.status_code == 201, r.text
        r = http.post("/api/v1/sessions", json={"username": "streamer", "password": PASSWORD})
        http.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        assert http.post("/api/v1/channels", json={"name": "game"}).status_code == 201
        r = http.post("/api/v1/tokens", json={"name": "game", "scopes": [PRECHECK_SCOPE]})
        token = r.json()["token"]
        with ChatWardenClient(str(http.base_url), token) as client:
            verdicts = []
            with pytest.raises(RateLimited) as exc:
                for _ in range(12):
                    verdicts.append(client.check("game", "gg wp"))
    services.close()
    assert 1 <= len(verdicts) < 12 and {v.action for v in verdicts} == {"allow"}
    assert exc.value.status == 429 and exc.value.code == "rate_limited"
    assert exc.value.retry_after_s is not None and 1 <= exc.value.retry_after_s <= 60


def test_verdict_refuses_an_unknown_action() -> None:
    assert Verdict.from_response({"action": "hold", "decision": {"harm": 0.9}}).harm == 0.9
    with pytest.raises(Exception, match="unexpected action"):
        Verdict.from_response({"action": "maybe"})
