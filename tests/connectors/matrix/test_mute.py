"""A ChatWarden timeout in a Matrix room is a mute: the pure power-level arithmetic, then
against a real Synapse a muted member cannot send until the timeout ends, the mute survives a
restart (the store keeps what to put back), an untimeout lifts it at once, and a bot without
the power to change the power levels kicks instead and says so."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from chatwarden.connectors.base import PlatformUser
from chatwarden.connectors.matrix.apply import MemoryMutes
from chatwarden.connectors.matrix.client import MatrixConnector
from chatwarden.connectors.matrix.mute import (
    level_of,
    mute_refusal,
    muted,
    muted_level,
    restored,
    send_level,
)
from chatwarden.connectors.runner import ConnectorRunner
from chatwarden.service.chat.platform import PlatformSender
from chatwarden.service.types import Actor
from chatwarden.services import Services
from tests.connectors.matrix.conftest import Room
from tests.connectors.matrix.test_client import owner_of, say, settings, text, until

PL = {
    "users": {"@bot:x": 50, "@mod:x": 50, "@vip:x": 5},
    "users_default": 0,
    "events_default": 0,
    "events": {"m.room.power_levels": 50},
}


def test_the_muted_level_is_below_what_sending_a_message_needs() -> None:
    assert (send_level(PL), muted_level(PL)) == (0, -1)
    assert send_level({**PL, "events": {"m.room.message": 10}}) == 10
    assert send_level({}) == 0
    assert level_of(PL, "@vip:x") == 5 and level_of(PL, "@nobody:x") == 0


def test_a_mute_keeps_what_to_put_back_and_puts_back_only_its_own_entry() -> None:
    found = muted(PL, "@vip:x")
    assert found is not None
    content, previous = found
    assert (content["users"]["@vip:x"], previous) == (-1, 5)
    assert PL["users"]["@vip:x"] == 5  # the given content is left as it was
    back = restored(content, "@vip:x", previous, -1)
    assert back is not None and back["users"] == PL["users"]
    fresh = muted(PL, "@new:x")
    assert fresh is not None and fresh[1] is None
    gone = restored(fresh[0], "@new:x", None, -1)
    assert gone is not None and "@new:x" not in gone["users"]  # no entry, as before
    # a moderator changed the level meanwhile: theirs stays
    assert restored({**PL, "users": {"@vip:x": 20}}, "@vip:x", 5, -1) is None
    # cannot send already: nothing to do
    assert muted({**PL, "users_default": -5}, "@low:x") is None


def test_why_the_bot_cannot_mute() -> None:
    assert mute_refusal(PL, "@bot:x", "@vip:x") is None
    assert "needs power level 100" in str(
        mute_refusal({**PL, "events": {}, "state_default": 100}, "@bot:x", "@vip:x")
    )
    assert "not below the bot's" in str(mute_refusal(PL, "@bot:x", "@mod:x"))
    assert "creator" in str(mute_refusal(PL, "@bot:x", "@owner:x", frozenset({"@owner:x"})))
    assert mute_refusal(PL, "@owner:x", "@mod:x", frozenset({"@owner:x"})) is None


# -- against Synapse ----------------------------------------------------------------------

Body = Callable[[MatrixConnector, ConnectorRunner], Awaitable[None]]


async def session(
    services: Services, room: Room, body: Body, mutes: MemoryMutes
) -> MatrixConnector:
    connector = MatrixConnector(settings(room), mutes=mutes)
    bot = PlatformUser("matrix", room.bot.user_id, room.bot.user_id)
    runner = ConnectorRunner(services, connector, "matrixchat", bot)
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.wait_for(connector.ready.wait(), 10)
        await body(connector, runner)
        await connector.applier.drain()
    finally:
        await runner.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, 10)
    return connector


def let_the_bot_set_power_levels(room: Room) -> None:
    """The room's power levels let a level-50 bot change them (Synapse's presets ask 100)."""
    content = room.state("m.room.power_levels")
    content["events"] = {**content.get("events", {}), "m.room.power_levels": 50}
    path = f"/_matrix/client/v3/rooms/{room.room_id}/state/m.room.power_levels/"
    room.server.api(room.owner, "PUT", path, json=content)


def can_send(room: Room) -> bool:
    path = f"/_matrix/client/v3/rooms/{room.room_id}/send/m.room.message/t{time.monotonic_ns()}"
    try:
        room.server.api(room.viewer, "PUT", path, json=text("am i heard"))
    except RuntimeError as exc:
        assert " 403 " in str(exc), exc
        return False
    return True


def viewer_level(room: Room) -> Any:
    return room.state("m.room.power_levels")["users"].get(room.viewer.user_id)


async def timeout_viewer(
    services: Services, room: Room, runner: ConnectorRunner, s: int
) -> tuple[Actor, int, int]:
    """The viewer speaks (so the runner knows them), then a ChatWarden timeout of ``s``
    seconds: the owner, the channel and the viewer's ChatWarden id."""
    said = await say(room.server, room.viewer, room.room_id, text("hello there"))
    await until(lambda: any(o.message.message_id == said for o in runner.stats.outcomes))
    channel_id = await runner.start()
    bob = runner.platform.actor(
        PlatformSender("matrix", room.viewer.user_id, room.viewer.user_id)
    ).user_id
    owner = owner_of(services, channel_id)
    await asyncio.to_thread(services.actions.timeout, owner, channel_id, bob, s, "cool off")
    return owner, channel_id, bob


