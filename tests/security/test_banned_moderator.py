"""Medium 5: a ban takes a moderator's powers in that channel at once, on every path.

Attack: a lead moderator bans a rogue moderator, who keeps every moderator power: reading and
resolving the review queue, timing chatters out, the moderator chat socket and the EventSub
moderator subscriptions. Expected: from the ban on, the banned moderator holds only what any
viewer holds there (``permissions.acting_role``): HTTP moderator actions are 403, the chat
socket reconnects as a viewer (no moderator frames), EventSub moderator subscriptions are
revoked. An unban gives the powers back; as a *target* the granted role still counts, so a
moderator cannot unban a lead moderator the owner banned.
"""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from chatwarden.web.ws import CLOSE_ROLE_CHANGED
from tests.web.harness import World, abusive_text


def _ban(world: World, by: str, who: str) -> None:
    r = world[by].http.put(f"/api/v1/channels/main/bans/{who}", json={"reason": "rogue"})
    assert r.status_code == 200, r.text


def _held(world: World, key: str) -> None:
    r = world["mallory"].http.post(
        "/api/v1/channels/main/messages",
        json={"text": f"{abusive_text()} {key}", "idempotency_key": key},
    )
    assert r.status_code in (200, 201) and r.json()["status"] == "held", r.text


def test_banned_moderator_loses_http_powers(world: World) -> None:
    mod = world["mod"].http
    _held(world, "h1")
    [item] = mod.get("/api/v1/channels/main/queue").json()  # a moderator, before the ban
    _ban(world, "lead", "mod")

    assert mod.get("/api/v1/channels/main/queue").status_code == 403
    assert mod.post(f"/api/v1/queue/{item['id']}", json={"action": "allow"}).status_code == 403
    timeout = mod.put("/api/v1/channels/main/timeouts/alice", json={"duration_s": 60})
    assert timeout.status_code == 403, timeout.text
    assert "banned" in timeout.json()["error"]["message"]
    assert mod.put("/api/v1/channels/main/bans/alice", json={"reason": "x"}).status_code == 403
    assert mod.get("/api/v1/channels/main/modlog").status_code == 403
    permissions = mod.get("/api/v1/channels/main/permissions").json()
    assert "view_queue" not in permissions["permissions"], permissions
    # an API token of the banned moderator is refused the same way
    token = mod.post("/api/v1/tokens", json={"name": "t", "scopes": ["moderation:read"]})
    with world.client() as bot:
        bot.headers["Authorization"] = f"Bearer {token.json()['token']}"
        assert bot.get("/api/v1/channels/main/queue").status_code == 403
    # elsewhere nothing changed; the unban gives the powers back
    r = world["lead"].http.delete("/api/v1/channels/main/bans/mod")
    assert r.status_code == 200, r.text
    assert mod.get("/api/v1/channels/main/queue").status_code == 200


def test_banned_moderator_socket_stops_moderator_frames(world: World) -> None:
    mod = world["mod"]
    chat = mod.chat("main")
    _held(world, "before")
    chat.expect(lambda f: f.get("event_type") == "automod.message.hold")

    _ban(world, "lead", "mod")
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(50):
            chat.recv(timeout=2)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_ROLE_CHANGED
    again = mod.chat("main", welcome=False)
    welcome = again.expect_type("welcome")
    assert welcome["moderator"] is False, welcome
    _held(world, "after")
    again.quiet(lambda f: f.get("type") == "queue", wait=1.0)

    # the unban reconnects the socket with the moderator's powers
    assert world["lead"].http.delete("/api/v1/channels/main/bans/mod").status_code == 200
    with pytest.raises(ConnectionClosed):
        for _ in range(50):
            again.recv(timeout=2)
    assert mod.chat("main", welcome=False).expect_type("welcome")["moderator"] is True


def test_banned_moderator_event_subscription_is_revoked(world: World) -> None:
    headers = {"Cookie": f"cw_session={world['mod'].session}"}
    with connect(f"{world.ws_base}/api/v1/eventsub/ws", additional_headers=headers) as ws:
        json.loads(ws.recv(timeout=5))  # session_welcome
        subscribe = {"type": "subscribe", "channel": "main", "types": ["automod.message.hold"]}
        ws.send(json.dumps(subscribe))
        assert json.loads(ws.recv(timeout=5))["metadata"]["message_type"] == "subscribed"
        _ban(world, "lead", "mod")
        frame = json.loads(ws.recv(timeout=5))
        while frame.get("metadata", {}).get("message_type") == "session_keepalive":
            frame = json.loads(ws.recv(timeout=5))
        assert frame["metadata"]["message_type"] == "revocation", frame
        _held(world, "after")
        with pytest.raises(TimeoutError):
            while True:  # nothing but keepalives
                frame = json.loads(ws.recv(timeout=1.0))
                assert frame["metadata"]["message_type"] == "session_keepalive", frame
        ws.send(json.dumps(subscribe))
        assert json.loads(ws.recv(timeout=5))["code"] == "forbidden"


def test_a_moderator_cannot_unban_a_banned_lead(world: World) -> None:
    _ban(world, "owner", "lead")
    r = world["mod"].http.delete("/api/v1/channels/main/bans/lead")
    assert r.status_code == 403, r.text
    assert world["owner"].http.delete("/api/v1/channels/main/bans/lead").status_code == 200
