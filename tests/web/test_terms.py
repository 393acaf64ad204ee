"""Terms over HTTP: a term's expiry (``expires_in_s``, listed as ``expires_at``, gone from the
list and from chat once the clock passes it), several terms at once (``/terms/bulk``: each bad
line reported, the rest added) and who may do either."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.web.harness import World

TERMS = "/api/v1/channels/main/automod/terms"


def _say(world: World, text: str, key: str) -> str:
    r = world["alice"].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.status_code == 200, r.text
    status: str = r.json()["status"]
    return status


def test_an_expiring_term_is_listed_with_its_expiry_and_stops_at_it(world: World) -> None:
    mod = world["mod"].http
    r = mod.post(TERMS, json={"text": "hourword", "expires_in_s": 3600})
    assert r.status_code == 201, r.text
    expires = datetime.fromisoformat(r.json()["expires_at"])
    assert expires == world.clock.now() + timedelta(hours=1)
    assert mod.post(TERMS, json={"text": "keptword"}).json()["expires_at"] is None
    listed = {t["text"]: t["expires_at"] for t in mod.get(TERMS).json()}
    assert listed == {"hourword": r.json()["expires_at"], "keptword": None}
    assert _say(world, "say hourword", "a1") == "blocked"
    world.clock.advance(3600)
    assert _say(world, "say hourword", "a2") == "delivered"
    assert [t["text"] for t in mod.get(TERMS).json()] == ["keptword"]
    log = mod.get("/api/v1/channels/main/modlog").json()
    added = {
        e["details"]["text"]: e["details"]["expires_at"]
        for e in log
        if e["action"] == "automod.terms.add"
    }
    assert added == {"hourword": r.json()["expires_at"], "keptword": None}


def test_a_bad_expiry_is_refused(world: World) -> None:
    for bad in (0, 30, 30 * 86400 + 1, "soon", 1.5):
        r = world["mod"].http.post(TERMS, json={"text": "someword", "expires_in_s": bad})
        assert r.status_code in (400, 422), (bad, r.text)
    assert world["mod"].http.get(TERMS).json() == []


def test_bulk_add_reports_each_bad_line(world: World) -> None:
    mod = world["mod"].http
    assert mod.post(TERMS, json={"text": "present"}).status_code == 201
    r = mod.post(
        f"{TERMS}/bulk",
        json={"texts": ["alpha", "present", "<b>", "beta", "alpha"], "expires_in_s": 86400},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [t["text"] for t in body["added"]] == ["alpha", "<b>", "beta"]
    assert all(t["expires_at"] is not None for t in body["added"])
    assert [(e["line"], e["text"]) for e in body["errors"]] == [(2, "present"), (5, "alpha")]
    assert sorted(t["text"] for t in mod.get(TERMS).json()) == ["<b>", "alpha", "beta", "present"]
    # regex lines: the invalid pattern is reported, the valid one added
    r = mod.post(f"{TERMS}/bulk", json={"texts": ["ok+ay", "(bad"], "is_regex": True})
    assert [t["text"] for t in r.json()["added"]] == ["ok+ay"]
    assert r.json()["errors"][0]["line"] == 2


def test_bulk_add_needs_the_permission(world: World) -> None:
    for who in ("vip", "alice", "other"):
        r = world[who].http.post(f"{TERMS}/bulk", json={"texts": ["nope"]})
        assert r.status_code == 403, (who, r.text)
    r = world["mod"].http.post(f"{TERMS}/bulk", json={"texts": ["secret"], "private": True})
    assert r.status_code == 403
    assert world["mod"].http.post(f"{TERMS}/bulk", json={"texts": []}).status_code == 422
    r = world["owner"].http.post(f"{TERMS}/bulk", json={"texts": ["secret"], "private": True})
    assert r.status_code == 200 and r.json()["added"][0]["private"] is True
    assert world["owner"].http.get(TERMS).json()[0]["text"] == "secret"
    assert world["mod"].http.get(TERMS).json() == []
