"""PATCH a connection over HTTP: the owner replaces its token (write-only: no response, error,
mod log entry or log line carries it) and its safe settings; the connection keeps its id and
status; a bad field is named (400 from the checks, 422 from the schema); another channel's
connection is 404 and everyone but the owner gets 403."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from chatwarden.store.schema import connections, mod_log
from tests.web.harness import World

URL = "/api/v1/channels/main/connections"
OLD = "web-old-token-6001"
NEW = "web-new-token-6002"
REFRESH = "web-refresh-token-6003"
CLIENT_SECRET = "web-client-secret-6004"
SECRETS = (OLD, NEW, REFRESH, CLIENT_SECRET)
IRC = {
    "platform": "irc",
    "target": "irc.example.net:6697",
    "room": "#main",
    "account": "cwbot",
    "tls": True,
    "credential": OLD,
}
TWITCH = {
    "platform": "twitch",
    "target": "eventsub",
    "room": "cool_streamer",
    "account": "cw_bot",
    "client_id": "abc123",
    "credential": OLD,
}


def stored(world: World) -> str:
    with world.services.db.read() as conn:
        rows = conn.execute(sa.select(connections)).mappings().all()
        details = conn.execute(sa.select(mod_log.c.details)).scalars().all()
    return str([dict(r) for r in rows]) + str(details)


def test_the_owner_replaces_a_token_and_settings_and_no_secret_comes_back(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    owner = world["owner"].http
    made = owner.post(URL, json=TWITCH).json()
    world.services.connections.report_status(made["id"], "error", last_error="401 invalid token")

    r = owner.patch(
        f"{URL}/{made['id']}",
        json={
            "credential": f"oauth:{NEW}",
            "refresh_token": REFRESH,
            "client_secret": CLIENT_SECRET,
            "automod": True,
        },
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["id"], done["status"], done["has_credential"]) == (made["id"], "error", True)
    assert done["changed"] == [
        "credential",
        "refresh_token",
        "client_secret",
        "automod",
        "token_refresh",
    ]
    assert done["options"]["automod"] is True and done["options"]["token_refresh"] is True
    opened = world.services.connections.runnable(made["id"]).credentials
    assert (opened.secret, opened.refresh_token, opened.client_secret) == (
        NEW,
        REFRESH,
        CLIENT_SECRET,
    )
    listed = owner.get(URL)
    modlog = owner.get("/api/v1/channels/main/modlog")
    assert "connection.update" in modlog.text and "refresh_token" in modlog.text
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    for text in (r.text, listed.text, modlog.text, stored(world), logged):
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({}, 400, None, "nothing to change"),
        ({"credential": "bad\nline"}, 400, None, "credential must be at most"),
        ({"warn": "reply"}, 400, None, "roles and warn are for Discord"),
        ({"refresh_token": REFRESH}, 400, None, "EventSub connections only"),
        ({"tls": "sometimes"}, 422, "tls", "bool"),
        ({"platform": "discord"}, 422, "platform", "xtra"),
        ({"room": "#elsewhere"}, 422, "room", "xtra"),
    ],
)
def test_a_bad_update_names_the_field_and_changes_nothing(
    world: World, body: dict[str, object], status: int, field: str | None, message: str
) -> None:
    owner = world["owner"].http
    made = owner.post(URL, json=IRC).json()
    before = stored(world)
    r = owner.patch(f"{URL}/{made['id']}", json=body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert message in error["message"] or message in str(error.get("problems"))
    if field is not None:
        assert field in [p["field"] for p in error["problems"]]
    for secret in SECRETS:
        assert secret not in r.text
    assert stored(world) == before


def test_another_channels_connection_is_404_and_others_get_403(world: World) -> None:
    made = world["owner"].http.post(URL, json=IRC).json()
    other = world["other"].http.patch(
        f"/api/v1/channels/other/connections/{made['id']}", json={"credential": NEW}
    )
    assert other.status_code == 404
    missing = world["owner"].http.patch(f"{URL}/{made['id'] + 99}", json={"credential": NEW})
    assert missing.status_code == 404
    for who in ("lead", "mod", "vip", "alice"):
        r = world[who].http.patch(f"{URL}/{made['id']}", json={"credential": NEW})
        assert r.status_code == 403 and NEW not in r.text
    assert world.services.connections.runnable(made["id"]).credentials.secret == OLD
