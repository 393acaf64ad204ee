"""The Matrix connector against a real homeserver (Synapse on loopback), through the runner and
the real services on SQLite: other members speak through matrix-nio, the bot redacts, kicks and
bans in the room, and what the room's state says afterwards is read back from Synapse."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa

from chatwarden.connectors.base import PlatformUser
from chatwarden.connectors.matrix.client import MatrixConnector, MatrixSettings, MemoryCursor
from chatwarden.connectors.runner import ConnectorRunner
from chatwarden.service.chat.platform import PlatformSender
from chatwarden.service.types import Actor
from chatwarden.services import Services
from chatwarden.settings import Role
from chatwarden.store.schema import messages
from tests.connectors.matrix.conftest import Room, make_room, say
from tests.connectors.matrix.synapse import Synapse

THREAT = "i will kill you"
BANTER = "gg everyone, nice play"

Body = Callable[[MatrixConnector, ConnectorRunner], Awaitable[None]]


async def until(pred: Callable[[], bool], timeout: float = 10.0) -> None:
    async def wait() -> None:
        while not pred():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)


def settings(room: Room, **kw: Any) -> MatrixSettings:
    """Settings for ``room``'s bot, with short sync and back-off times; ``kw`` replaces any."""
    base = MatrixSettings(
        room.server.url,
        room.alias,
        room.bot.user_id,
        room.bot.access_token,
        sync_timeout_ms=1000,
        backoff_base_s=0.05,
        backoff_cap_s=0.2,
    )
    return dataclasses.replace(base, **kw)


async def session(
    services: Services,
    room: Room,
    body: Body,
    *,
    cursor: MemoryCursor | None = None,
    **kw: Any,
) -> tuple[MatrixConnector, ConnectorRunner]:
    connector = MatrixConnector(settings(room, **kw), cursor)
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
    return connector, runner


def text(body: str) -> dict[str, Any]:
    return {"msgtype": "m.text", "body": body}


def seen(runner: ConnectorRunner) -> int:
    return runner.stats.decided + runner.stats.replayed


def redacted_because(room: Room, event_id: str) -> Any:
    return room.event(event_id).get("unsigned", {}).get("redacted_because")


def owner_of(services: Services, channel_id: int) -> Actor:
    return Actor(services.channels.get_channel(channel_id).owner_id, "owner")


def test_a_viewers_threat_is_redacted_held_and_reposted_when_allowed(
    services: Services, room: Room
) -> None:
    ids: dict[str, str] = {}

    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        ids["banter"] = await say(room.server, room.viewer, room.room_id, text(BANTER))
        ids["threat"] = await say(room.server, room.viewer, room.room_id, text(THREAT))
        await until(lambda: seen(runner) == 2)
        await until(lambda: len(connector.applier.sent) == 1)
        channel_id = await runner.start()
        owner = owner_of(services, channel_id)
        (item,) = services.review.list_pending(owner, channel_id)
        assert item.message.text == THREAT
        await asyncio.to_thread(services.review.resolve, owner, item.id, "allow")
        await until(lambda: len(connector.applier.sent) == 2)

    connector, runner = asyncio.run(session(services, room, body))
    statuses = {o.message.message_id: o.status for o in runner.stats.outcomes}
    assert statuses == {ids["banter"]: "delivered", ids["threat"]: "held"}
    assert redacted_because(room, ids["banter"]) is None
    redaction = redacted_because(room, ids["threat"])
    assert redaction["sender"] == room.bot.user_id
    assert redaction["content"]["reason"] == "ChatWarden: held for review (aggression)"
    assert room.event(ids["threat"])["content"] == {}  # what members see now: nothing
    redact, repost = connector.applier.sent
    assert (redact.kind, repost.kind) == ("redact", "send")
    assert repost.json is not None
    assert (
        repost.json["body"]
        == f"{room.viewer.user_id.split(':')[0][1:]} (held, allowed by a moderator):\n> {THREAT}"
    )
    assert repost.json["m.mentions"] == {}


def test_moderation_in_chatwarden_is_a_kick_a_ban_and_an_unban_in_the_room(
    services: Services, room: Room
) -> None:
    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await say(room.server, room.viewer, room.room_id, text("hello there"))
        await until(lambda: seen(runner) == 1)
        channel_id = await runner.start()
        owner = owner_of(services, channel_id)
        bob = runner.platform.actor(
            PlatformSender("matrix", room.viewer.user_id, room.viewer.user_id)
        ).user_id
        await asyncio.to_thread(services.actions.timeout, owner, channel_id, bob, 600, "cool off")
        await until(lambda: len(connector.applier.sent) == 1)
        kicked = room.state("m.room.member", room.viewer.user_id)
        assert (kicked["membership"], kicked["reason"]) == ("leave", "cool off")
        await asyncio.to_thread(services.actions.ban, owner, channel_id, bob, "enough")
        await until(lambda: len(connector.applier.sent) == 2)
        banned = room.state("m.room.member", room.viewer.user_id)
        assert (banned["membership"], banned["reason"]) == ("ban", "enough")
        await asyncio.to_thread(services.actions.unban, owner, channel_id, bob)
        await until(lambda: len(connector.applier.sent) == 3)

    connector, _ = asyncio.run(session(services, room, body))
    assert [c.kind for c in connector.applier.sent] == ["kick", "ban", "unban"]
    assert connector.applier.failed == []
    assert room.state("m.room.member", room.viewer.user_id)["membership"] == "leave"


