"""Proactive detection over real HTTP and WebSockets: Shield Mode one click (and exact
restore), suspicious users (restricted chat reaches moderators only), bulk ban preview,
settings errors, policy list export/import, fingerprints at ingest, OpenAPI."""

from __future__ import annotations

from tests.web.harness import World


def test_shield_one_click_over_http_restores_exactly(world: World) -> None:
    mod = world["mod"].http
    assert mod.patch("/api/v1/channels/main/chat-settings", json={"slow_mode_s": 3}).is_success
    before = mod.get("/api/v1/channels/main/chat-settings").json()
    r = mod.put("/api/v1/channels/main/shield", json={"active": True, "reason": "raid"})
    assert r.status_code == 200 and r.json()["active"] is True
    during = mod.get("/api/v1/channels/main/chat-settings").json()
    assert during["followers_only_min_age_s"] == 600 and during["slow_mode_s"] == 10
    assert r.json()["saved"]["chat_settings"] == before
    r = world["alice"].http.post(
        "/api/v1/channels/main/messages", json={"text": "hi", "idempotency_key": "a1"}
    )
    assert r.json()["status"] == "rejected"
    r = mod.put("/api/v1/channels/main/shield", json={"active": False})
    assert r.json()["active"] is False
    assert mod.get("/api/v1/channels/main/chat-settings").json() == before
    log = mod.get("/api/v1/channels/main/modlog").json()
    assert [e["action"] for e in log][:2] == ["shield.off", "shield.on"]
    # bad input: a clear 422/400, nothing changes
    r = mod.put("/api/v1/channels/main/shield", json={"active": "maybe"})
    assert r.status_code == 422
    r = world["lead"].http.patch("/api/v1/channels/main/shield/preset", json={"slow_mode_s": -1})
    assert r.status_code == 400 and "slow_mode_s" in r.json()["error"]["message"]


def test_restricted_user_is_seen_by_moderators_only(world: World) -> None:
    r = world["mod"].http.put(
        "/api/v1/channels/main/suspicious-users/mallory",
        json={"status": "restricted", "reason": "alt of a banned user"},
    )
    assert r.status_code == 200 and r.json()["low_trust_status"] == "restricted"
    mod_chat = world["mod"].chat("main")
    alice_chat = world["alice"].chat("main")
    mallory_chat = world["mallory"].chat("main")
    answer = world["mallory"].say(mallory_chat, "<b>nobody sees this</b>")
    assert answer["type"] == "sent"
    mallory_chat.expect_type("message", text="<b>nobody sees this</b>")  # their own echo
    flagged = mod_chat.expect(lambda f: f.get("event_type") == "channel.suspicious_user.message")
    assert flagged["event"]["message"]["text"] == "<b>nobody sees this</b>"
    assert flagged["event"]["reasons"] == ["added by mod: alt of a banned user"]
    alice_chat.quiet(lambda f: f.get("type") == "message")
    listed = world["lead"].http.get("/api/v1/channels/main/suspicious-users").json()
    assert [u["username"] for u in listed] == ["mallory"]
    assert world["alice"].http.get("/api/v1/channels/main/suspicious-users").status_code == 403
    r = world["mod"].http.delete(
        "/api/v1/channels/main/suspicious-users/mallory", params={"reason": "ok"}
    )
    assert r.status_code == 204
    world["mallory"].say(mallory_chat, "visible now")
    alice_chat.expect_type("message", text="visible now")


def test_bulk_ban_preview_then_ban(world: World) -> None:
    for name in ("alice", "mallory"):
        r = world[name].http.post(
            "/api/v1/channels/main/messages",
            json={"text": "join the raid at example dot com", "idempotency_key": "x" + name},
        )
        assert r.json()["status"] == "delivered"
    body = {"phrase": "join the raid", "max_users": 1}
    r = world["mod"].http.post("/api/v1/channels/main/shield/bulk-ban", json=body)
    preview = r.json()
    assert preview["dry_run"] and preview["matched"] == 2 and preview["capped"]
    assert len(preview["candidates"]) == 1 and preview["banned"] == []
    r = world["mod"].http.post(
        "/api/v1/channels/main/shield/bulk-ban", json={**body, "max_users": 5, "dry_run": False}
    )
    assert sorted(r.json()["banned"]) == sorted(
        world.services.accounts.get_user_by_name(n).id for n in ("alice", "mallory")
    )


