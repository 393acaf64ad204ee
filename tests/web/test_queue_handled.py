"""GET /channels/{name}/queue/handled: the recently decided held messages, with their text,
for whoever may view the queue (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from tests.web.harness import World, abusive_text

URL = "/api/v1/channels/main/queue/handled"


def _hold(world: World, text: str, key: str) -> int:
    r = world["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.json()["status"] == "held", r.text
    pending = world["mod"].http.get("/api/v1/channels/main/queue").json()
    return int(next(i["id"] for i in pending if i["message"]["id"] == r.json()["message_id"]))


def _decide(world: World, who: str, item_id: int, action: str) -> dict[str, Any]:
    r = world[who].http.post(f"/api/v1/queue/{item_id}", json={"action": action})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_handled_items_keep_text_and_decider_newest_first(world: World) -> None:
    first = _hold(world, abusive_text() + " one", "h1")
    second = _hold(world, abusive_text() + " two", "h2")
    waiting = _hold(world, abusive_text() + " three", "h3")
    assert world["mod"].http.get(URL).json() == []
    _decide(world, "mod", first, "allow")
    world.clock.advance(1)
    _decide(world, "lead", second, "deny")

    handled = world["mod"].http.get(URL).json()
    assert [(h["id"], h["status"], h["resolved_by_name"]) for h in handled] == [
        (second, "denied", "lead"),
        (first, "allowed", "mod"),
    ]
    assert handled[0]["message"]["text"] == abusive_text() + " two"
    assert handled[0]["message"]["sender_name"] == "mallory"
    assert handled[0]["reasons"][0]["category"] == "bullying"
    assert waiting not in {h["id"] for h in handled}  # still pending
    assert [h["id"] for h in world["mod"].http.get(URL, params={"limit": 1}).json()] == [second]


def test_handled_list_is_for_the_queue_readers_only(world: World) -> None:
    _decide(world, "mod", _hold(world, abusive_text(), "p1"), "deny")
    assert world["alice"].http.get(URL).status_code == 403
    assert world["other"].http.get(URL).status_code == 403
    with world.client() as anon:
        assert anon.get(URL).status_code == 401
    assert world["mod"].http.get(URL, params={"limit": 0}).status_code == 422
    assert world["mod"].http.get(URL, params={"limit": 101}).status_code == 422
    assert len(world["owner"].http.get(URL).json()) == 1


def test_reasons_are_redacted_as_in_the_single_item_view(world: World) -> None:
    """Private terms: the handled list goes through the same redaction as ``/queue/{id}``."""
    item = _hold(world, abusive_text(), "z1")
    _decide(world, "mod", item, "deny")
    for who in ("owner", "mod"):
        [h] = world[who].http.get(URL).json()
        single = world[who].http.get(f"/api/v1/queue/{item}").json()
        assert h["reasons"] == single["reasons"] and h["reasons"]
        assert h["message"] == single["message"]
