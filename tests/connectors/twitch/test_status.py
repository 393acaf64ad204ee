"""A stored Twitch EventSub connection run against the fake Twitch reports its status into its
row: connected with the last message's time, and an error (the token refused: 401) that names
the cause without the token; an unreachable Helix is an error with its reason."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chatwarden.connectors.base import PlatformUser
from chatwarden.connectors.runner import ConnectorRunner
from chatwarden.connectors.twitch.client import TwitchConnector, TwitchSettings
from chatwarden.model import Model
from chatwarden.service.platform.connections import EVENTSUB, ConnectionSpec, Credentials
from chatwarden.services import Services, build_services
from chatwarden.store.secretbox import generate_key
from tests.connectors.conftest import _free_port
from tests.connectors.twitch.fake import BOT, CLIENT_ID, TOKEN, FakeTwitch, chat, running
from tests.service.conftest import make_actor, make_config


@pytest.fixture
def keyed(_sqlite_template: Path, tmp_path: Path, model: Model) -> Iterator[Services]:
    path = tmp_path / "chatwarden.db"
    shutil.copyfile(_sqlite_template, path)
    config = make_config(f"sqlite:///{path}", connector_keys=generate_key())
    svc = build_services(config, model=model, migrate=False)
    try:
        yield svc
    finally:
        svc.close()


def stored_runner(services: Services, token: str, ws_url: str, helix_url: str) -> ConnectorRunner:
    """What ``chatwarden connect run`` does with a stored Twitch EventSub connection."""
    owner = make_actor(services, "olivia")
    channel = services.channels.create_channel(owner, "cool_streamer")
    spec = ConnectionSpec("twitch", EVENTSUB, "cool_streamer", BOT["login"], client_id=CLIENT_ID)
    made = services.connections.add(owner, channel.id, spec, Credentials(token))
    stored = services.connections.runnable(made.id)
    secret = stored.credentials.secret
    assert secret == token
    c = stored.connection
    settings = TwitchSettings(
        c.room,
        c.account,
        str(c.options["client_id"]),
        secret,
        eventsub_url=ws_url,
        helix_url=helix_url,
        backoff_base_s=0.05,
        backoff_cap_s=0.2,
    )
    return ConnectorRunner(
        services,
        TwitchConnector(settings),
        stored.channel_name,
        PlatformUser("twitch", c.account, c.account),
        connection_id=made.id,
        secrets=stored.credentials.values(),
        status_interval_s=0.05,
    )


async def until(pred: Callable[[], bool], timeout: float = 10.0) -> None:
    async def wait() -> None:
        while not pred():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)


def test_connected_with_the_last_message_then_a_refused_token_is_the_error(
    keyed: Services,
) -> None:
    fake = FakeTwitch()

    async def main() -> int:
        async with running(fake):
            runner = stored_runner(keyed, TOKEN, fake.ws_url, fake.helix_url)
            assert runner.status is not None
            cid = runner.status.connection_id
            task = asyncio.create_task(runner.run())
            await until(lambda: keyed.connections.get(cid).status == "connected")
            session = await fake.session(0)
            await session.ws.send(json.dumps(chat("s-1", "hello all")))
            await until(lambda: keyed.connections.get(cid).last_message_at is not None)
            fake.token = "revoked"  # the next Helix call is refused
            await session.ws.send(json.dumps(chat("s-2", "i will kill you")))
            await asyncio.wait_for(task, 10)  # it stops by itself
            await runner.close()
            return cid

    cid = asyncio.run(main())
    after = keyed.connections.get(cid)
    assert after.last_message_at is not None
    assert after.last_error is not None and "401" in after.last_error
    assert "expired or was revoked" in after.last_error and TOKEN not in after.last_error


def test_an_unreachable_helix_is_an_error_with_its_reason(keyed: Services) -> None:
    port = _free_port()
    runner = stored_runner(keyed, TOKEN, f"ws://127.0.0.1:{port}/ws", f"http://127.0.0.1:{port}")
    assert runner.status is not None
    cid = runner.status.connection_id

    async def main() -> None:
        task = asyncio.create_task(runner.run())
        await until(lambda: keyed.connections.get(cid).status == "error")
        await runner.close()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())
    after = keyed.connections.get(cid)
    assert after.last_error is not None and "Connect" in after.last_error
    assert TOKEN not in after.last_error
