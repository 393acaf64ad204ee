"""/channels/{name}/automod/learning over HTTP: read, freeze, reset, roll back; owner and lead
moderators only; inputs validated (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.web.harness import World

URL = "/api/v1/channels/main/automod/learning"


def test_learning_controls_over_http(world: World) -> None:
    lead = world["lead"].http
    state = lead.get(URL).json()
    assert state == {"frozen": False, "active": None, "history": [], "learned_at": None}
    frozen = lead.put(URL + "/frozen", json={"frozen": True})
    assert frozen.status_code == 200 and frozen.json()["frozen"] is True
    reset = lead.post(URL + "/reset").json()
    assert reset["active"]["version"] == 1 and reset["active"]["reason"] == "reset"
    assert reset["active"]["actor_name"] == "lead" and reset["active"]["shifts"] == []
    back = world["owner"].http.post(URL + "/rollback", json={"version": 1}).json()
    assert back["active"]["version"] == 2 and back["active"]["reason"] == "rollback"
    assert lead.post(URL + "/rollback", json={"version": 7}).status_code == 404
    log = lead.get("/api/v1/channels/main/modlog", params={"limit": 5}).json()
    assert [e["action"] for e in log[:3]] == [
        "automod.learning.rollback",
        "automod.learning.reset",
        "automod.learning.freeze",
    ]


def test_who_may_steer_learning_and_what_is_refused(world: World) -> None:
    for who in ("mod", "alice", "other"):
        assert world[who].http.get(URL).status_code == 403, who
        assert world[who].http.post(URL + "/reset").status_code == 403, who
    with world.client() as anon:
        assert anon.get(URL).status_code == 401
    lead = world["lead"].http
    for body in ({}, {"frozen": "yes please"}, {"frozen": True, "extra": 1}):
        assert lead.put(URL + "/frozen", json=body).status_code == 422, body
    for body in ({"version": 0}, {"version": "1x"}, {}):
        assert lead.post(URL + "/rollback", json=body).status_code == 422, body


def test_term_suggestions_are_for_whoever_manages_terms(world: World) -> None:
    url = "/api/v1/channels/main/automod/suggestions"
    assert world["mod"].http.get(url).json() == []
    assert world["alice"].http.get(url).status_code == 403
    with world.client() as anon:
        assert anon.get(url).status_code == 401
