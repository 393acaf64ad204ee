"""GET /channels/{name}/bans and GET /channels/{name}/users over HTTP (SQLite and PostgreSQL):
the list and the matches, unbanning from the list, and who is refused (viewers 403, another
channel's moderator 403, anonymous 401, bad input 422)."""

from __future__ import annotations

from tests.web.harness import World

BANS = "/api/v1/channels/main/bans"
USERS = "/api/v1/channels/main/users"


def test_the_ban_list_unbanning_from_it_and_finding_users(world: World) -> None:
    r = world["mod"].http.put(f"{BANS}/mallory", json={"reason": "slurs"})
    assert r.status_code == 200, r.text
    page = world["mod"].http.get(BANS).json()
    assert page["total"] == 1 and page["offset"] == 0 and page["limit"] == 25
    [ban] = page["bans"]
    assert (ban["username"], ban["reason"], ban["moderator_name"]) == ("mallory", "slurs", "mod")
    assert ban["banned_at"] == r.json()["created_at"] and ban["mod_log_id"] == r.json()["id"]
    assert world["lead"].http.get(BANS, params={"q": "MAL", "limit": 1}).json()["total"] == 1
    assert world["lead"].http.get(BANS, params={"q": "al"}).json()["bans"] == []
    # unban from the list: the existing endpoint, logged as an unban
    assert world["mod"].http.delete(f"{BANS}/mallory").status_code == 200
    assert world["mod"].http.get(BANS).json() == {
        "total": 0,
        "offset": 0,
        "limit": 25,
        "bans": [],
    }
    [entry] = (
        world["mod"].http.get("/api/v1/channels/main/modlog", params={"action": "unban"}).json()
    )
    assert (entry["target_name"], entry["actor_name"]) == ("mallory", "mod")

    # finding users by name, with their standing here
    assert world["mod"].http.put(f"{BANS}/mallory", json={"reason": "x"}).is_success
    r = world["alice"].http.post(
        "/api/v1/channels/main/messages", json={"text": "hi", "idempotency_key": "k"}
    )
    assert r.is_success, r.text
    timeout = {"duration_s": 60, "reason": ""}
    assert world["mod"].http.put("/api/v1/channels/main/timeouts/alice", json=timeout).is_success
    found = world["mod"].http.get(USERS, params={"q": "A"}).json()
    assert [(m["username"], m["role"], m["timed_out"]) for m in found] == [
        ("alice", "follower", True)
    ]
    [mallory] = world["mod"].http.get(USERS, params={"q": "mall"}).json()
    assert mallory["banned"] and mallory["role"] == "viewer"
    [other] = world["owner"].http.get(USERS, params={"q": "oth"}).json()
    assert other["role"] == "viewer" and not other["banned"]  # owner of another channel
    assert world["mod"].http.get(USERS, params={"q": "zz"}).json() == []


def test_who_is_refused(world: World) -> None:
    params = {"q": "m"}
    for url in (BANS, USERS):
        for who in ("alice", "vip", "mallory", "other"):
            assert world[who].http.get(url, params=params).status_code == 403, (url, who)
        with world.client() as anon:
            assert anon.get(url, params=params).status_code == 401
        elsewhere = url.replace("/main/", "/other/")
        assert world["mod"].http.get(elsewhere, params=params).status_code == 403
        assert world["other"].http.get(elsewhere, params=params).status_code == 200
        missing = url.replace("/main/", "/nope/")
        assert world["mod"].http.get(missing, params=params).status_code == 404
    names = ({"q": "a b"}, {"q": "x" * 26}, {"q": "%"})
    bad: list[tuple[str, dict[str, str]]] = [(u, q) for u in (BANS, USERS) for q in names]
    bad += [(USERS, {}), (USERS, {"q": ""})]
    bad += [(BANS, {"limit": v}) for v in ("0", "101", "x")] + [(BANS, {"offset": "-1"})]
    for url, query in bad:
        assert world["mod"].http.get(url, params=query).status_code == 422, (url, query)
