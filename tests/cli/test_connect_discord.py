"""``chatwarden connect add discord``, ``connect run`` and ``connect discord-rules`` for a
stored Discord connection, against the local fake Discord (Gateway and REST on 127.0.0.1): the
bot token is stored sealed and never printed, and the command deletes a threat through REST
until Ctrl-C."""

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
from tests.connectors.discord.fake import CHANNEL, GUILD, TOKEN, FakeDiscord

runner = CliRunner()
BOT = "1100000000000000001"
ADD = [
    *("connect", "add", "discord", "--into", "mychan", "--guild", GUILD, "--channel", CHANNEL),
    *("--bot", BOT, "--role", "1300000000000000003=moderator"),
]


def test_add_discord_stores_the_token_sealed_with_the_role_map(database: str) -> None:  # noqa: F811
    env = {"CHATWARDEN_DATABASE_URL": database, "CHATWARDEN_CONNECTOR_KEYS": generate_key()}
    added = runner.invoke(app, [*ADD, "--credential-stdin"], input=f"Bot {TOKEN}\n", env=env)
    assert added.exit_code == 0, added.output
    assert f"connection 1: discord guild {GUILD} channel {CHANNEL} as {BOT}" in added.output
    (row,) = raw(database)
    assert (row["platform"], row["target"], row["room"], row["account"]) == (
        "discord",
        GUILD,
        CHANNEL,
        BOT,
    )
    assert row["options"] == {
        "tls": True,
        "roles": {"1300000000000000003": "moderator"},
        "warn": "skip",
    }
    assert TOKEN not in str(row) and TOKEN not in added.output
    listed = runner.invoke(app, ["connect", "list"], env=env)
    assert f"\tdiscord\t{GUILD}\t{CHANNEL}\t{BOT}\tdisconnected" in listed.output
    for bad in (["--role", "x=moderator"], ["--role", "1=owner"]):
        refused = runner.invoke(app, [*ADD, *bad, "--credential-stdin"], input=TOKEN, env=env)
        assert refused.exit_code != 0 and "ROLE_ID=ROLE" in refused.output
    no_token = runner.invoke(app, ADD, env=env)
    assert no_token.exit_code != 0 and "bot token" in no_token.output
    not_an_id = [*ADD[:-4], "--bot", "cwbot", "--credential-stdin"]
    refused = runner.invoke(app, not_an_id, input=TOKEN, env=env)
    assert refused.exit_code != 0 and "a Discord id is digits" in refused.output


def test_run_a_stored_discord_connection_against_the_fake_until_ctrl_c(
    database: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
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
    fakes: list[FakeDiscord] = []

    async def discord() -> None:
        fake = await FakeDiscord().start()
        fakes.append(fake)
        try:
            urls.set()
            await fake.wait_frame(2, timeout=30)  # IDENTIFY
            await fake.message("1318100000000000070", "i will kill you")
            await asyncio.wait_for(_calls(fake, "DELETE", 1), 10)
            await asyncio.sleep(1.5)  # the status is written at most once a second
            if not cli_running.acquire(blocking=False):
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C
            await asyncio.sleep(1)
        finally:
            await fake.stop()

    def serve() -> None:
        try:
            asyncio.run(discord())
        except BaseException as exc:
            failure.append(exc)
            urls.set()
            if not cli_running.acquire(blocking=False):
                os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=serve)
    thread.start()
    assert urls.wait(10)
    (fake,) = fakes
    env["CHATWARDEN_DISCORD_GATEWAY_URL"] = fake.gateway_url
    env["CHATWARDEN_DISCORD_API_URL"] = fake.api_base
    with cli_running:
        result = runner.invoke(app, ["connect", "run", "1"], env=env)
    thread.join(30)
    if failure:
        raise failure[0]
    assert result.exit_code == 0, result.output
    assert "stopped: 1 decided, 0 replayed, 1 acted" in result.output
    (deleted,) = fake.calls("DELETE")
    assert deleted.path == f"/api/v10/channels/{CHANNEL}/messages/1318100000000000070"
    assert deleted.reason == "ChatWarden: held for review (aggression)"
    listed = runner.invoke(app, ["connect", "list"], env=env)
    assert "\tdisconnected\tlast message: 20" in listed.output, listed.output
    (row,) = raw(database)  # the guild's own AutoMod rules, kept for Mod View
    options = row["options"]
    assert isinstance(options, dict)
    assert [r["name"] for r in options["platform_rules"]] == ["Keyword Filter 1", "Mention Spam"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for text in (added.output, result.output, listed.output, logged):
        assert TOKEN not in text


async def _calls(fake: FakeDiscord, method: str, count: int) -> None:
    while len(fake.calls(method)) < count:
        await asyncio.sleep(0.02)


def test_discord_rules_lists_the_guilds_own_automod_rules(database: str) -> None:  # noqa: F811
    env = {"CHATWARDEN_DATABASE_URL": database, "CHATWARDEN_CONNECTOR_KEYS": generate_key()}
    added = runner.invoke(app, [*ADD, "--credential-stdin"], input=f"{TOKEN}\n", env=env)
    assert added.exit_code == 0, added.output
    ready = threading.Event()
    done = threading.Event()
    fakes: list[FakeDiscord] = []

    async def discord() -> None:
        fake = await FakeDiscord().start()
        fakes.append(fake)
        ready.set()
        while not done.is_set():
            await asyncio.sleep(0.02)
        await fake.stop()

    thread = threading.Thread(target=lambda: asyncio.run(discord()))
    thread.start()
    try:
        assert ready.wait(10)
        env["CHATWARDEN_DISCORD_API_URL"] = fakes[0].api_base
        result = runner.invoke(app, ["connect", "discord-rules", "1"], env=env)
    finally:
        done.set()
        thread.join(10)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "1600000000000000001\tKeyword Filter 1\tenabled\ttrigger: keyword\tactions: "
        "block_message, send_alert_message, timeout\texempt roles: 1",
        "1600000000000000002\tMention Spam\tdisabled\ttrigger: mention_spam\tactions: "
        "block_message\texempt roles: 0",
    ]
    (get,) = fakes[0].requests
    assert get.path == f"/api/v10/guilds/{GUILD}/auto-moderation/rules"
    assert TOKEN not in result.output
