"""Medium 4: a socket ends with its session or token (logout, revocation, expiry).

Attack: a moderator logs out (or revokes a leaked bot token, or the session simply expires),
but the sockets opened with it were authenticated once, at the handshake, and keep receiving
AutoMod holds and can still send. Expected: every chat and EventSub socket opened with that
credential gets ``{"type": "error", "code": "session_ended"}`` and closes with 4401 (the pages
go to the login page instead of reconnecting) within a second; sockets of the user's other
sessions stay open.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from chatwarden.web.ws import CLOSE_UNAUTHORIZED
from tests.web.harness import PASSWORD, Chat, Person, World, abusive_text

WITHIN_S = 1.0


def _chat(world: World, person: Person, headers: dict[str, str]) -> Chat:
    conn = connect(
        f"{world.ws_base}/api/v1/channels/main/chat/ws", additional_headers=headers, open_timeout=5
    )
    chat = Chat(person.sockets.enter_context(conn))
    chat.expect_type("welcome")
    return chat


def _events(world: World, person: Person, headers: dict[str, str]) -> ClientConnection:
    ws = connect(f"{world.ws_base}/api/v1/eventsub/ws", additional_headers=headers)
    person.sockets.enter_context(ws)
    assert json.loads(ws.recv(timeout=5))["metadata"]["message_type"] == "session_welcome"
    types = ["automod.message.hold"]
    ws.send(json.dumps({"type": "subscribe", "channel": "main", "types": types}))
    assert json.loads(ws.recv(timeout=5))["metadata"]["message_type"] == "subscribed"
    return ws


def _closed_within(recv: Callable[[float], Any], seconds: float) -> tuple[int, list[Any]]:
    """Read until the server closes; the close code and what came before. Fails if it stays
    open ``seconds``."""
    seen: list[Any] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            seen.append(recv(left))
        except TimeoutError:
            break
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, "the server closed without a close frame"
            return closed.rcvd.code, seen
    raise AssertionError(f"the socket was still open {seconds} s later; it received {seen}")


def _chat_closed(chat: Chat) -> int:
    code, seen = _closed_within(lambda t: chat.recv(timeout=t), WITHIN_S)
    assert any(f.get("code") == "session_ended" for f in seen), seen
    return code


def _events_closed(ws: ClientConnection) -> int:
    code, _ = _closed_within(lambda t: ws.recv(timeout=t), WITHIN_S)
    return code


def _second_session(world: World, name: str) -> str:
    with world.client() as http:
        r = http.post("/api/v1/sessions", json={"username": name, "password": PASSWORD})
        assert r.status_code == 201, r.text
        return str(http.cookies.get("cw_session"))


def test_logout_ends_the_sessions_sockets_at_once(world: World) -> None:
    mod = world["mod"]
    cookie = {"Cookie": f"cw_session={mod.session}"}
    chat = _chat(world, mod, cookie)
    events = _events(world, mod, cookie)
    other = _chat(world, mod, {"Cookie": f"cw_session={_second_session(world, 'mod')}"})

    assert mod.http.delete("/api/v1/sessions/current").status_code == 204
    assert _chat_closed(chat) == CLOSE_UNAUTHORIZED
    assert _events_closed(events) == CLOSE_UNAUTHORIZED
    # the moderator's other session is not logged out: its socket still hears holds
    world["mallory"].say(world["mallory"].chat("main"), abusive_text())
    other.expect(lambda f: f.get("event_type") == "automod.message.hold")


def test_revoking_a_token_ends_its_sockets_at_once(world: World) -> None:
    mod = world["mod"]
    r = mod.http.post("/api/v1/tokens", json={"name": "bot", "scopes": ["moderation:read"]})
    assert r.status_code == 201, r.text
    bearer = {"Authorization": f"Bearer {r.json()['token']}"}
    chat = _chat(world, mod, bearer)
    events = _events(world, mod, bearer)
    mallory = world["mallory"]
    mallory_chat = mallory.chat("main")
    mallory.say(mallory_chat, abusive_text())
    chat.expect(lambda f: f.get("event_type") == "automod.message.hold")  # it works until...

    assert mod.http.delete(f"/api/v1/tokens/{r.json()['info']['id']}").status_code == 204
    assert _chat_closed(chat) == CLOSE_UNAUTHORIZED
    assert _events_closed(events) == CLOSE_UNAUTHORIZED


@pytest.mark.parametrize("kind", ["session", "token"])
def test_expiry_ends_the_sockets(world: World, kind: str) -> None:
    alice = world["alice"]
    if kind == "session":
        headers = {"Cookie": f"cw_session={alice.session}"}
        lifetime_s = world.services.config.session_ttl_seconds
    else:
        r = alice.http.post(
            "/api/v1/tokens", json={"name": "bot", "scopes": ["chat:write"], "expires_in_s": 600}
        )
        assert r.status_code == 201, r.text
        headers = {"Authorization": f"Bearer {r.json()['token']}"}
        lifetime_s = 600
    chat = _chat(world, alice, headers)
    events = _events_or_none(world, alice, headers)
    world.clock.advance(lifetime_s - 5)
    chat.quiet(lambda f: f.get("code") == "session_ended", wait=0.6)  # not yet
    world.clock.advance(10)
    assert _chat_closed(chat) == CLOSE_UNAUTHORIZED
    if events is not None:
        assert _events_closed(events) == CLOSE_UNAUTHORIZED


def _events_or_none(world: World, person: Person, headers: dict[str, str]) -> Any:
    """Alice may not subscribe to holds; an EventSub socket with only a welcome will do."""
    ws = connect(f"{world.ws_base}/api/v1/eventsub/ws", additional_headers=headers)
    person.sockets.enter_context(ws)
    assert json.loads(ws.recv(timeout=5))["metadata"]["message_type"] == "session_welcome"
    return ws


def test_an_ended_session_cannot_send(world: World) -> None:
    alice = world["alice"]
    chat = alice.chat("main")
    assert alice.http.delete("/api/v1/sessions/current").status_code == 204
    _chat_closed(chat)
    with pytest.raises(ConnectionClosed):
        alice.say(chat, "still here?")
