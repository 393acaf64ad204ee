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
