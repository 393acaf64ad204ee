"""Attack: ids and numbers beyond the database's integer range (2^31 on PostgreSQL, 2^63 on
SQLite) made 13 routes and ``expires_in_s`` answer 500. Refusal: an id no row can have is 404
at the edge; out-of-range numbers in queries and bodies are 422; nothing reaches the database.
"""

from __future__ import annotations

import pytest

from tests.web.harness import World

#: every route with an integer id in its path (method, path with ``{id}``)
ID_ROUTES = [
    ("DELETE", "/api/v1/tokens/{id}"),
    ("GET", "/api/v1/queue/{id}"),
    ("POST", "/api/v1/queue/{id}"),
    ("DELETE", "/api/v1/channels/main/automod/terms/{id}"),
    ("DELETE", "/api/v1/notes/{id}"),
    ("POST", "/api/v1/unban-requests/{id}"),
    ("DELETE", "/api/v1/webhooks/{id}"),
    ("GET", "/api/v1/webhooks/{id}/deliveries"),
    ("GET", "/api/v1/policy-lists/{id}"),
    ("GET", "/api/v1/policy-lists/{id}/export"),
    ("PUT", "/api/v1/policy-lists/{id}/terms"),
    ("DELETE", "/api/v1/policy-lists/{id}"),
    ("PUT", "/api/v1/channels/main/policy-subscriptions/{id}"),
    ("DELETE", "/api/v1/channels/main/policy-subscriptions/{id}"),
]

#: bodies that pass validation, so only the id can be wrong
BODIES = {
    "/api/v1/queue/{id}": {"json": {"action": "allow"}},
    "/api/v1/unban-requests/{id}": {"json": {"decision": "deny"}},
    "/api/v1/policy-lists/{id}/terms": {
        "content": "[]",
        "headers": {"Content-Type": "text/plain"},
    },
}

OUT_OF_RANGE = [2**31, 2**63, 2**64 + 5, 0, -1, -(2**63) - 1]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_an_id_no_row_can_have_is_404(world: World, value: int) -> None:
    owner = world["owner"]
    for method, path in ID_ROUTES:
        kwargs = BODIES.get(path, {})
        r = owner.http.request(method, path.format(id=value), **kwargs)  # type: ignore[arg-type]
        assert r.status_code == 404, (method, path, value, r.status_code, r.text)
        assert r.json()["error"]["code"] == "not_found"


def test_numbers_out_of_range_in_queries_and_bodies_are_422(world: World) -> None:
    owner = world["owner"]
    for before_id in (2**31, 2**63, 0):
        r = owner.http.get("/api/v1/channels/main/modlog", params={"before_id": before_id})
        assert r.status_code == 422, (before_id, r.text)
    r = owner.http.get("/api/v1/channels/main/modlog", params={"before_id": 5})
    assert r.status_code == 200, r.text
    for expires in (2**63, 2**31 * 1000, 0, -5):
        body = {"name": "bot", "scopes": ["chat:write"], "expires_in_s": expires}
        r = owner.http.post("/api/v1/tokens", json=body)
        assert r.status_code == 422, (expires, r.text)
    body = {"name": "bot", "scopes": ["chat:write"], "expires_in_s": 86_400 * 365}
    assert owner.http.post("/api/v1/tokens", json=body).status_code == 201
    for field in ("window_s", "max_users"):  # the bounds are in the OpenAPI document too
        body = {"phrase": "join the raid", field: 2**63}
        r = owner.http.post("/api/v1/channels/main/shield/bulk-ban", json=body)
        assert r.status_code == 422, (field, r.text)


def test_ids_in_range_still_reach_their_rows(world: World) -> None:
    owner = world["owner"]
    made = owner.http.post("/api/v1/channels/main/automod/terms", json={"text": "bananas"})
    assert made.status_code == 201, made.text
    term_id = made.json()["id"]
    r = owner.http.delete(f"/api/v1/channels/main/automod/terms/{term_id}")
    assert r.status_code == 204, r.text
    r = owner.http.delete(f"/api/v1/channels/main/automod/terms/{term_id}")
    assert r.status_code == 404
    assert owner.http.get(f"/api/v1/queue/{2**31 - 1}").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"end": "0001-01-01T00:00:00Z", "resolution": "day"},
        {"end": "0001-01-01T00:30:00+00:00"},
        {"start": "0001-01-01T00:00:00+01:00", "end": "0001-01-01T02:00:00+01:00"},
        {"start": "9999-12-31T23:00:00Z", "end": "9999-12-31T23:59:59Z"},
        {"start": "9999-12-31T00:00:00Z", "end": "9999-12-31T23:59:59Z", "resolution": "hour"},
        {"start": "9999-12-31T00:00:00-14:00", "end": "9999-12-31T23:00:00-14:00"},
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_refused_not_a_500(
    world: World, params: dict[str, str]
) -> None:
    """Health windows whose default start or buckets fall outside the years 1-9999 were 500s
    (found by probing after the fuzz run); times before 1970 or after 9000 are 400 at the edge."""
    owner = world["owner"]
    for path in (
        "/api/v1/channels/main/health",
        "/api/v1/channels/main/health/export",
        "/api/v1/channels/main/shadow/results",
        "/api/v1/health/compare",
    ):
        r = owner.http.get(path, params=params)
        assert r.status_code == 400, (path, params, r.status_code, r.text)
        assert r.json()["error"]["code"] == "invalid_input"
