"""``chatwarden connect automod ID pull|push [--dry-run]`` against the local fake Twitch: the
dry run prints the difference and changes nothing, pull makes Twitch's levels the channel's
(mod log), push writes the channel's to Twitch, a missing scope is a clear error, and the
token is never printed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from chatwarden.categories import CATEGORIES
from chatwarden.cli import app
from chatwarden.services import build_services
from chatwarden.store.secretbox import generate_key
from tests.cli.test_connections import database  # noqa: F401
from tests.connectors.twitch.fake import BROADCASTER, CLIENT_ID, TOKEN, FakeTwitch, fixture, running
from tests.service.conftest import PASSWORD, make_config

runner = CliRunner()
ADD = [
    *("connect", "add", "twitch", "--into", "mychan", "--channel", "cool_streamer"),
    *("--bot", "cw_bot", "--client-id", CLIENT_ID, "--credential-env", "CW_TOKEN"),
]


@pytest.fixture
def fake() -> Iterator[FakeTwitch]:
    """The fake Twitch served from a thread while the test runs the command."""
    twitch = FakeTwitch()
    up, down = threading.Event(), threading.Event()

    async def serve() -> None:
        async with running(twitch):
            up.set()
            while not down.is_set():
                await asyncio.sleep(0.02)

    thread = threading.Thread(target=lambda: asyncio.run(serve()))
    thread.start()
    assert up.wait(10)
    try:
        yield twitch
    finally:
        down.set()
        thread.join(10)


def levels(database: str) -> dict[str, object]:  # noqa: F811
    services = build_services(make_config(database))
    try:
        owner = services.accounts.authenticate(services.accounts.login("olivia", PASSWORD).token)
        channel = services.channels.get_channel_by_name("mychan")
        settings = services.automod.get_settings(owner, channel.id)
        return {"overall_level": settings.overall_level, **settings.category_levels()}
    finally:
        services.close()


def test_dry_run_pull_and_push_against_the_fake(database: str, fake: FakeTwitch) -> None:  # noqa: F811
    env = {
        "CHATWARDEN_DATABASE_URL": database,
        "CHATWARDEN_CONNECTOR_KEYS": generate_key(),
        "CW_TOKEN": TOKEN,
        "CHATWARDEN_TWITCH_HELIX_URL": fake.helix_url,
        "CHATWARDEN_TWITCH_TOKEN_URL": fake.token_url,
    }
    assert runner.invoke(app, ADD, env=env).exit_code == 0
    del env["CW_TOKEN"]
    row = fixture("helix/update_automod_settings.response.json")["data"][0]
    fake.automod[BROADCASTER["id"]] = dict(row)  # Twitch's channel is at level 3
    before = levels(database)

    dry = runner.invoke(app, ["connect", "automod", "1", "pull", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "differences (ChatWarden -> Twitch):" in dry.output
    assert "  overall_level: chatwarden 2, twitch 3" in dry.output
    assert "not mapped: vip_exempt=true" in dry.output
    assert "dry run: nothing changed" in dry.output
    assert levels(database) == before

    pulled = runner.invoke(app, ["connect", "automod", "1", "pull"], env=env)
    assert pulled.exit_code == 0, pulled.output
    assert "pulled: the channel's AutoMod levels are now Twitch's" in pulled.output
    assert levels(database) == {"overall_level": 3, **{c: row[c] for c in CATEGORIES}}
    same = runner.invoke(app, ["connect", "automod", "1", "push"], env=env)
    assert "are the same; nothing to do" in same.output
    assert not fake.helix_calls("PUT", "/helix/moderation/automod/settings")

    fake.automod[BROADCASTER["id"]].update(overall_level=None, swearing=4)
    push_dry = runner.invoke(app, ["connect", "automod", "1", "push", "--dry-run"], env=env)
    assert "  swearing: chatwarden 0, twitch 4" in push_dry.output
    assert "would send to Twitch: overall_level=3" in push_dry.output
    assert not fake.helix_calls("PUT", "/helix/moderation/automod/settings")
    pushed = runner.invoke(app, ["connect", "automod", "1", "push"], env=env)
    assert pushed.exit_code == 0, pushed.output
    assert "sent to Twitch: overall_level=3" in pushed.output
    assert "pushed: Twitch's AutoMod settings are now the channel's" in pushed.output
    assert fake.automod[BROADCASTER["id"]]["swearing"] == 0

    fake.scopes = {"moderator:read:automod_settings"}
    fake.automod[BROADCASTER["id"]]["swearing"] = 4
    refused = runner.invoke(app, ["connect", "automod", "1", "push"], env=env)
    assert refused.exit_code != 0
    assert "lacks the scope moderator:manage:automod_settings" in refused.output
    bad = runner.invoke(app, ["connect", "automod", "1", "sideways"], env=env)
    assert bad.exit_code != 0 and "pull' or 'push'" in bad.output
    for result in (dry, pulled, same, push_dry, pushed, refused):
        assert TOKEN not in result.output
