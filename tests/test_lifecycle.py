"""End to end over real HTTP and WebSockets: a held message's whole life, and the moderator
actions around it (allow, deny, timeout, ban and an unban request)."""

from __future__ import annotations

from typing import Any

from tests.web.harness import World, abusive_text, world

__all__ = ["world"]


def _held(world: World) -> tuple[Any, Any, Any, dict[str, Any], dict[str, Any]]:
    """mallory sends abuse; returns (mallory, alice, mod chats, mallory's answer, queue item)."""
    mallory = world["mallory"].chat("main")
    alice = world["alice"].chat("main")
    mod = world["mod"].chat("main")
    text = abusive_text()
    answer = world["mallory"].say(mallory, text)
    assert answer["type"] == "held", answer
    assert answer["reason"] == "held_for_review" and answer["message"]
    notice = mallory.expect_type("notice", kind="message_held")
    assert notice["message_id"] == answer["message_id"]
    # the moderator hears about it live, with the explanation ...
    live = mod.expect_type("queue", event_type="automod.message.hold")
    assert live["event"]["message"]["text"] == text
    assert live["event"]["decision"]["reasons"]
    # ... and finds it in the queue over HTTP with AutoMod's reasons
    r = world["mod"].http.get("/api/v1/channels/main/queue")
    assert r.status_code == 200, r.text
    (item,) = r.json()
    assert item["message"]["id"] == answer["message_id"] and item["message"]["text"] == text
    assert item["reasons"] and item["reasons"][0]["kind"] == "category"
    # nobody sees the message yet
    alice.quiet(lambda f: f.get("type") == "message")
    return mallory, alice, mod, answer, item


def test_held_then_allowed_reaches_everyone(world: World) -> None:
    mallory, alice, mod, answer, item = _held(world)
    r = world["mod"].http.post(f"/api/v1/queue/{item['id']}", json={"action": "allow"})
    assert r.status_code == 200 and r.json()["status"] == "allowed", r.text
    for chat in (alice, mod, mallory):
        msg = chat.expect_type("message", message_id=answer["message_id"])
        assert msg["sender"] == "mallory" and msg["text"] == abusive_text()
    assert (
        mallory.expect_type("notice", kind="message_allowed")["message_id"] == answer["message_id"]
    )
    # a second moderator acting on the same item loses cleanly
    again = world["lead"].http.post(f"/api/v1/queue/{item['id']}", json={"action": "deny"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert world["mod"].http.get("/api/v1/channels/main/queue").json() == []
    log = world["mod"].http.get("/api/v1/channels/main/modlog").json()
    assert [e["action"] for e in log][:2] == ["automod.approve", "automod.hold"]


def test_held_then_denied_reaches_nobody(world: World) -> None:
    mallory, alice, mod, answer, item = _held(world)
    r = world["mod"].http.post(f"/api/v1/queue/{item['id']}", json={"action": "deny"})
    assert r.status_code == 200 and r.json()["status"] == "denied", r.text
    assert (
        mallory.expect_type("notice", kind="message_denied")["message_id"] == answer["message_id"]
    )
    mod.expect(lambda f: f.get("type") == "queue" and f["event"].get("status") == "denied")
    alice.quiet(lambda f: f.get("type") == "message")
    recent = world["alice"].http.get("/api/v1/channels/main/messages").json()
    assert all(m["id"] != answer["message_id"] for m in recent)


def test_timeout_silences_until_it_ends(world: World) -> None:
    mallory = world["mallory"].chat("main")
    alice = world["alice"].chat("main")
    r = world["mod"].http.put(
        "/api/v1/channels/main/timeouts/mallory", json={"duration_s": 60, "reason": "spam"}
    )
    assert r.status_code == 200, r.text
    assert alice.expect_type("moderation")["event"]["action"] == "timeout"
    mallory.expect_type("notice", kind="timed_out")
    answer = world["mallory"].say(mallory, "let me talk")
    assert answer["type"] == "rejected" and answer["reason"] == "timed_out"
    assert answer["retry_after_s"] > 0
    world.clock.advance(61)
    assert world["mallory"].say(mallory, "sorry all")["type"] == "sent"
    alice.expect_type("message", text="sorry all")


def test_ban_unban_request_and_approval(world: World) -> None:
    mallory = world["mallory"].chat("main")
    alice = world["alice"].chat("main")
    r = world["mod"].http.put("/api/v1/channels/main/bans/mallory", json={"reason": "abuse"})
    assert r.status_code == 200, r.text
    assert alice.expect_type("moderation")["event"]["action"] == "ban"
    mallory.expect_type("notice", kind="banned")
    answer = world["mallory"].say(mallory, "hello?")
    assert answer["type"] == "rejected" and answer["reason"] == "banned"

    r = world["mallory"].http.post(
        "/api/v1/channels/main/unban-requests", json={"text": "I am sorry, it won't happen again"}
    )
    assert r.status_code == 201, r.text
    pending = world["mod"].http.get("/api/v1/channels/main/unban-requests").json()
    assert [p["username"] for p in pending] == ["mallory"]
    r = world["mod"].http.post(
        f"/api/v1/unban-requests/{pending[0]['id']}",
        json={"decision": "approve", "note_to_user": "last chance", "private_note": "watch"},
    )
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    mallory.expect_type("notice", kind="unbanned")
    mine = world["mallory"].http.get("/api/v1/channels/main/unban-requests/mine").json()
    assert mine[0]["resolution_note"] == "last chance" and mine[0]["private_note"] is None
    assert world["mallory"].say(mallory, "thanks mods")["type"] == "sent"
    alice.expect_type("message", text="thanks mods")
    actions = [e["action"] for e in world["mod"].http.get("/api/v1/channels/main/modlog").json()]
    assert "ban" in actions and "unban" in actions


def test_unban_request_denied_keeps_ban(world: World) -> None:
    world["mod"].http.put("/api/v1/channels/main/bans/mallory", json={"reason": "abuse"})
    r = world["mallory"].http.post("/api/v1/channels/main/unban-requests", json={"text": "pls"})
    assert r.status_code == 201, r.text
    r = world["owner"].http.post(
        f"/api/v1/unban-requests/{r.json()['id']}",
        json={"decision": "deny", "note_to_user": "no", "private_note": "repeat offender"},
    )
    assert r.status_code == 200 and r.json()["status"] == "denied"
    mallory = world["mallory"].chat("main")
    assert world["mallory"].say(mallory, "hi")["reason"] == "banned"
