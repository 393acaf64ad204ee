"""Attack: text with a NUL character (U+0000) anywhere a client sends text: a path, a query, a
JSON body, a settings patch. PostgreSQL's text and jsonb types cannot hold it, so the request
failed in the database driver with a 500 (found by ``test_api_fuzz.py``: a login with
``"\\u0000"`` in the username). Refusal: 400 ``invalid_input`` at the edge, on both databases.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.harness import PASSWORD, World

NUL = "a\x00b"

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/v1/sessions", {"json": {"username": NUL, "password": PASSWORD}}),
    ("POST", "/api/v1/accounts", {"json": {"username": NUL, "password": PASSWORD}}),
    ("GET", "/api/v1/channels/a%00b", {}),
    ("GET", "/api/v1/channels/main/modlog", {"params": {"action": NUL}}),
    ("PUT", "/api/v1/channels/main/bans/mallory", {"json": {"reason": NUL}}),
    ("POST", "/api/v1/channels/main/users/alice/notes", {"json": {"text": NUL}}),
    ("POST", "/api/v1/channels/main/automod/terms", {"json": {"text": NUL}}),
    ("PATCH", "/api/v1/channels/main/chat-settings", {"json": {"emote_set": [NUL]}}),
    ("PATCH", "/api/v1/channels/main/automod/settings", {"json": {NUL: 1}}),
    ("POST", "/api/v1/channels/main/messages", {"json": {"text": "hi", "idempotency_key": NUL}}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_text_with_nul_is_refused_not_a_500(
    world: World, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    r = world["owner"].http.request(method, path, **kwargs)
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.json()["error"]["code"] == "invalid_input"


def test_a_backslash_u_0000_that_is_not_a_nul_passes(world: World) -> None:
    owner = world["owner"]
    text = "type \\u0000 to write a NUL in JSON"  # a literal backslash, then u0000
    r = owner.http.post("/api/v1/channels/main/users/alice/notes", json={"text": text})
    assert r.status_code == 201, r.text
    assert r.json()["text"] == text