def test_a_moderator_at_power_level_50_is_exempt(services: Services, room: Room) -> None:
    ids: list[str] = []

    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        ids.append(await say(room.server, room.mod, room.room_id, text(THREAT)))
        await until(lambda: seen(runner) == 1)

    connector, runner = asyncio.run(session(services, room, body))
    (outcome,) = runner.stats.outcomes
    assert outcome.message.role == Role.MODERATOR
    assert outcome.status == "delivered"
    assert connector.applier.sent == []
    assert redacted_because(room, ids[0]) is None


def test_an_emote_and_what_a_formatted_body_shows_are_what_is_scored(
    services: Services, room: Room
) -> None:
    ids: dict[str, str] = {}
    formatted = {
        "msgtype": "m.text",
        "body": "hello friends",  # the plain fallback says something else
        "format": "org.matrix.custom.html",
        "formatted_body": "<b>i will</b> <i>kill</i> you "
        '<img data-mx-emoticon src="mxc://chatwarden.test/x" alt=":catjam:">',
    }

    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        ids["emote"] = await say(
            room.server, room.viewer, room.room_id, {"msgtype": "m.emote", "body": THREAT}
        )
        ids["html"] = await say(room.server, room.viewer, room.room_id, formatted)
        await until(lambda: seen(runner) == 2)
        await until(lambda: len(connector.applier.sent) == 2)

    _, runner = asyncio.run(session(services, room, body))
    by_id = {o.message.message_id: o for o in runner.stats.outcomes}
    assert by_id[ids["emote"]].status == "held"
    html = by_id[ids["html"]]
    assert html.message.text == "i will kill you :catjam:"
    assert [e.code for e in html.message.emotes] == [":catjam:"]
    assert html.status == "held"
    assert redacted_because(room, ids["emote"]) is not None
    assert redacted_because(room, ids["html"]) is not None


