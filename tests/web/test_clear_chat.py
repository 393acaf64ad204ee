"""``POST /api/v1/channels/{name}/chat/clear`` (Mod View's "Clear chat" button): a moderator
removes every message still in chat; a viewer, or a moderator of another channel, cannot."""

from __future__ import annotations

from tests.web.harness import World

CLEAR = "/api/v1/channels/main/chat/clear"


def _say(world: World, who: str, text: str, key: str) -> None:
    r = world[who].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.json()["status"] == "delivered", r.text


def test_a_moderator_clears_the_chat_and_it_is_logged(world: World) -> None:
    _say(world, "alice", "first line", "k1")
    _say(world, "vip", "second line", "k2")
    r = world["mod"].http.post(CLEAR)
    assert r.status_code == 200, r.text
    assert r.json() == {"messages": 2}
    recent = world["alice"].http.get("/api/v1/channels/main/messages").json()
    assert recent == [] or all(m.get("status") != "delivered" for m in recent), recent
    entry = world["mod"].http.get("/api/v1/channels/main/modlog").json()[0]
    assert entry["action"] == "clear" and entry["details"] == {"messages": 2}
    # nothing left: a second clear removes nothing
    assert world["mod"].http.post(CLEAR).json() == {"messages": 0}


def test_viewers_and_outsiders_cannot_clear(world: World) -> None:
    _say(world, "alice", "still here", "k3")
    assert world["alice"].http.post(CLEAR).status_code == 403
    assert world["other"].http.post(CLEAR).status_code == 403
    with world.client() as anon:
        assert anon.post(CLEAR).status_code in (401, 403)
    r = world["mod"].http.get("/api/v1/channels/main/messages").json()
    assert any(m["text"] == "still here" for m in r), r