def test_a_muted_member_cannot_send_until_the_timeout_ends(services: Services, room: Room) -> None:
    let_the_bot_set_power_levels(room)
    assert can_send(room)
    mutes = MemoryMutes()
    heard: list[bool] = []

    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await timeout_viewer(services, room, runner, 2)
        await until(lambda: room.viewer.user_id in connector.applier.mutes)
        assert viewer_level(room) == -1
        assert mutes.mutes[room.viewer.user_id]["previous"] is None
        heard.append(await asyncio.to_thread(can_send, room))
        await until(lambda: not connector.applier.mutes, timeout=10)
        heard.append(await asyncio.to_thread(can_send, room))

    connector = asyncio.run(session(services, room, body, mutes))
    assert heard == [False, True]
    assert viewer_level(room) is None  # no entry again: the room's default
    assert room.state("m.room.member", room.viewer.user_id)["membership"] == "join"
    assert [c.kind for c in connector.applier.sent] == ["state", "state"]
    assert mutes.mutes == {}


def test_a_mute_is_put_back_after_a_restart_and_an_untimeout_lifts_one_at_once(
    services: Services, room: Room
) -> None:
    let_the_bot_set_power_levels(room)
    mutes = MemoryMutes()

    async def first(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await timeout_viewer(services, room, runner, 1)
        await until(lambda: room.viewer.user_id in connector.applier.mutes)

    asyncio.run(session(services, room, first, mutes))
    assert viewer_level(room) == -1 and room.viewer.user_id in mutes.mutes  # stopped muted
    time.sleep(1.2)  # it ends while no bot runs

    async def second(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await until(lambda: not connector.applier.mutes)

    asyncio.run(session(services, room, second, mutes))
    assert viewer_level(room) is None and mutes.mutes == {}
    assert can_send(room)

    async def third(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        owner, channel_id, bob = await timeout_viewer(services, room, runner, 600)
        await until(lambda: room.viewer.user_id in connector.applier.mutes)
        assert not await asyncio.to_thread(can_send, room)
        await asyncio.to_thread(services.actions.untimeout, owner, channel_id, bob)
        await until(lambda: not connector.applier.mutes)

    asyncio.run(session(services, room, third, mutes))
    assert viewer_level(room) is None and can_send(room)


def test_a_bot_that_cannot_change_power_levels_kicks_and_says_so(
    services: Services, room: Room
) -> None:
    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await timeout_viewer(services, room, runner, 600)
        await until(lambda: len(connector.applier.sent) == 1)

    connector = asyncio.run(session(services, room, body, MemoryMutes()))
    assert [c.kind for c in connector.applier.sent] == ["kick"]
    assert room.state("m.room.member", room.viewer.user_id)["membership"] == "leave"
    assert connector.last_error is not None
    assert "could not mute" in connector.last_error and "kicked instead" in connector.last_error
    assert "needs power level 100" in connector.last_error
