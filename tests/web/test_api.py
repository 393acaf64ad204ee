"""OpenAPI, the index page, the AutoMod pre-check and the EventSub-style event stream."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from websockets.sync.client import connect

from tests.web.harness import World, abusive_text


def test_openapi_lists_the_routes(world: World) -> None:
    with world.client() as anon:
        spec = anon.get("/openapi.json").json()
        index = anon.get("/")
    paths = spec["paths"]
    for path in (
        "/api/v1/sessions",
        "/api/v1/channels/{name}/queue",
        "/api/v1/queue/{item_id}",
        "/api/v1/channels/{name}/automod/check",
        "/api/v1/channels/{name}/bans/{username}",
        "/api/v1/channels/{name}/unban-requests",
        "/api/v1/channels/{name}/modlog",
    ):
        assert path in paths, path
    assert index.status_code == 200 and "/docs" in index.text


def test_precheck_would_this_be_held(world: World) -> None:
    mod = world["mod"].http
    held = mod.post("/api/v1/channels/main/automod/check", json={"text": abusive_text()}).json()
    fine = mod.post("/api/v1/channels/main/automod/check", json={"text": "gg wp"}).json()
    assert held["is_permitted"] is False and held["action"] == "hold"
    assert held["decision"]["reasons"]
    assert fine["is_permitted"] is True
    assert mod.get("/api/v1/channels/main/queue").json() == []  # nothing was sent


def _recv(ws: Any) -> dict[str, Any]:
    return dict(json.loads(ws.recv(timeout=5)))


def test_event_stream_for_integrations(world: World) -> None:
    token = (
        world["mod"]
        .http.post("/api/v1/tokens", json={"name": "dash", "scopes": ["moderation:read"]})
        .json()["token"]
    )
    with connect(
        f"{world.ws_base}/api/v1/eventsub/ws",
        additional_headers={"Authorization": f"Bearer {token}"},
    ) as ws:
        welcome = _recv(ws)
        assert welcome["metadata"]["message_type"] == "session_welcome"
        ws.send(json.dumps({"type": "subscribe", "channel": "main", "types": ["nope"]}))
        assert _recv(ws)["code"] == "invalid_input"
        ws.send(
            json.dumps(
                {
                    "type": "subscribe",
                    "channel": "main",
                    "types": ["automod.message.hold", "channel.chat.message"],
                }
            )
        )
        assert _recv(ws)["metadata"]["message_type"] == "subscribed"
        world["mallory"].http.post(
            "/api/v1/channels/main/messages",
            json={"text": abusive_text(), "idempotency_key": "e1"},
        )
        note = _recv(ws)
        assert note["metadata"]["message_type"] == "notification"
        assert note["metadata"]["subscription_type"] == "automod.message.hold"
        assert note["payload"]["event"]["user_login"] == "mallory"
    # a viewer may follow chat but not the moderators' events
    with connect(
        f"{world.ws_base}/api/v1/eventsub/ws",
        additional_headers={"Cookie": f"cw_session={world['alice'].session}"},
    ) as ws:
        _recv(ws)
        ws.send(
            json.dumps({"type": "subscribe", "channel": "main", "types": ["automod.message.hold"]})
        )
        assert _recv(ws)["code"] == "forbidden"


def _subscribe_to_holds(ws: Any) -> dict[str, Any]:
    _recv(ws)  # session_welcome
    types = ["automod.message.hold", "channel.chat.message"]
    ws.send(json.dumps({"type": "subscribe", "channel": "main", "types": types}))
    subscribed = _recv(ws)
    assert subscribed["metadata"]["message_type"] == "subscribed"
    return dict(subscribed["payload"]["subscription"])


def _frames_until(ws: Any, last: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The frames other than keepalives, up to and including the first that ``last`` accepts.

    Waits on the frames themselves, not on a time window (up to 30 s per frame, so a loaded
    machine is slow, not wrong). Every frame before ``last`` is returned, so a frame that
    should not have come shows up in the list."""
    out = []
    while True:
        frame = dict(json.loads(ws.recv(timeout=30)))
        if frame["metadata"]["message_type"] == "session_keepalive":
            continue
        out.append(frame)
        if last(frame):
            return out


def _chat_text(frame: dict[str, Any]) -> str | None:
    if frame["metadata"].get("subscription_type") != "channel.chat.message":
        return None
    return str(frame["payload"]["event"]["message"]["text"])


def say(http: Any, text: str) -> None:
    r = http.post("/api/v1/channels/main/messages", json={"text": text, "idempotency_key": text})
    assert r.status_code in (200, 201), r.text


def test_event_stream_follows_role_changes(world: World) -> None:
    """A demoted moderator's subscription to moderator events is revoked at once; a moderator
    promoted to lead moderator keeps theirs (same subscription id)."""
    owner, mallory = world["owner"].http, world["mallory"].http
    headers = {"Cookie": f"cw_session={world['mod'].session}"}
    with connect(f"{world.ws_base}/api/v1/eventsub/ws", additional_headers=headers) as ws:
        subscription = _subscribe_to_holds(ws)
        r = owner.put("/api/v1/channels/main/roles/mod", json={"role": "lead_moderator"})
        assert r.status_code == 200, r.text
        say(mallory, abusive_text())
        [note] = _frames_until(ws, lambda f: f["metadata"]["message_type"] == "notification")
        assert note["metadata"]["subscription_type"] == "automod.message.hold"
        assert note["payload"]["subscription"]["id"] == subscription["id"]

        r = owner.put("/api/v1/channels/main/roles/mod", json={"role": "viewer"})
        assert r.status_code == 200, r.text
        [revocation] = _frames_until(ws, lambda f: True)
        assert revocation["metadata"]["message_type"] == "revocation"
        revoked = revocation["payload"]["subscription"]
        assert revoked["id"] == subscription["id"]
        assert revoked["status"] == "authorization_revoked"
        say(mallory, abusive_text() + " again")
        say(mallory, "hello again")
        # as a viewer it may still follow the chat; the frames up to the confirmation show that
        # neither the hold nor the (revoked) chat above came (one socket's frames keep order)
        ws.send(
            json.dumps({"type": "subscribe", "channel": "main", "types": ["channel.chat.message"]})
        )
        frames = _frames_until(ws, lambda f: f["metadata"]["message_type"] == "subscribed")
        assert [f["metadata"]["message_type"] for f in frames] == ["subscribed"]
        say(mallory, "hello once more")
        [chat] = _frames_until(ws, lambda f: True)
        assert _chat_text(chat) == "hello once more"
