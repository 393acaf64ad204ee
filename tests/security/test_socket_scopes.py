"""Medium 2: the chat WebSocket applies API-token scopes, as the HTTP API and EventSub do.

Attack: a moderator's bot token that holds only ``webhooks:manage`` (or only ``chat:write``)
opens the chat socket of the channel and reads every moderator frame: AutoMod holds
(``automod.message.hold``, with the held text and the reasons) and the full
``channel.moderate`` events (with the moderators' private reasons). Expected: the token gets
what a viewer gets; moderator frames need ``moderation:read``, exactly as ``GET .../queue``
and the EventSub socket require.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.sync.client import connect

from tests.web.harness import Chat, World, abusive_text

REASON = "private moderator note"


def _token(world: World, scopes: list[str]) -> str:
    r = world["mod"].http.post("/api/v1/tokens", json={"name": "bot", "scopes": scopes})
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


def _bearer_chat(world: World, token: str) -> Chat:
    conn = connect(
        f"{world.ws_base}/api/v1/channels/main/chat/ws",
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=5,
    )
    return Chat(world["mod"].sockets.enter_context(conn))


def _is_mod_frame(frame: dict[str, Any]) -> bool:
    """A frame only moderators may see: a hold, or a moderation event carrying its reason."""
    if frame.get("type") == "queue" or frame.get("event_type") == "automod.message.hold":
        return True
    return frame.get("type") == "moderation" and REASON in json.dumps(frame)


def _hold_and_timeout(world: World) -> None:
    mallory = world["mallory"]
    r = mallory.http.post(
        "/api/v1/channels/main/messages", json={"text": abusive_text(), "idempotency_key": "k1"}
    )
    assert r.status_code in (200, 201) and r.json()["status"] == "held", r.text
    r = world["lead"].http.put(
        "/api/v1/channels/main/timeouts/alice",
        json={"duration_s": 60, "reason": REASON},
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("scopes", [["webhooks:manage"], ["chat:write"]])
def test_token_without_moderation_read_gets_viewer_frames_only(
    world: World, scopes: list[str]
) -> None:
    bot = _bearer_chat(world, _token(world, scopes))
    welcome = bot.expect_type("welcome")
    assert welcome["moderator"] is False, welcome
    session = world["mod"].chat("main")  # the same moderator's own session: the control
    _hold_and_timeout(world)
    session.expect(lambda f: f.get("event_type") == "automod.message.hold")
    session.expect(lambda f: f.get("type") == "moderation" and REASON in str(f))
    # the bot sees the public timeout (as every viewer does), never the hold or the reason
    bot.expect(lambda f: f.get("type") == "moderation")
    bot.quiet(_is_mod_frame, wait=1.0)
    # the same token is refused the queue over HTTP and on the EventSub socket
    token_http = world.client()
    token_http.headers["Authorization"] = f"Bearer {_token(world, scopes)}"
    with token_http:
        assert token_http.get("/api/v1/channels/main/queue").status_code == 403


def test_token_with_moderation_read_gets_moderator_frames(world: World) -> None:
    bot = _bearer_chat(world, _token(world, ["moderation:read"]))
    assert bot.expect_type("welcome")["moderator"] is True
    _hold_and_timeout(world)
    bot.expect(lambda f: f.get("event_type") == "automod.message.hold")
    bot.expect(lambda f: f.get("type") == "moderation" and REASON in str(f))
