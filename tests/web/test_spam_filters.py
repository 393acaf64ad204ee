"""``GET /api/v1/detection/spam-filters`` (the bounds the Detection panel's inputs use) and the
spam filters and link allow-list changed through the detection settings API: bounds and domain
names refused with the reason, a change in the mod log, lead moderators and the owner only."""

from __future__ import annotations

from tests.web.harness import World

SETTINGS = "/api/v1/channels/main/detection/settings"


def test_the_bounds_are_served_to_signed_in_users(world: World) -> None:
    r = world["alice"].http.get("/api/v1/detection/spam-filters")
    assert r.status_code == 200
    assert r.json()["caps"]["threshold"]["max"] == 1
    with world.client() as anon:
        assert anon.get("/api/v1/detection/spam-filters").status_code == 401


def test_thresholds_and_allow_list_change_with_checks(world: World) -> None:
    lead = world["lead"].http
    patch = {
        "detectors": {
            "spam": {
                "caps": {"enabled": True, "threshold": 0.9},
                "links": {"enabled": True, "allowed_domains": ["Example.org", "twitch.tv"]},
            }
        }
    }
    r = lead.patch(SETTINGS, json=patch)
    assert r.status_code == 200, r.text
    spam = r.json()["detectors"]["spam"]
    assert spam["caps"]["threshold"] == 0.9
    assert spam["links"]["allowed_domains"] == ["example.org", "twitch.tv"]
    for bad, says in (
        ({"caps": {"threshold": 1.5}}, "threshold"),
        ({"links": {"allowed_domains": ["not a domain"]}}, "is not a domain name"),
    ):
        r = lead.patch(SETTINGS, json={"detectors": {"spam": bad}})
        assert r.status_code == 400 and says in r.json()["error"]["message"], r.text
    assert world["mod"].http.patch(SETTINGS, json=patch).status_code == 403
    assert world["mod"].http.get(SETTINGS).json()["detectors"]["spam"] == spam
    log = lead.get("/api/v1/channels/main/modlog").json()
    [entry] = [e for e in log if e["action"] == "detection.settings.update"]
    assert "detectors.spam.caps.threshold" in entry["details"]["changed"]
    # a link off the allow-list is caught now; one on it is not
    alice = world["alice"].http
    r = alice.post(
        "/api/v1/channels/main/messages",
        json={"text": "see https://www.example.org/x", "idempotency_key": "l1"},
    )
    assert r.json()["status"] == "delivered", r.text
    r = alice.post(
        "/api/v1/channels/main/messages",
        json={"text": "see https://elsewhere.net/x", "idempotency_key": "l2"},
    )
    assert r.json()["status"] != "delivered", r.text
