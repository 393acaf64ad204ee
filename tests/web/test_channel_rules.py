"""``GET/PUT /api/v1/channels/{name}/rules``: everyone reads a channel's rules; the owner and
lead moderators replace them (422 for a bad list, naming the rule; 403 for anyone else); the
mod log keeps each change."""

from __future__ import annotations

from tests.web.harness import World

RULES = "/api/v1/channels/main/rules"


def test_everyone_reads_the_rules_and_leads_write_them(world: World) -> None:
    assert world["alice"].http.get(RULES).json() == {"rules": []}
    r = world["owner"].http.put(RULES, json={"rules": ["Be kind", " No  spoilers "]})
    assert r.status_code == 200, r.text
    assert r.json() == {"rules": ["Be kind", "No spoilers"]}
    r = world["lead"].http.put(RULES, json={"rules": ["Be kind", "No spoilers", "No links"]})
    assert r.status_code == 200, r.text
    for who in ("alice", "mallory", "other", "mod"):
        got = world[who].http.get(RULES)
        assert got.json() == {"rules": ["Be kind", "No spoilers", "No links"]}, who
    with world.client() as anon:  # the rules are as public as the chat settings
        assert anon.get(RULES).json()["rules"] == ["Be kind", "No spoilers", "No links"]
    log = world["mod"].http.get("/api/v1/channels/main/modlog").json()
    changes = [
        (e["actor_name"], e["details"]["after"]) for e in log if e["action"] == "rules.update"
    ]
    assert changes == [
        ("lead", ["Be kind", "No spoilers", "No links"]),
        ("owner", ["Be kind", "No spoilers"]),
    ]
    assert world["alice"].http.get("/api/v1/channels/other/rules").json() == {"rules": []}


def test_moderators_viewers_and_strangers_cannot_write(world: World) -> None:
    world["owner"].http.put(RULES, json={"rules": ["Be kind"]})
    for who in ("mod", "vip", "alice", "other"):
        r = world[who].http.put(RULES, json={"rules": ["anything goes"]})
        assert r.status_code == 403, (who, r.text)
    with world.client() as anon:
        assert anon.put(RULES, json={"rules": []}).status_code in (401, 403)
    assert world["alice"].http.get(RULES).json() == {"rules": ["Be kind"]}
    assert world["owner"].http.get("/api/v1/channels/nope/rules").status_code == 404


def test_bad_lists_are_422_and_change_nothing(world: World) -> None:
    world["owner"].http.put(RULES, json={"rules": ["Be kind"]})
    bad = [
        ({"rules": [f"rule {n}" for n in range(21)]}, "rules"),
        ({"rules": ["x" * 201]}, "200"),
        ({"rules": ["ok", "  "]}, "rule 2 is empty"),
        ({"rules": ["Be kind", "be kind"]}, "rule 2 repeats"),
        ({"rules": "Be kind"}, "rules"),
        ({"rules": [1]}, "rules"),
        ({}, "rules"),
        ({"rules": [], "extra": 1}, "extra"),
    ]
    for body, says in bad:
        r = world["owner"].http.put(RULES, json=body)
        assert r.status_code == 422, (body, r.text)
        assert says in r.text, (body, r.text)
    assert world["owner"].http.put(RULES, json={"rules": ["x" * 200] * 1}).status_code == 200
    many = [f"rule {n}" for n in range(20)]
    assert world["owner"].http.put(RULES, json={"rules": many}).json() == {"rules": many}
    assert world["owner"].http.put(RULES, json={"rules": []}).json() == {"rules": []}
