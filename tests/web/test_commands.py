"""Slash commands typed in chat, over the chat WebSocket and HTTP: run, answered to the sender
alone, written to the mod log, never posted as chat; unknown commands and viewers refused."""

from __future__ import annotations

from tests.web.harness import World


def test_a_moderators_timeout_over_the_socket_is_run_not_posted(world: World) -> None:
    mod, alice = world["mod"], world["alice"]
    mod_chat, alice_chat = mod.chat("main"), alice.chat("main")
    answer = mod.say(mod_chat, "/timeout alice 60 stop spamming")
    assert answer["type"] == "command" and answer["command"] == "timeout"
    assert answer["message"] == "alice is timed out for 1 min"
    alice_chat.quiet(lambda f: f.get("type") == "message", wait=0.5)  # nothing posted
    recent = mod.http.get("/api/v1/channels/main/messages").json()
    assert all(not m["text"].startswith("/") for m in recent)
    log = mod.http.get("/api/v1/channels/main/modlog").json()
    entry = next(e for e in log if e["action"] == "timeout")
    assert (entry["actor_name"], entry["target_name"], entry["reason"]) == (
        "mod",
        "alice",
        "stop spamming",
    )
    assert entry["details"]["duration_s"] == 60
    assert alice.say(alice_chat, "can I talk?")["status"] == "rejected"  # timed out for real


def test_unknown_commands_and_viewers_get_errors_and_nothing_is_posted(world: World) -> None:
    mod, alice = world["mod"], world["alice"]
    mod_chat, alice_chat = mod.chat("main"), alice.chat("main")
    unknown = mod.say(mod_chat, "/timout alice 60")
    assert unknown["type"] == "error" and unknown["code"] == "invalid_input"
    assert "unknown command /timout" in unknown["message"]
    refused = alice.say(alice_chat, "/ban mod")
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    mod_chat.quiet(lambda f: f.get("type") == "message", wait=0.5)
    assert mod.http.get("/api/v1/channels/main/messages").json() == []
    log = mod.http.get("/api/v1/channels/main/modlog").json()
    assert not [e for e in log if e["action"] == "ban"]


MESSAGES = "/api/v1/channels/main/messages"


def test_commands_over_http(world: World) -> None:
    mod, alice = world["mod"], world["alice"]
    r = mod.http.post(MESSAGES, json={"text": "/slow 10", "idempotency_key": "c1"})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "status": "command",
        "command": "slow",
        "message": "slow mode: one message per 10 s",
    }
    assert mod.http.get("/api/v1/channels/main/chat-settings").json()["slow_mode_s"] == 10
    r = alice.http.post(MESSAGES, json={"text": "/slowoff", "idempotency_key": "c2"})
    assert r.status_code == 403, r.text
    r = mod.http.post(MESSAGES, json={"text": "/nope", "idempotency_key": "c3"})
    assert r.status_code == 400 and "unknown command /nope" in r.json()["error"]["message"]
    assert mod.http.get("/api/v1/channels/main/messages").json() == []
