"""Low: sessions sent as bearer tokens, and API-token management.

Attack 1: a client that holds its session token as ``Authorization: Bearer cws_...`` (not as
a cookie) logs out; the server answered 204 and kept the session alive. Expected: the session
ends, and the token is refused afterwards.

Attack 2: a leaked bot token (say, only ``chat:write``) lists its owner's other tokens and
revokes them (locking the owner's integrations out). Expected: 403 unless the token has the
``tokens:manage`` scope; a logged-in session keeps managing tokens.
"""

from __future__ import annotations

import httpx

from tests.web.harness import PASSWORD, World


def _bearer(world: World, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=world.base_url, timeout=10, headers={"Authorization": f"Bearer {token}"}
    )


def test_delete_current_session_ends_a_bearer_session(world: World) -> None:
    with world.client() as login:
        r = login.post("/api/v1/sessions", json={"username": "alice", "password": PASSWORD})
        assert r.status_code == 201, r.text
        session = str(login.cookies.get("cw_session"))
    assert session.startswith("cws_")
    with _bearer(world, session) as bot:
        assert bot.get("/api/v1/me").status_code == 200
        assert bot.delete("/api/v1/sessions/current").status_code == 204
        after = bot.get("/api/v1/me")
    assert after.status_code == 401, after.text
    # alice's other session (the harness's cookie login) is untouched
    assert world["alice"].http.get("/api/v1/me").status_code == 200


def _token(world: World, name: str, scopes: list[str]) -> tuple[int, str]:
    r = world["owner"].http.post("/api/v1/tokens", json={"name": name, "scopes": scopes})
    assert r.status_code == 201, r.text
    body = r.json()
    return int(body["info"]["id"]), str(body["token"])


def test_token_management_needs_the_tokens_scope(world: World) -> None:
    _, leaked = _token(world, "chat bot", ["chat:write", "moderation:read"])
    victim_id, victim = _token(world, "dashboard", ["moderation:read"])
    with _bearer(world, leaked) as attacker:
        listed = attacker.get("/api/v1/tokens")
        revoked = attacker.delete(f"/api/v1/tokens/{victim_id}")
    assert listed.status_code == 403, listed.text
    assert "tokens:manage" in listed.json()["error"]["message"]
    assert revoked.status_code == 403, revoked.text
    with _bearer(world, victim) as dashboard:
        assert dashboard.get("/api/v1/me").status_code == 200  # still alive

    manager_id, manager = _token(world, "token manager", ["tokens:manage"])
    with _bearer(world, manager) as admin_bot:
        ids = {t["id"] for t in admin_bot.get("/api/v1/tokens").json()}
        assert {victim_id, manager_id} <= ids
        assert admin_bot.delete(f"/api/v1/tokens/{victim_id}").status_code == 204
    with _bearer(world, victim) as dashboard:
        assert dashboard.get("/api/v1/me").status_code == 401

    # a logged-in session keeps full token management
    owner = world["owner"].http
    assert owner.get("/api/v1/tokens").status_code == 200
    assert owner.delete(f"/api/v1/tokens/{manager_id}").status_code == 204
