"""Bad input gets a clear error and loses or duplicates nothing."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.web.harness import World, abusive_text


def test_malformed_frames_get_errors_and_the_socket_stays_open(world: World) -> None:
    chat = world["alice"].chat("main")
    cases = [
        ("not json at all", "invalid_json"),
        ("[1, 2, 3]", "invalid_frame"),
        (json.dumps({"type": "dance"}), "unknown_type"),
        (json.dumps({"type": "send", "text": "no key"}), "invalid_field"),
        (json.dumps({"type": "send", "text": 7, "idempotency_key": "k"}), "invalid_field"),
        ("x" * 20_000, "frame_too_large"),
    ]
    for raw, code in cases:
        chat.send(raw)
        frame = chat.expect_type("error")
        assert frame["code"] == code and frame["message"], (raw[:30], frame)
    assert world["alice"].say(chat, "still here")["type"] == "sent"
    chat.expect_type("message", text="still here")


def test_oversized_message_is_refused_and_not_stored(world: World) -> None:
    chat = world["alice"].chat("main")
    answer = world["alice"].say(chat, "a" * 501, key="big")
    assert answer["type"] == "error" and answer["code"] == "invalid_input"
    assert "500" in answer["message"]
    r = world["alice"].http.post(
        "/api/v1/channels/main/messages", json={"text": "b" * 501, "idempotency_key": "big2"}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_input"
    assert world["alice"].say(chat, "a" * 500)["type"] == "sent"  # the limit itself is fine
    texts = [m["text"] for m in world["alice"].http.get("/api/v1/channels/main/messages").json()]
    assert texts == ["a" * 500]


def test_replayed_idempotency_key_is_one_message(world: World) -> None:
    alice = world["alice"].chat("main")
    bob = world["mod"].chat("main")
    first = world["alice"].say(alice, "only once", key="k-1")
    again = world["alice"].say(alice, "only once", key="k-1")
    assert first["type"] == again["type"] == "sent"
    assert again["message_id"] == first["message_id"] and again["replayed"] is True
    clash = world["alice"].say(alice, "something else", key="k-1")
    assert clash["type"] == "error" and clash["code"] == "conflict"
    bob.expect_type("message", text="only once")
    bob.quiet(lambda f: f.get("type") == "message")
    # the same over HTTP: a held message replays as held, and is queued once
    body = {"text": abusive_text(), "idempotency_key": "k-2"}
    one = world["mallory"].http.post("/api/v1/channels/main/messages", json=body).json()
    two = world["mallory"].http.post("/api/v1/channels/main/messages", json=body).json()
    assert one["status"] == two["status"] == "held" and one["message_id"] == two["message_id"]
    assert len(world["mod"].http.get("/api/v1/channels/main/queue").json()) == 1
    texts = [m["text"] for m in world["mod"].http.get("/api/v1/channels/main/messages").json()]
    assert texts == ["only once"]


def test_unknown_channel_and_user(world: World) -> None:
    r = world["alice"].http.get("/api/v1/channels/nope")
    assert r.status_code == 404 and "nope" in r.json()["error"]["message"]
    r = world["mod"].http.put("/api/v1/channels/main/bans/nobody", json={"reason": "x"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    chat = world["alice"].chat("nope", welcome=False)
    frame = chat.recv()
    assert frame["type"] == "error" and frame["code"] == "not_found"
    with pytest.raises(ConnectionClosed) as info:
        chat.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 4404


def test_malformed_http_json(world: World) -> None:
    r = world["alice"].http.post(
        "/api/v1/channels/main/messages",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    r = world["alice"].http.post("/api/v1/channels/main/messages", json={"text": "no key"})
    assert r.status_code == 422 and "idempotency_key" in r.json()["error"]["message"]


def test_expired_session(world: World) -> None:
    world.clock.advance(15 * 24 * 3600)
    r = world["alice"].http.get("/api/v1/me")
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]
    chat = world["alice"].chat("main", welcome=False)
    frame = chat.recv()
    assert frame["type"] == "error" and frame["code"] == "unauthorized"
    world["alice"].login()
    assert world["alice"].http.get("/api/v1/me").status_code == 200


def test_csrf_required_for_cookie_requests(world: World) -> None:
    alice = world["alice"]
    body = {"text": "hi", "idempotency_key": "c1"}
    del alice.http.headers["X-CSRF-Token"]
    r = alice.http.post("/api/v1/channels/main/messages", json=body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    r = alice.http.post(
        "/api/v1/channels/main/messages", json=body, headers={"X-CSRF-Token": "forged"}
    )
    assert r.status_code == 403
    r = alice.http.post(
        "/api/v1/channels/main/messages",
        json=body,
        headers={"X-CSRF-Token": alice.csrf, "Origin": "https://evil.example"},
    )
    assert r.status_code == 403 and "origin" in r.json()["error"]["message"]
    r = alice.http.post(
        "/api/v1/channels/main/messages", json=body, headers={"X-CSRF-Token": alice.csrf}
    )
    assert r.status_code == 200 and r.json()["status"] == "delivered"
    # a cross-site page cannot open a cookie-authenticated chat socket either
    with pytest.raises((InvalidStatus, ConnectionClosed)):
        with connect(
            f"{world.ws_base}/api/v1/channels/main/chat/ws",
            additional_headers={
                "Cookie": f"cw_session={alice.session}",
                "Origin": "https://evil.example",
            },
        ) as ws:
            assert json.loads(ws.recv(timeout=5))["code"] == "csrf_failed"
            ws.recv(timeout=5)


def test_login_rate_limit_has_retry_after(world: World) -> None:
    with world.client() as anon:
        for _ in range(30):
            r = anon.post("/api/v1/sessions", json={"username": "alice", "password": "wrong!!!"})
            if r.status_code == 429:
                break
            assert r.status_code == 401
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert int(r.headers["retry-after"]) >= 1
