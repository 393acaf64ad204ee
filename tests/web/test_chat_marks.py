"""``GET /api/v1/channels/{name}/chat-marks`` (issue 15: first-time chatters, monitored users and
users back from a timeout marked in Mod View's chat): what each mark means, that unknown names
are left out, and that only moderators may ask."""

from __future__ import annotations

from tests.web.harness import World

MAIN = "/api/v1/channels/main"


def _say(world: World, who: str, text: str, key: str) -> None:
    r = world[who].http.post(f"{MAIN}/messages", json={"text": text, "idempotency_key": key})
    assert r.json()["status"] == "delivered", r.text


def _marks(world: World, *names: str) -> dict[str, dict[str, object]]:
    r = world["mod"].http.get(f"{MAIN}/chat-marks", params=[("user", n) for n in names])
    assert r.status_code == 200, r.text
    users: dict[str, dict[str, object]] = r.json()["users"]
    return users


def _ids(world: World) -> dict[str, str]:
    """text -> public message id of every message in the channel (as a moderator reads it)."""
    rows = world["mod"].http.get(f"{MAIN}/users/alice/card").json()["messages"]
    return {m["text"]: m["id"] for m in rows}


def test_first_time_monitored_and_back_from_timeout(world: World) -> None:
    _say(world, "alice", "hello, first time here", "m1")
    _say(world, "alice", "second line", "m2")
    ids = _ids(world)
    marks = _marks(world, "alice", "vip", "nobody-such")
    assert set(marks) == {"alice", "vip"}  # unknown names left out
    assert marks["alice"] == {
        "first_message_id": ids["hello, first time here"],
        "monitored": None,
        "back_from_timeout": None,
        "first_back_id": None,
    }
    assert marks["vip"]["first_message_id"] is None  # never chatted here: no line to mark

    r = world["mod"].http.put(
        f"{MAIN}/suspicious-users/vip", json={"status": "monitored", "reason": "ban evasion?"}
    )
    assert r.status_code in (200, 201), r.text
    assert _marks(world, "vip")["vip"]["monitored"] == "monitored"

    # a timeout that ran out: its end, and the first line after it once there is one
    assert world["mod"].http.put(f"{MAIN}/timeouts/alice", json={"duration_s": 60}).is_success
    assert _marks(world, "alice")["alice"]["back_from_timeout"] is None  # still timed out
    world.clock.advance(61)
    waiting = _marks(world, "alice")["alice"]
    assert waiting["back_from_timeout"] and waiting["first_back_id"] is None
    _say(world, "alice", "I am back", "m3")
    _say(world, "alice", "and chatting again", "m4")
    back = _marks(world, "alice")["alice"]
    assert back["first_back_id"] == _ids(world)["I am back"]
    assert back["first_message_id"] == ids["hello, first time here"]


def test_a_lifted_timeout_is_not_a_return_and_viewers_cannot_ask(world: World) -> None:
    _say(world, "alice", "hi", "l1")
    assert world["mod"].http.put(f"{MAIN}/timeouts/alice", json={"duration_s": 60}).is_success
    assert world["mod"].http.delete(f"{MAIN}/timeouts/alice").status_code in (200, 204)
    assert _marks(world, "alice")["alice"]["back_from_timeout"] is None
    r = world["alice"].http.get(f"{MAIN}/chat-marks", params={"user": "vip"})
    assert r.status_code == 403
    r = world["other"].http.get(f"{MAIN}/chat-marks", params={"user": "alice"})
    assert r.status_code == 403
    too_many = [("user", f"u{i}") for i in range(51)]
    assert world["mod"].http.get(f"{MAIN}/chat-marks", params=too_many).status_code == 422
