"""Permission matrix over HTTP: every role x representative endpoints x own/other channel."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.web.harness import World

Call = Callable[[httpx.Client, str], httpx.Response]

#: endpoint -> (call, roles allowed in their own channel)
MODS = {"owner", "lead", "mod"}
LEADS = {"owner", "lead"}
ENDPOINTS: dict[str, tuple[Call, set[str]]] = {
    "view queue": (lambda c, ch: c.get(f"/api/v1/channels/{ch}/queue"), MODS),
    "automod pre-check": (
        lambda c, ch: c.post(f"/api/v1/channels/{ch}/automod/check", json={"text": "gg"}),
        MODS,
    ),
    "view mod log": (lambda c, ch: c.get(f"/api/v1/channels/{ch}/modlog"), MODS),
    "user card": (lambda c, ch: c.get(f"/api/v1/channels/{ch}/users/mallory/card"), MODS),
    "chat settings": (
        lambda c, ch: c.patch(f"/api/v1/channels/{ch}/chat-settings", json={"slow_mode_s": 0}),
        MODS,
    ),
    "timeout a viewer": (
        lambda c, ch: c.put(f"/api/v1/channels/{ch}/timeouts/mallory", json={"duration_s": 1}),
        MODS,
    ),
    "automod levels": (
        lambda c, ch: c.patch(f"/api/v1/channels/{ch}/automod/settings", json={"overall_level": 2}),
        LEADS,
    ),
    "manage VIPs": (
        lambda c, ch: c.put(f"/api/v1/channels/{ch}/roles/vip", json={"role": "vip"}),
        LEADS,
    ),
    "webhooks": (lambda c, ch: c.get(f"/api/v1/channels/{ch}/webhooks"), {"owner"}),
    "connections": (lambda c, ch: c.get(f"/api/v1/channels/{ch}/connections"), {"owner"}),
    "view health": (lambda c, ch: c.get(f"/api/v1/channels/{ch}/health"), MODS),
    "automod preview": (
        lambda c, ch: c.post(f"/api/v1/channels/{ch}/automod/preview", json={"overall_level": 3}),
        MODS,
    ),
    "history export": (lambda c, ch: c.get(f"/api/v1/channels/{ch}/history/export"), MODS),
    "shadow mode": (
        lambda c, ch: c.put(
            f"/api/v1/channels/{ch}/shadow", json={"candidate_settings": {"overall_level": 3}}
        ),
        LEADS,
    ),
    "shield mode switch": (
        lambda c, ch: c.put(f"/api/v1/channels/{ch}/shield", json={"active": False}),
        MODS,
    ),
    "detection settings": (
        lambda c, ch: c.patch(f"/api/v1/channels/{ch}/detection/settings", json={"enabled": False}),
        LEADS,
    ),
    "flag a suspicious user": (
        lambda c, ch: c.put(
            f"/api/v1/channels/{ch}/suspicious-users/mallory", json={"status": "monitored"}
        ),
        MODS,
    ),
    "share ban information": (
        lambda c, ch: c.put(f"/api/v1/channels/{ch}/sharing/{'other' if ch == 'main' else 'main'}"),
        {"owner"},
    ),
    "ban the owner": (
        lambda c, ch: c.put(f"/api/v1/channels/{ch}/bans/owner", json={"reason": "x"}),
        set(),
    ),
    "timeout a moderator": (
        lambda c, ch: c.put(f"/api/v1/channels/{ch}/timeouts/mod", json={"duration_s": 1}),
        LEADS,
    ),
}
PEOPLE = ("owner", "lead", "mod", "vip", "alice", "mallory")


def test_permission_matrix(world: World) -> None:
    problems = []
    for endpoint, (call, allowed) in ENDPOINTS.items():
        for person in PEOPLE:
            for channel in ("main", "other"):
                expected = person in allowed and channel == "main"
                r = call(world[person].http, channel)
                got = r.status_code < 400
                if got != expected or (not got and r.status_code != 403):
                    problems.append(
                        f"{endpoint} by {person} in {channel}: {r.status_code} {r.text}"
                    )
    assert not problems, "\n".join(problems)


def test_anonymous_is_401_and_unknown_channel_404(world: World) -> None:
    with world.client() as anon:
        r = anon.get("/api/v1/channels/main/queue")
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        assert r.headers["www-authenticate"].startswith("Bearer")
    r = world["mod"].http.get("/api/v1/channels/nope/queue")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("scopes", [["chat:write"], ["moderation:read"]])
def test_api_token_scopes(world: World, scopes: list[str]) -> None:
    r = world["mod"].http.post("/api/v1/tokens", json={"name": "bot", "scopes": scopes})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    with world.client() as bot:
        bot.headers["Authorization"] = f"Bearer {token}"
        queue = bot.get("/api/v1/channels/main/queue")
        send = bot.post(  # no CSRF token needed with a bearer token
            "/api/v1/channels/main/messages", json={"text": "beep", "idempotency_key": "b1"}
        )
        me = bot.get("/api/v1/me").json()
    assert me["username"] == "mod" and me["scopes"] == scopes
    assert (queue.status_code == 200) == ("moderation:read" in scopes)
    assert (send.status_code == 200) == ("chat:write" in scopes), send.text
    if send.status_code != 200:
        assert send.status_code == 403 and "scope" in send.json()["error"]["message"]
