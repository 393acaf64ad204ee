"""A stored connection run against a real IRC server (ngIRCd) reports its status into its
record: connected once the bot is in the channel, the last message's time, disconnected when
it stops; a server that cannot be reached is an error with the reason (secrets masked)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatwarden.connectors.base import PlatformUser
from chatwarden.connectors.irc.client import IrcConnector, IrcSettings
from chatwarden.connectors.runner import ConnectorRunner
from chatwarden.connectors.status import MASK, scrub
from chatwarden.model import Model
from chatwarden.service.platform.connections import ConnectionSpec, Credentials
from chatwarden.services import Services, build_services
from chatwarden.store.secretbox import generate_key
from tests.connectors.conftest import OPER, IrcServer, RawClient, _free_port
from tests.connectors.irc.test_client import BANTER, running, until
from tests.service.conftest import make_actor, make_config


@pytest.fixture
def keyed(_sqlite_template: Path, tmp_path: Path, model: Model) -> Iterator[Services]:
    """Services on a fresh SQLite copy with a connector key, the real clock."""
    path = tmp_path / "chatwarden.db"
    shutil.copyfile(_sqlite_template, path)
    config = make_config(f"sqlite:///{path}", connector_keys=generate_key())
    svc = build_services(config, model=model, migrate=False)
    try:
        yield svc
    finally:
        svc.close()


def stored_runner(services: Services, host: str, port: int, room: str) -> ConnectorRunner:
    """What ``chatwarden connect run`` does: a stored connection, opened and run."""
    owner = make_actor(services, "olivia")
    channel = services.channels.create_channel(owner, room.lstrip("#"))
    spec = ConnectionSpec("irc", f"{host}:{port}", room, "cwbot", oper=OPER[0])
    made = services.connections.add(owner, channel.id, spec, Credentials(None, OPER[1]))
    stored = services.connections.runnable(made.id)
    creds = stored.credentials
    assert creds.oper_password == OPER[1]
    settings = IrcSettings(
        host,
        port,
        room,
        "cwbot",
        oper=(OPER[0], creds.oper_password),
        backoff_base_s=0.05,
        backoff_cap_s=0.2,
        connect_timeout_s=2,
    )
    return ConnectorRunner(
        services,
        IrcConnector(settings),
        stored.channel_name,
        PlatformUser("irc", "cwbot", "cwbot"),
        connection_id=made.id,
        secrets=creds.values(),
        status_interval_s=0.05,
    )


def test_status_connected_last_message_then_disconnected(
    irc_server: IrcServer, keyed: Services
) -> None:
    runner = stored_runner(keyed, irc_server.host, irc_server.port, "#delta")
    assert runner.status is not None
    cid = runner.status.connection_id
    assert keyed.connections.get(cid).status == "disconnected"

    async def body() -> None:
        await until(lambda: keyed.connections.get(cid).status == "connected")
        assert keyed.connections.get(cid).last_message_at is None
        alice = await RawClient.connect(irc_server, "alice")
        await alice.join("#delta")
        alice.say("#delta", BANTER)
        await until(lambda: keyed.connections.get(cid).last_message_at is not None)
        await until(lambda: runner.stats.decided == 1)  # set as the batch starts, not ends
        await alice.close()

    asyncio.run(running(runner, body))
    after = keyed.connections.get(cid)
    assert after.status == "disconnected"
    assert after.last_message_at is not None and after.last_error is None
    assert runner.stats.decided == 1


def test_an_unreachable_server_is_an_error_with_its_reason(keyed: Services) -> None:
    runner = stored_runner(keyed, "127.0.0.1", _free_port(), "#echo")
    assert runner.status is not None
    cid = runner.status.connection_id

    async def body() -> None:
        await until(lambda: keyed.connections.get(cid).status == "error")

    asyncio.run(running(runner, body))
    after = keyed.connections.get(cid)
    assert after.last_error is not None and "Connect" in after.last_error
    assert OPER[1] not in after.last_error
    assert after.status == "disconnected"  # stopped; the last error stays


def test_scrub_masks_every_secret() -> None:
    assert scrub(None, ["x"]) is None
    said = "464 cwbot :Password incorrect (got hunter2, oper s3cret)"
    assert scrub(said, ["hunter2", "s3cret", ""]) == (
        f"464 cwbot :Password incorrect (got {MASK}, oper {MASK})"
    )


def test_removing_the_connection_stops_its_runner(irc_server: IrcServer, keyed: Services) -> None:
    runner = stored_runner(keyed, irc_server.host, irc_server.port, "#foxtrot")
    assert runner.status is not None
    cid = runner.status.connection_id

    async def scenario() -> None:
        task = asyncio.create_task(runner.run())
        await until(lambda: keyed.connections.get(cid).status == "connected")
        owner = keyed.connections.owner_of(keyed.connections.get(cid).channel_id)
        await asyncio.to_thread(keyed.connections.remove, owner, cid)
        await asyncio.wait_for(task, 5)  # it ends by itself: nobody called close()

    asyncio.run(scenario())
    assert runner.status.removed
    assert keyed.connections.list_all() == []
