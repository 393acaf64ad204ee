"""Connections over HTTP: the owner adds, lists and removes them; leads, moderators and
everyone else get 403; the credential is write-only (no response, error or log line carries
it) and the stored row holds it encrypted."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from chatwarden.store.schema import connections, mod_log
from chatwarden.store.secretbox import SecretBox
from tests.web.harness import CONNECTOR_KEY, World

SECRET = "oauth:web-secret-token-42"
OPER_PASSWORD = "oper-web-password-43"
URL = "/api/v1/channels/main/connections"
BODY = {
    "platform": "irc",
    "target": "irc.example.net:6697",
    "room": "#main",
    "account": "cwbot",
    "tls": True,
    "oper": "cwbot",
    "credential": SECRET,
    "oper_password": OPER_PASSWORD,
}


def raw_credentials(world: World) -> list[str | None]:
    with world.services.db.read() as conn:
        return list(conn.execute(sa.select(connections.c.credential)).scalars())


def test_owner_adds_lists_and_removes_and_the_secret_never_comes_back(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    owner = world["owner"].http
    answers = []
    r = owner.post(URL, json=BODY)
    answers.append(r.text)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["has_credential"] is True and made["status"] == "disconnected"
    assert "credential" not in made and "oper_password" not in made
    assert (made["target"], made["room"], made["account"]) == (BODY["target"], "#main", "cwbot")
    assert made["options"] == {"tls": True, "oper": "cwbot"}

    listed = owner.get(URL)
    answers.append(listed.text)
    assert listed.status_code == 200 and [c["id"] for c in listed.json()] == [made["id"]]

    (stored,) = raw_credentials(world)
    assert stored is not None and SECRET not in stored and OPER_PASSWORD not in stored
    assert SECRET in SecretBox([CONNECTOR_KEY]).open(stored)

    bad = owner.post(URL, json={**BODY, "platform": "slack"})  # refused, secret in the body
    answers.append(bad.text)
    assert bad.status_code == 422
    bad_room = owner.post(URL, json={**BODY, "room": "main"})
    answers.append(bad_room.text)
    assert bad_room.status_code == 400 and "starts with '#'" in bad_room.json()["error"]["message"]

    modlog = owner.get("/api/v1/channels/main/modlog")
    answers.append(modlog.text)
    assert "connection.add" in modlog.text

    gone = owner.delete(f"{URL}/{made['id']}")
    assert gone.status_code == 204
    assert owner.get(URL).json() == [] and raw_credentials(world) == []
    assert owner.delete(f"{URL}/{made['id']}").status_code == 404

    logged = "\n".join(r.getMessage() for r in caplog.records)
    for text in [*answers, logged]:
        assert SECRET not in text and OPER_PASSWORD not in text
    with world.services.db.read() as conn:
        details = conn.execute(sa.select(mod_log.c.details)).scalars().all()
    assert SECRET not in str(details)


@pytest.mark.parametrize("who", ["lead", "mod", "vip", "alice", "other"])
def test_everyone_but_the_owner_gets_403(world: World, who: str) -> None:
    made = world["owner"].http.post(URL, json=BODY).json()
    http = world[who].http
    assert http.get(URL).status_code == 403
    r = http.post(URL, json=BODY)
    assert r.status_code == 403 and SECRET not in r.text
    assert http.delete(f"{URL}/{made['id']}").status_code == 403
    assert len(raw_credentials(world)) == 1


def test_a_connection_is_removed_only_under_its_own_channel(world: World) -> None:
    made = world["owner"].http.post(URL, json=BODY).json()
    other = world["other"].http
    r = other.delete(f"/api/v1/channels/other/connections/{made['id']}")
    assert r.status_code == 404
    assert len(raw_credentials(world)) == 1


def test_a_token_without_channel_manage_is_refused(world: World) -> None:
    owner = world["owner"].http
    r = owner.post("/api/v1/tokens", json={"name": "bot", "scopes": ["moderation:read"]})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    with world.client() as client:
        answer = client.get(URL, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and "channel:manage" in answer.json()["error"]["message"]


TWITCH_TOKEN = "twitch-web-user-token-44"
REFRESH = "twitch-web-refresh-token-45"
CLIENT_SECRET = "twitch-web-client-secret-46"
BOT_TOKEN = "MTEw.discord-web-bot-token-47"
TWITCH = {
    "platform": "twitch",
    "target": "eventsub",
    "room": "Cool_Streamer",
    "account": "CW_Bot",
    "client_id": "abc123",
    "automod": True,
    "credential": f"oauth:{TWITCH_TOKEN}",
    "refresh_token": REFRESH,
    "client_secret": CLIENT_SECRET,
}
DISCORD = {
    "platform": "discord",
    "target": "1200000000000000001",
    "room": "1250000000000000001",
    "account": "1100000000000000001",
    "roles": {"1300000000000000003": "moderator", "1300000000000000004": "vip"},
    "warn": "reply",
    "credential": f"Bot {BOT_TOKEN}",
}
SECRETS = (TWITCH_TOKEN, REFRESH, CLIENT_SECRET, BOT_TOKEN)


def test_the_owner_adds_twitch_eventsub_and_discord_connections_secrets_write_only(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    owner = world["owner"].http
    twitch = owner.post(URL, json=TWITCH)
    assert twitch.status_code == 201, twitch.text
    made = twitch.json()
    where = (made["target"], made["room"], made["account"])
    assert where == ("eventsub", "cool_streamer", "cw_bot")
    assert made["options"] == {
        "tls": True,
        "client_id": "abc123",
        "automod": True,
        "token_refresh": True,
    }
    discord = owner.post(URL, json=DISCORD)
    assert discord.status_code == 201, discord.text
    assert discord.json()["options"] == {"tls": True, "roles": DISCORD["roles"], "warn": "reply"}
    listed = owner.get(URL)
    assert [(c["platform"], c["has_credential"]) for c in listed.json()] == [
        ("twitch", True),
        ("discord", True),
    ]
    # opened for the runner only: the IRC and header forms of the tokens are the same tokens
    opened = world.services.connections.runnable(made["id"]).credentials
    assert (opened.secret, opened.refresh_token, opened.client_secret) == (
        TWITCH_TOKEN,
        REFRESH,
        CLIENT_SECRET,
    )
    assert world.services.connections.runnable(discord.json()["id"]).credentials.secret == (
        BOT_TOKEN
    )
    stored = " ".join(str(c) for c in raw_credentials(world))
    modlog = owner.get("/api/v1/channels/main/modlog")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for text in (twitch.text, discord.text, listed.text, modlog.text, stored, logged):
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({**TWITCH, "client_id": None}, 400, None, "client_id is required"),
        ({**TWITCH, "room": "not a login"}, 400, None, "room"),
        ({**TWITCH, "client_secret": None}, 400, None, "refresh_token and client_secret go"),
        ({**TWITCH, "credential": None}, 400, None, "user access token as the credential"),
        ({**TWITCH, "target": ""}, 400, None, "(platform 'twitch', target 'eventsub')"),
        ({**BODY, "refresh_token": REFRESH}, 400, None, "for Twitch EventSub connections only"),
        ({**TWITCH, "automod": "sometimes"}, 422, "automod", "bool"),
        ({**DISCORD, "roles": {"1300": "owner"}}, 400, None, "roles: '1300' -> 'owner'"),
        ({**DISCORD, "roles": {"mods": "moderator"}}, 400, None, "roles: 'mods'"),
        ({**DISCORD, "target": "guild"}, 400, None, "target 'guild': a Discord id is digits"),
        ({**DISCORD, "credential": None}, 400, None, "needs its bot token"),
        ({**DISCORD, "warn": "shout"}, 422, "warn", "'skip' or 'reply'"),
        ({**DISCORD, "roles": ["1300"]}, 422, "roles", "dictionary"),
        ({**DISCORD, "client_id": "abc"}, 400, None, "EventSub connections only"),
    ],
)
def test_bad_twitch_and_discord_connections_name_the_field(
    world: World, body: dict[str, object], status: int, field: str | None, message: str
) -> None:
    r = world["owner"].http.post(URL, json=body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert message in error["message"]
    if field is not None:
        assert field in [p["field"] for p in error["problems"]]
    for secret in SECRETS:
        assert secret not in r.text
    assert raw_credentials(world) == []