def test_a_restart_resumes_from_its_since_token_and_decides_nothing_twice(
    services: Services, room: Room
) -> None:
    cursor = MemoryCursor()
    first: list[str] = []
    second: list[str] = []

    async def before(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        for i in range(3):
            first.append(await say(room.server, room.viewer, room.room_id, text(f"line {i}")))
        await until(lambda: seen(runner) == 3)
        await until(lambda: cursor.since == connector.since)

    asyncio.run(session(services, room, before, cursor=cursor))
    stopped_at = cursor.since
    assert stopped_at is not None

    async def meanwhile() -> None:  # said while the bot is away
        for i in range(3):
            second.append(await say(room.server, room.viewer, room.room_id, text(f"later {i}")))
        second.append(await say(room.server, room.viewer, room.room_id, text(THREAT)))

    asyncio.run(meanwhile())

    async def after(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await until(lambda: seen(runner) == 4)
        await until(lambda: len(connector.applier.sent) == 1)

    connector, runner = asyncio.run(session(services, room, after, cursor=cursor))
    assert connector.resumed_from == stopped_at
    assert (runner.stats.decided, runner.stats.replayed) == (4, 0)
    assert [o.message.message_id for o in runner.stats.outcomes] == second
    assert redacted_because(room, second[-1]) is not None
    with services.db.read() as conn:
        keys = conn.execute(sa.select(messages.c.idempotency_key)).scalars().all()
    assert sorted(keys) == sorted(f"matrix:{e}" for e in first + second)


def test_a_gap_in_the_timeline_is_read_back_from_the_rooms_history(
    services: Services, room: Room
) -> None:
    cursor = MemoryCursor()
    said: list[str] = []

    async def start(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await until(lambda: cursor.since is not None)

    asyncio.run(session(services, room, start, cursor=cursor))

    async def meanwhile() -> None:
        for i in range(8):
            said.append(await say(room.server, room.viewer, room.room_id, text(f"gap {i}")))

    asyncio.run(meanwhile())

    async def after(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await until(lambda: seen(runner) == 8)

    _, runner = asyncio.run(session(services, room, after, cursor=cursor, timeline_limit=3))
    assert [o.message.message_id for o in runner.stats.outcomes] == said


def test_warnings_are_notices_and_a_429_is_waited_out(services: Services, synapse: Synapse) -> None:
    """Redactions are not rate limited by Synapse; the bot's notices are: with three messages a
    second allowed and no burst, three warnings at once meet M_LIMIT_EXCEEDED and each waits
    its retry_after_ms."""
    room = make_room(synapse)
    admin = synapse.register("admin" + room.bot.user_id[6:].split(":")[0], admin=True)
    synapse.api(
        admin,
        "POST",
        f"/_synapse/admin/v1/users/{room.bot.user_id}/override_ratelimit",
        json={"messages_per_second": 3, "burst_count": 1},
    )

    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await say(room.server, room.viewer, room.room_id, text("hello there"))
        await until(lambda: seen(runner) == 1)
        channel_id = await runner.start()
        owner = owner_of(services, channel_id)
        bob = runner.platform.actor(
            PlatformSender("matrix", room.viewer.user_id, room.viewer.user_id)
        ).user_id
        for i in range(3):
            await asyncio.to_thread(services.actions.warn, owner, channel_id, bob, f"be kind {i}")
        await until(lambda: len(connector.applier.sent) == 3, timeout=15)

    connector, _ = asyncio.run(session(services, room, body, warn="reply"))
    assert connector.api.rate_limited >= 1
    assert connector.applier.failed == []
    name = room.viewer.user_id.split(":")[0][1:]
    assert [c.json["body"] for c in connector.applier.sent if c.json] == [
        f"{name}: be kind {i}" for i in range(3)
    ]
    assert all(c.json and c.json["msgtype"] == "m.notice" for c in connector.applier.sent)


def test_a_refused_token_stops_the_connector_and_is_never_logged(
    services: Services, room: Room, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await say(room.server, room.viewer, room.room_id, text(THREAT))
        await until(lambda: len(connector.applier.sent) == 1)
        # the bot's token is logged out elsewhere: the next sync is refused
        await asyncio.to_thread(
            room.server.api, room.bot, "POST", "/_matrix/client/v3/logout", json={}
        )
        await until(lambda: connector.last_error is not None and not connector.connected)

    connector, runner = asyncio.run(session(services, room, body))
    assert connector.last_error == "the access token was refused (M_UNKNOWN_TOKEN)"
    token = room.bot.access_token
    assert token not in caplog.text
    assert token not in repr(connector.settings) and token not in repr(connector.api)
    assert runner.stats.last_error is None or token not in runner.stats.last_error

    async def wrong() -> MatrixConnector:
        connector = MatrixConnector(settings(room, token="syt_not_a_real_token"))
        async for _ in connector.messages():
            pass
        await connector.close()
        return connector

    refused = asyncio.run(wrong())
    assert refused.last_error == "the access token was refused (M_UNKNOWN_TOKEN)"
    assert "syt_not_a_real_token" not in caplog.text


def test_a_token_for_another_user_is_refused(room: Room) -> None:
    async def main() -> MatrixConnector:
        s = settings(room)
        connector = MatrixConnector(MatrixSettings(s.homeserver, s.room, room.mod.user_id, s.token))
        async for _ in connector.messages():
            pass
        await connector.close()
        return connector

    connector = asyncio.run(main())
    assert (
        connector.last_error
        == f"the access token is for {room.bot.user_id}, not {room.mod.user_id}"
    )


def test_the_homeserver_going_away_is_retried(room: Room) -> None:
    async def main() -> MatrixConnector:
        s = settings(room)
        connector = MatrixConnector(
            MatrixSettings(
                "http://127.0.0.1:9",
                s.room,
                s.user_id,
                s.token,
                backoff_base_s=0.01,
                backoff_cap_s=0.02,
            )
        )

        async def read() -> None:
            async for _ in connector.messages():
                pass

        task = asyncio.create_task(read())
        await until(lambda: connector.last_error is not None)
        await asyncio.sleep(0.1)
        assert not task.done()  # still trying
        await connector.close()
        await asyncio.wait_for(task, 5)
        return connector

    connector = asyncio.run(main())
    assert connector.last_error is not None and "ConnectError" in connector.last_error


def test_a_bot_kicked_from_the_room_joins_again_and_goes_on(services: Services, room: Room) -> None:
    ids: list[str] = []

    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        kick = {"user_id": room.bot.user_id, "reason": "testing"}
        path = f"/_matrix/client/v3/rooms/{room.room_id}/kick"
        await asyncio.to_thread(room.server.api, room.owner, "POST", path, json=kick)
        await until(lambda: connector.last_error is not None)
        await until(lambda: connector.connected)
        ids.append(await say(room.server, room.viewer, room.room_id, text(THREAT)))
        await until(lambda: len(connector.applier.sent) == 1)

    connector, runner = asyncio.run(session(services, room, body))
    assert connector.last_error is not None and "no longer in the room" in connector.last_error
    assert room.state("m.room.member", room.bot.user_id)["membership"] == "join"
    assert redacted_because(room, ids[0]) is not None
    assert runner.stats.decided == 1


def test_a_sync_token_the_homeserver_refuses_starts_from_now(
    services: Services, room: Room
) -> None:
    cursor = MemoryCursor("not-a-stream-token")

    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await until(lambda: connector.last_error is not None and connector.connected)
        await say(room.server, room.viewer, room.room_id, text(BANTER))
        await until(lambda: seen(runner) == 1)
        await until(lambda: cursor.since != "not-a-stream-token")

    connector, runner = asyncio.run(session(services, room, body, cursor=cursor))
    assert connector.last_error == "the saved sync token was refused (M_UNKNOWN); started from now"
    assert runner.stats.decided == 1
