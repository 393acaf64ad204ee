"""Policy preview, history and labels export over HTTP (real server, SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from tests.web.harness import World


def test_preview_and_export_over_http(world: World) -> None:
    sent = [("alice", "what a noob play"), ("alice", "gg wp"), ("vip", "noob")]
    for i, (who, text) in enumerate(sent):
        r = world[who].http.post(
            "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": f"k{i}"}
        )
        assert r.status_code in (200, 201), r.text
        world.clock.advance(5)
    mod = world["mod"].http
    r = mod.post(
        "/api/v1/channels/main/automod/preview?days=2",
        json={"add_terms": [{"text": "noob"}], "overall_level": 2},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["window"]["days"] == 2 and body["window"]["messages_replayed"] == 3
    assert body["comparison"]["differ"] == 1  # the VIP is exempt
    assert body["comparison"]["samples"][0]["user"] == "alice"
    assert body["comparison"]["samples"][0]["b"]["action"] == "block"
    # bad input: a clear 400 naming the problem, and limits on the window
    r = mod.post("/api/v1/channels/main/automod/preview", json={"slow_mode_s": 1})
    assert r.status_code == 400 and "unknown settings" in r.json()["error"]["message"]
    r = mod.post("/api/v1/channels/main/automod/preview?days=31", json={"overall_level": 1})
    assert r.status_code in (400, 422)
    # the export is the replay format
    r = mod.get("/api/v1/channels/main/history/export?days=1")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert r.headers["x-chatwarden-messages"] == "3" and r.headers["x-chatwarden-capped"] == "0"
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert [x["text"] for x in lines] == ["what a noob play", "gg wp", "noob"]
    assert lines[2]["role"] == "vip" and lines[0]["decision"]["status"] == "delivered"


def test_labels_export_over_http_for_the_owner_and_leads(world: World) -> None:
    r = world["alice"].http.post(
        "/api/v1/channels/main/messages", json={"text": "buy my stuff", "idempotency_key": "k1"}
    )
    assert r.status_code in (200, 201), r.text
    message_id = r.json()["message_id"]
    r = world["mod"].http.delete(f"/api/v1/channels/main/messages/{message_id}")
    assert r.status_code in (200, 204), r.text
    for who in ("owner", "lead"):
        r = world[who].http.get("/api/v1/channels/main/labels/export?include_reversed=true")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
        assert r.headers["x-chatwarden-labels"] == "1"
        [line] = [json.loads(x) for x in r.text.splitlines()]
        assert (line["text"], line["label"], line["source"]) == ("buy my stuff", 1, "action.delete")
        assert (line["settings_version"] is None) == (who == "lead")
    for who in ("mod", "alice", "other"):
        r = world[who].http.get("/api/v1/channels/main/labels/export")
        assert r.status_code == 403, (who, r.text)
