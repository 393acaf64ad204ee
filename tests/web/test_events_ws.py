"""The EventSub WebSocket speaks Twitch's frames: welcome, notification metadata, and the
``payload: {subscription, event}`` of the documented payloads (``tests/fixtures/twitch/``)."""

from __future__ import annotations

import json
from typing import Any

from websockets.sync.client import connect

from tests.service.test_events import fixture, mismatches, type_names
from tests.web.harness import World, abusive_text

WELCOME = {
    "metadata": {
        "message_id": "96a3f3b5-5dec-4eed-908e-e11ee657416c",
        "message_type": "session_welcome",
        "message_timestamp": "2023-07-19T14:56:51.634234626Z",
    },
    "payload": {
        "session": {
            "id": "AQoQILE98gtqShGmLD7AM6yJThAB",
            "status": "connected",
            "connected_at": "2023-07-19T14:56:51.616329898Z",
            "keepalive_timeout_seconds": 10,
            "reconnect_url": None,
            "recovery_url": None,
        }
    },
}
NOTIFICATION_METADATA = {
    "message_id": "befa7b53-d79d-478f-86b9-120f112b044e",
    "message_type": "notification",
    "message_timestamp": "2022-11-16T10:11:12.464757833Z",
    "subscription_type": "automod.message.hold",
    "subscription_version": "2",
}


def _recv(ws: Any) -> dict[str, Any]:
    while True:
        frame = dict(json.loads(ws.recv(timeout=5)))
        if frame.get("metadata", {}).get("message_type") != "session_keepalive":
            return frame


def test_welcome_and_a_hold_notification_parse_as_twitch(world: World) -> None:
    token = (
        world["mod"]
        .http.post("/api/v1/tokens", json={"name": "bot", "scopes": ["moderation:read"]})
        .json()["token"]
    )
    with connect(
        f"{world.ws_base}/api/v1/eventsub/ws",
        additional_headers={"Authorization": f"Bearer {token}"},
    ) as ws:
        welcome = _recv(ws)
        assert mismatches(WELCOME, welcome, set(), "welcome") == []
        types = ["automod.message.hold"]
        ws.send(json.dumps({"type": "subscribe", "channel": "main", "types": types}))
        assert _recv(ws)["metadata"]["message_type"] == "subscribed"
        world["mallory"].http.post(
            "/api/v1/channels/main/messages",
            json={"text": abusive_text(), "idempotency_key": "twitch-1"},
        )
        note = _recv(ws)
    assert mismatches(NOTIFICATION_METADATA, note["metadata"], set(), "metadata") == []
    name = "automod.message.hold.v2.automod"
    doc = fixture(name)
    doc["subscription"]["transport"] = {"method": "websocket", "session_id": "AgoQ"}
    assert mismatches(doc, note["payload"], type_names(name), "payload") == []
    assert note["payload"]["subscription"]["transport"]["method"] == "websocket"
    assert (
        note["payload"]["subscription"]["transport"]["session_id"]
        == welcome["payload"]["session"]["id"]
    )
    assert note["payload"]["event"]["reason"] == "automod"
