"""``chatwarden connect add twitch`` and ``connect run`` for a stored Twitch EventSub connection,
against the local fake Twitch (EventSub WebSocket and Helix on 127.0.0.1): the token is stored
sealed and never printed, and the command deletes a held message through Helix until Ctrl-C;
an expired token stored with its refresh token is refreshed and the new pair stored sealed."""

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
from chatwarden.store.secretbox import SecretBox, generate_key
from tests.cli.test_connections import database, raw  # noqa: F401
from tests.connectors.twitch.fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    TOKEN,
    FakeTwitch,
    chat,
    running,
)

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
    assert row["options"] == {
        "tls": True,
        "client_id": CLIENT_ID,
        "automod": False,
        "token_refresh": False,
    }
    assert TOKEN not in str(row) and TOKEN not in added.output
    listed = runner.invoke(app, ["connect", "list"], env=env)
    assert "\ttwitch\teventsub\tcool_streamer\tcw_bot\tdisconnected" in listed.output
    bad = runner.invoke(app, [*ADD[:-1], "--credential-stdin"], input="\n", env=env)
    assert bad.exit_code != 0


EXPIRED = "expired-cli-token-value"


@pytest.mark.parametrize("refresh", [False, True], ids=["token", "expired-token-refreshed"])
def test_run_a_stored_twitch_connection_against_the_fake_until_ctrl_c(
    database: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    refresh: bool,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeTwitch()
    key = generate_key()
    env = {
        "CHATWARDEN_DATABASE_URL": database,
        "CHATWARDEN_CONNECTOR_KEYS": key,
        "CW_TOKEN": EXPIRED if refresh else TOKEN,
        "CW_REFRESH": REFRESH_TOKEN,
        "CW_CLIENT_SECRET": CLIENT_SECRET,
    }
    more = ["--refresh-token-env", "CW_REFRESH", "--client-secret-env", "CW_CLIENT_SECRET"]
    added = runner.invoke(
        app, [*ADD, "--credential-env", "CW_TOKEN", *(more if refresh else [])], env=env
    )
    assert added.exit_code == 0, added.output
    for name in ("CW_TOKEN", "CW_REFRESH", "CW_CLIENT_SECRET"):
        del env[name]
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
    env["CHATWARDEN_TWITCH_TOKEN_URL"] = fake.token_url
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
    (row,) = raw(database)
    stored = json.loads(SecretBox([key]).open(row["credential"]))
    secrets = [TOKEN, EXPIRED, REFRESH_TOKEN, CLIENT_SECRET, fake.token, str(fake.refresh_token)]
    if refresh:  # refreshed once, at the start; the new pair is what the next run starts with
        assert fake.refreshed == 1 and row["options"]["token_refresh"] is True
        assert stored == {
            "secret": fake.token,
            "oper_password": None,
            "refresh_token": fake.refresh_token,
            "client_secret": CLIENT_SECRET,
        }
    else:
        assert fake.refreshed == 0 and stored["secret"] == TOKEN
    for text in (added.output, result.output, listed.output, logged, str(row)):
        for secret in secrets:
            assert secret not in text
