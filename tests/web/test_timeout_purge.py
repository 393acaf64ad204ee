"""A timeout or a ban takes the chatter's recent messages out of chat (issue 15: the "1 s purge"
timeout preset, as on Twitch): their lines leave every screen, others' lines stay, and the mod
log says how many went."""

from __future__ import annotations

from tests.web.harness import World

MAIN = "/api/v1/channels/main"


def _say(world: World, who: str, text: str, key: str) -> None:
    r = world[who].http.post(f"{MAIN}/messages", json={"text": text, "idempotency_key": key})
    assert r.json()["status"] == "delivered", r.text


def _shown(world: World) -> list[tuple[str, str]]:
    rows = world["mod"].http.get(f"{MAIN}/messages").json()
    return [
        (m["sender_name"], m["text"]) for m in rows if m.get("status", "delivered") == "delivered"
    ]


def test_a_one_second_timeout_purges_only_that_chatters_lines(world: World) -> None:
    _say(world, "alice", "buy cheap followers", "p1")
    _say(world, "vip", "hello all", "p2")
    _say(world, "alice", "really cheap", "p3")
    r = world["mod"].http.put(f"{MAIN}/timeouts/alice", json={"duration_s": 1, "reason": "spam"})
    assert r.status_code == 200, r.text
    assert _shown(world) == [("vip", "hello all")]
    entry = world["mod"].http.get(f"{MAIN}/modlog").json()[0]
    assert entry["action"] == "timeout" and entry["details"]["purged"] == 2
    assert entry["details"]["duration_s"] == 1


def test_a_ban_purges_too_and_nothing_twice(world: World) -> None:
    _say(world, "alice", "one", "b1")
    _say(world, "alice", "two", "b2")
    r = world["mod"].http.put(f"{MAIN}/timeouts/alice", json={"duration_s": 60})
    assert r.status_code == 200, r.text
    assert _shown(world) == []
    assert world["mod"].http.delete(f"{MAIN}/timeouts/alice").status_code in (200, 204)
    _say(world, "alice", "three", "b3")
    assert world["mod"].http.put(f"{MAIN}/bans/alice", json={"reason": "again"}).is_success
    assert _shown(world) == []
    log = world["mod"].http.get(f"{MAIN}/modlog").json()
    ban = next(e for e in log if e["action"] == "ban")
    assert ban["details"] == {"purged": 1}  # the two timed-out lines were gone already


def test_a_viewer_cannot_purge(world: World) -> None:
    _say(world, "vip", "still here", "v1")
    r = world["alice"].http.put(f"{MAIN}/timeouts/vip", json={"duration_s": 1})
    assert r.status_code == 403
    assert _shown(world) == [("vip", "still here")]
