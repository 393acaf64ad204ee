"""GET /channels/{name}/calibration and POST .../calibration/settle over HTTP: the report for
moderators, settling for lead moderators, inputs validated (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.web.harness import World, abusive_text

URL = "/api/v1/channels/main/calibration"


def _held_and_decided(world: World, who: str, text: str, key: str, action: str) -> int:
    r = world["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.json()["status"] == "held", r.text
    pending = world["mod"].http.get("/api/v1/channels/main/queue").json()
    item = int(next(i["id"] for i in pending if i["message"]["id"] == r.json()["message_id"]))
    assert world[who].http.post(f"/api/v1/queue/{item}", json={"action": action}).is_success
    return item


def test_the_report_and_settling_over_http(world: World) -> None:
    allowed = _held_and_decided(world, "mod", abusive_text(), "c1", "allow")
    denied = _held_and_decided(world, "lead", abusive_text() + " !", "c2", "deny")
    report = world["mod"].http.get(URL).json()
    [split] = report["disagreements"]
    assert split["kind"] == "split" and split["first"]["item_id"] == denied
    assert split["second"]["item_id"] == allowed and split["action"] is None
    assert split["first"]["moderator_name"] == "lead" and split["first"]["verdict"] == "denied"
    assert {w["moderator_name"]: w["decisions"] for w in report["workload"]} == {
        "mod": 1,
        "lead": 1,
    }
    assert world["mod"].http.get(URL, params={"days": 1}).json() == report
    # settling is the lead's
    body = {"item_id": denied, "action": "allow"}
    assert world["mod"].http.post(URL + "/settle", json=body).status_code == 403
    r = world["lead"].http.post(URL + "/settle", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "permitted"
    assert world["lead"].http.post(URL + "/settle", json=body).status_code == 409


def test_who_may_read_and_what_is_refused(world: World) -> None:
    assert world["alice"].http.get(URL).status_code == 403
    assert world["other"].http.get(URL).status_code == 403
    with world.client() as anon:
        assert anon.get(URL).status_code == 401
    assert world["mod"].http.get(URL, params={"days": 0}).status_code == 422
    assert world["mod"].http.get(URL, params={"days": 91}).status_code == 422
    bad = [{"item_id": 0, "action": "allow"}, {"item_id": 1, "action": "maybe"}, {"item_id": 1}]
    for body in bad:
        assert world["lead"].http.post(URL + "/settle", json=body).status_code == 422, body
    missing = world["lead"].http.post(URL + "/settle", json={"item_id": 999, "action": "deny"})
    assert missing.status_code == 404
