"""Matrix fixtures: a real Synapse on loopback (``synapse.py``), started once per session, and
a room per test with its cast: the room's owner (power level 100), the bot and a moderator
(50), and a viewer; the others speak through a real client library (matrix-nio).

Skipped, saying why, only where the ``synapse`` package (PyPI ``matrix-synapse``, the test
extra) cannot be imported; CI sets CHATWARDEN_REQUIRE_MATRIX=1, so there they fail instead.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from nio import AsyncClient, AsyncClientConfig

from tests.connectors.matrix.synapse import SERVER_NAME, MatrixUser, Synapse, synapse_available

_names = itertools.count(1)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    if not synapse_available():
        reason = "the synapse package (PyPI matrix-synapse, the test extra) is not installed"
        if os.environ.get("CHATWARDEN_REQUIRE_MATRIX") == "1":
            pytest.fail(
                f"{reason} (CHATWARDEN_REQUIRE_MATRIX=1: CI must not skip the Matrix tests)"
            )
        pytest.skip(reason)
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Room:
    """A fresh public room: ``owner`` made it (its creator: room version 12 puts creators
    above every level), ``bot`` and ``mod`` are at 50, ``viewer``
    at the default 0; all four have joined."""

    server: Synapse
    room_id: str
    alias: str
    owner: MatrixUser
    bot: MatrixUser
    mod: MatrixUser
    viewer: MatrixUser

    def state(self, event_type: str, state_key: str = "") -> Any:
        path = f"/_matrix/client/v3/rooms/{self.room_id}/state/{event_type}/{state_key}"
        return self.server.api(self.owner, "GET", path)

    def event(self, event_id: str) -> Any:
        path = f"/_matrix/client/v3/rooms/{self.room_id}/event/{event_id}"
        return self.server.api(self.owner, "GET", path)


def make_room(server: Synapse) -> Room:
    n = next(_names)
    owner, bot = server.register(f"owner{n}"), server.register(f"cwbot{n}")
    mod, viewer = server.register(f"mod{n}"), server.register(f"bob{n}")
    body = {
        "preset": "public_chat",
        "room_alias_name": f"chat{n}",
        "name": f"chat {n}",
        "power_level_content_override": {
            "users": {bot.user_id: 50, mod.user_id: 50}  # the creator: above every level
        },
    }
    room_id = server.api(owner, "POST", "/_matrix/client/v3/createRoom", json=body)["room_id"]
    for user in (mod, viewer):
        server.api(user, "POST", f"/_matrix/client/v3/join/{room_id}", json={})
    alias = f"#chat{n}:{SERVER_NAME}"
    return Room(server, room_id, alias, owner, bot, mod, viewer)


@pytest.fixture
def room(synapse: Synapse) -> Room:
    return make_room(synapse)


async def nio_client(server: Synapse, user: MatrixUser) -> AsyncClient:
    """A matrix-nio client for ``user`` (no end-to-end encryption: the rooms are plain)."""
    client = AsyncClient(
        server.url, user.user_id, config=AsyncClientConfig(encryption_enabled=False)
    )
    client.access_token = user.access_token
    client.user_id = user.user_id
    return client


async def say(server: Synapse, user: MatrixUser, room_id: str, content: dict[str, Any]) -> str:
    """Send one ``m.room.message`` as ``user`` through matrix-nio; its event id."""
    client = await nio_client(server, user)
    try:
        resp = await client.room_send(room_id, "m.room.message", content)
        event_id = getattr(resp, "event_id", None)
        assert event_id, resp
        return str(event_id)
    finally:
        await client.close()