def test_settings_trust_strikes_and_sharing_over_http(world: World) -> None:
    lead, owner = world["lead"].http, world["owner"].http
    r = lead.patch("/api/v1/channels/main/detection/settings", json={"enabled": True})
    assert r.status_code == 200 and r.json()["enabled"] is True
    r = lead.patch("/api/v1/channels/main/detection/settings", json={"enabled": "yes please"})
    assert r.status_code == 400 and "enabled" in r.json()["error"]["message"]
    r = lead.patch(
        "/api/v1/channels/main/detection/trust", json={"email": {"applies_to": "everyone"}}
    )
    assert r.json()["email"]["applies_to"] == "everyone"
    r = world["alice"].http.post(
        "/api/v1/channels/main/messages", json={"text": "hello", "idempotency_key": "t1"}
    )
    assert r.json()["reason"] == "verification_required"
    r = lead.patch("/api/v1/channels/main/detection/strikes", json={"enabled": True})
    assert r.json()["enabled"] is True
    strikes = world["mod"].http.get("/api/v1/channels/main/users/mallory/strikes").json()
    assert strikes["next_step"]["kind"] == "warn" and strikes["active"] == []
    assert owner.put("/api/v1/channels/main/sharing/other").json()["active"] is False
    assert world["other"].http.put("/api/v1/channels/other/sharing/main").json()["active"]
    assert lead.get("/api/v1/channels/main/sharing").json()[0]["active"] is True


def test_policy_lists_export_import_and_fingerprints_at_ingest(world: World) -> None:
    owner = world["owner"].http
    r = owner.post(
        "/api/v1/channels/main/policy-lists",
        json={"name": "raid-terms", "data": '[{"text": "blorptastic"}]'},
    )
    assert r.status_code == 201, r.text
    list_id = r.json()["id"]
    exported = world["alice"].http.get(f"/api/v1/policy-lists/{list_id}/export")
    assert exported.status_code == 200 and "blorptastic" in exported.text
    r = owner.put(
        f"/api/v1/policy-lists/{list_id}/terms",
        content=exported.text.replace("blorptastic", "zonkified"),
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code == 200 and r.json()["terms"] == 1
    assert owner.put(f"/api/v1/channels/main/policy-subscriptions/{list_id}").status_code == 200
    r = world["alice"].http.post(
        "/api/v1/channels/main/messages",
        json={
            "text": "zonkified",
            "idempotency_key": "p1",
            "device_fingerprint": "my-device-1",
            "network_fingerprint": "10.0.0.7",
        },
    )
    assert r.json()["status"] == "blocked"
    from chatwarden.store import detection as store

    alice = world.services.accounts.get_user_by_name("alice")
    with world.services.db.read() as conn:
        stored = store.fingerprints_of_txn(conn, [alice.id])[alice.id]
    assert len(stored) == 2 and not any("my-device-1" in s or "10.0.0.7" in s for s in stored)
    r = world["alice"].http.post(
        "/api/v1/channels/main/messages",
        json={"text": "x", "idempotency_key": "p2", "device_fingerprint": "d" * 600},
    )
    assert r.status_code == 422


def test_openapi_documents_the_detection_api(world: World) -> None:
    with world.client() as anon:
        paths = anon.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/channels/{name}/shield",
        "/api/v1/channels/{name}/shield/bulk-ban",
        "/api/v1/channels/{name}/suspicious-users/{username}",
        "/api/v1/channels/{name}/detection/settings",
        "/api/v1/channels/{name}/detection/trust",
        "/api/v1/channels/{name}/detection/strikes",
        "/api/v1/channels/{name}/sharing/{partner}",
        "/api/v1/policy-lists/{list_id}/export",
    ):
        assert path in paths, path
