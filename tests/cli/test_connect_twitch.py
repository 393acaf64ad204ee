"""``chatwarden connect add twitch`` and ``connect run`` for a stored Twitch EventSub connection,
against the local fake Twitch (EventSub WebSocket and Helix on 127.0.0.1): the token is stored
sealed and never printed, and the command deletes a held message through Helix until Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import threading

import pytest
from typer.testing import CliRunner

from chatwarden.cli import app
from chatwarden.store.secretbox import generate_key
from tests.cli.test_connections import database, raw  # noqa: F401
from tests.connectors.twitch.fake import CLIENT_ID, TOKEN, FakeTwitch, chat, running

runner = CliRunner()
ADD = [
    *("connect", "add", "twitch", "--into", "mychan", "--channel", "cool_streamer"),
    *("--bot", "cw_bot", "--client-id", CLIENT_ID),
]


def test_add_twitch_stores_the_token_sealed_and_lists_it(database: str) -> None:  # noqa: F811
    env = {"CHATWARDEN_DATABASE_URL": database, "CHATWARDEN_CONNECTOR_KEYS": generate_key()}
    added = runner.invoke(app, [*ADD, "--credential-stdin"], input=f"oauth:{TOKEN}\n", env=env)
    assert added.exit_code == 0, added.output
    assert "connection 1: twitch EventSub cool_streamer as cw_bot" in added.output
    (row,) = raw(database)
    assert (row["platform"], row["target"], row["room"], row["account"]) == (
        "twitch",
        "eventsub",
        "cool_streamer",
        "cw_bot",
    )
    assert row["options"] == {"tls": True, "client_id": CLIENT_ID, "automod": False}
    assert TOKEN not in str(row) and TOKEN not in added.output
    listed = runner.invoke(app, ["connect", "list"], env=env)
    assert "\ttwitch\teventsub\tcool_streamer\tcw_bot\tdisconnected" in listed.output
    bad = runner.invoke(app, [*ADD[:-1], "--credential-stdin"], input="\n", env=env)
    assert bad.exit_code != 0


def test_run_a_stored_twitch_connection_against_the_fake_until_ctrl_c(
    database: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeTwitch()
    env = {
        "CHATWARDEN_DATABASE_URL": database,
        "CHATWARDEN_CONNECTOR_KEYS": generate_key(),
        "CW_TOKEN": TOKEN,
    }
    added = runner.invoke(app, [*ADD, "--credential-env", "CW_TOKEN"], env=env)
    assert added.exit_code == 0, added.output
    del env["CW_TOKEN"]
    failure: list[BaseException] = []
    urls = threading.Event()
    cli_running = threading.Lock()

    async def twitch() -> None:
        async with running(fake):
            urls.set()
            session = await fake.session(0, timeout=30)
            await fake.subscribed(session.id, 1, timeout=10)
            await session.ws.send(json.dumps(chat("cli-1", "i will kill you")))
            await fake.wait_calls("DELETE", "/helix/moderation/chat", 1, timeout=10)
            await asyncio.sleep(1.5)  # the status is written at most once a second
            if not cli_running.acquire(blocking=False):
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C
            await asyncio.sleep(1)

    def serve() -> None:
        try:
            asyncio.run(twitch())
        except BaseException as exc:
            failure.append(exc)
            urls.set()
            if not cli_running.acquire(blocking=False):
                os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=serve)
    thread.start()
    assert urls.wait(10)
    env["CHATWARDEN_TWITCH_EVENTSUB_URL"] = fake.ws_url
    env["CHATWARDEN_TWITCH_HELIX_URL"] = fake.helix_url
    with cli_running:
        result = runner.invoke(app, ["connect", "run", "1"], env=env)
    thread.join(30)
    if failure:
        raise failure[0]
    assert result.exit_code == 0, result.output
    assert "stopped: 1 decided, 0 replayed, 1 acted" in result.output
    (deleted,) = fake.helix_calls("DELETE", "/helix/moderation/chat")
    assert deleted.params == {
        "broadcaster_id": "1337",
        "moderator_id": "9001",
        "message_id": "cli-1",
    }
    listed = runner.invoke(app, ["connect", "list"], env=env)
    assert "\tdisconnected\tlast message: 20" in listed.output, listed.output
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for text in (added.output, result.output, listed.output, logged):
        assert TOKEN not in text
