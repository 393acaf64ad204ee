"""The EventSub WebSocket speaks Twitch's frames: welcome, notification metadata, and the
``payload: {subscription, event}`` of the documented payloads (``tests/fixtures/twitch/``)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from chatwarden.web import WebSettings, create_app
from chatwarden.web.runtime import uvicorn_options
from tests.service.test_events import fixture, mismatches, type_names
from tests.web.harness import LiveServer, World, abusive_text

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


def test_a_gateway_that_stops_sends_session_reconnect_then_closes(world: World) -> None:
    """Served as ``chatwarden serve`` serves it (the guarded protocols), a socket open when the
    server stops gracefully gets what was queued, then ``session_reconnect`` in Twitch's shape
    with the URL it connected to and its subscriptions as ``subscribe`` frames (no ``since`` in
    one process: no history), then a 1012 close; a chat socket on the same server is closed
    with 1012 as uvicorn does."""
    app = create_app(world.services, WebSettings(tick_interval_s=0.2))
    options = {**uvicorn_options(world.services.config), "loop": "asyncio"}
    server = LiveServer(app, **options).__enter__()
    url = f"ws://127.0.0.1:{server.port}/api/v1/eventsub/ws"
    cookie = {"Cookie": f"cw_session={world['mod'].session}"}
    try:
        with (
            connect(url, additional_headers=cookie) as ws,
            connect(
                f"ws://127.0.0.1:{server.port}/api/v1/channels/main/chat/ws",
                additional_headers=cookie,
            ) as chat,
        ):
            welcome = _recv(ws)
            types = ["automod.message.hold", "channel.chat.message"]
            ws.send(json.dumps({"type": "subscribe", "channel": "main", "types": types}))
            assert _recv(ws)["metadata"]["message_type"] == "subscribed"
            r = world["mallory"].http.post(
                "/api/v1/channels/main/messages",
                json={"text": abusive_text(), "idempotency_key": "before-the-stop"},
            )
            assert r.json()["status"] == "held", r.text
            assert _recv(ws)["metadata"]["message_type"] == "notification"
            stopper = threading.Thread(target=server.__exit__, args=(None, None, None))
            stopper.start()
            reconnect = _recv(ws)
            with pytest.raises(ConnectionClosed) as closed:
                _recv(ws)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
            with pytest.raises(ConnectionClosed) as chat_closed:
                while True:
                    chat.recv(timeout=5)
            assert chat_closed.value.rcvd is not None and chat_closed.value.rcvd.code == 1012
            stopper.join(timeout=15)
            assert not stopper.is_alive()
    finally:
        server.__exit__(None, None, None)
    twitch = fixture("eventsub_ws/session_reconnect")
    assert mismatches(twitch, reconnect, set(), "session_reconnect") == []
    session = reconnect["payload"]["session"]
    assert session["id"] == welcome["payload"]["session"]["id"]
    assert session["status"] == "reconnecting" and session["reconnect_url"] == url
    assert session["connected_at"] == welcome["payload"]["session"]["connected_at"]
    assert reconnect["payload"]["resume"] == [
        {"type": "subscribe", "channel": "main", "types": sorted(types)}
    ]
