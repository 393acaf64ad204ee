"""``chatwarden connect add matrix`` and ``connect run`` for a stored Matrix connection, against
a real Synapse on loopback: the access token is stored sealed and never printed or logged, and
the command redacts a viewer's threat in the room until Ctrl-C, keeping its sync token in the
connection."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading

import pytest
from typer.testing import CliRunner

from chatwarden.cli import app
from chatwarden.store.secretbox import generate_key
from tests.cli.test_connections import database, raw  # noqa: F401
from tests.connectors.matrix.conftest import Room, make_room, say, synapse  # noqa: F401
from tests.connectors.matrix.synapse import Synapse

runner = CliRunner()


def add_args(room: Room) -> list[str]:
    return [
        *("connect", "add", "matrix", "--channel", "mychan", "--homeserver", room.server.url),
        *("--room", room.alias, "--user", room.bot.user_id, "--level", "50=moderator"),
    ]


def test_add_matrix_stores_the_token_sealed_and_refuses_what_is_wrong(
    database: str,  # noqa: F811
    synapse: Synapse,  # noqa: F811
) -> None:
    room = make_room(synapse)
    token = room.bot.access_token
    env = {"CHATWARDEN_DATABASE_URL": database, "CHATWARDEN_CONNECTOR_KEYS": generate_key()}
    added = runner.invoke(app, [*add_args(room), "--token-stdin"], input=f"{token}\n", env=env)
    assert added.exit_code == 0, added.output
    assert f"connection 1: matrix {room.alias} on {room.server.url} as {room.bot.user_id}" in (
        added.output
    )
    (row,) = raw(database)
    assert (row["platform"], row["room"], row["account"]) == (
        "matrix",
        room.alias,
        room.bot.user_id,
    )
    assert row["options"] == {"tls": True, "levels": {"50": "moderator"}, "warn": "skip"}
    assert token not in str(row) and token not in added.output
    bad_level = runner.invoke(
        app, [*add_args(room), "--level", "x=vip", "--token-stdin"], input=token, env=env
    )
    assert bad_level.exit_code != 0 and "LEVEL=ROLE" in bad_level.output
    no_token = runner.invoke(app, add_args(room), env=env)
    assert no_token.exit_code != 0 and "access token" in no_token.output
    both = runner.invoke(app, [*add_args(room), "--token-stdin", "--token-env", "X"], env=env)
    assert both.exit_code != 0 and "--token-env and --token-stdin" in both.output
    lists = ["--policy-room", "#bans:chatwarden.test", "--policy-room", "!list:example.org"]
    following = runner.invoke(
        app,
        [*add_args(room), *lists, "--publish-bans-to", "#ours:chatwarden.test", "--token-stdin"],
        input=token,
        env=env,
    )
    assert following.exit_code == 0, following.output
    options = raw(database)[1]["options"]
    assert options["policy_rooms"] == ["#bans:chatwarden.test", "!list:example.org"]
    assert options["publish_room"] == "#ours:chatwarden.test"
    bad_list = runner.invoke(
        app, [*add_args(room), "--policy-room", "bans", "--token-stdin"], input=token, env=env
    )
    assert bad_list.exit_code != 0 and "policy room 'bans'" in bad_list.output


def test_run_a_stored_matrix_connection_against_synapse_until_ctrl_c(
    database: str,  # noqa: F811
    synapse: Synapse,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    room = make_room(synapse)
    token = room.bot.access_token
    env = {
        "CHATWARDEN_DATABASE_URL": database,
        "CHATWARDEN_CONNECTOR_KEYS": generate_key(),
        "CW_MATRIX_TOKEN": token,
    }
    added = runner.invoke(app, [*add_args(room), "--token-env", "CW_MATRIX_TOKEN"], env=env)
    assert added.exit_code == 0, added.output
    del env["CW_MATRIX_TOKEN"]
    failure: list[BaseException] = []
    cli_running = threading.Lock()
    threat: list[str] = []

    def joined() -> bool:
        path = f"/_matrix/client/v3/rooms/{room.room_id}/joined_members"
        return room.bot.user_id in synapse.api(room.owner, "GET", path)["joined"]

    async def chat() -> None:
        while not joined():
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)  # the bot's first sync (from now) is done
        threat.append(
            await say(
                synapse, room.viewer, room.room_id, {"msgtype": "m.text", "body": "i will kill you"}
            )
        )
        while not room.event(threat[0]).get("unsigned", {}).get("redacted_because"):
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.5)  # the status is written at most once a second

    def drive() -> None:
        try:
            asyncio.run(asyncio.wait_for(chat(), 30))
        except BaseException as exc:
            failure.append(exc)
        finally:
            if not cli_running.acquire(blocking=False):
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C

    thread = threading.Thread(target=drive)
    thread.start()
    with cli_running:
        result = runner.invoke(app, ["connect", "run", "1"], env=env)
    thread.join(30)
    if failure:
        raise failure[0]
    assert result.exit_code == 0, result.output
    assert "stopped: 1 decided, 0 replayed, 1 acted" in result.output
    reason = room.event(threat[0])["unsigned"]["redacted_because"]["content"]["reason"]
    assert reason == "ChatWarden: held for review (aggression)"
    (row,) = raw(database)
    options = row["options"]
    assert isinstance(options, dict) and options["cursor"]  # the next run resumes from it
    listed = runner.invoke(app, ["connect", "list"], env=env)
    assert "\tdisconnected\tlast message: 20" in listed.output, listed.output
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for text in (added.output, result.output, listed.output, logged):
        assert token not in text
