"""Contract tests: the Discord connector against a local fake Discord (Gateway and REST on
127.0.0.1, the documented shapes of ``tests/fixtures/discord/``), through the runner and the
real services on SQLite."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from chatwarden.connectors.base import PlatformUser
from chatwarden.connectors.discord.client import DiscordConnector, DiscordSettings
from chatwarden.connectors.discord.parse import INTENTS
from chatwarden.connectors.discord.rest import DiscordRest
from chatwarden.connectors.runner import ConnectorRunner
from chatwarden.service.chat.platform import PlatformSender
from chatwarden.service.types import Actor
from chatwarden.services import Services
from chatwarden.settings import Role
from tests.connectors.discord.fake import CHANNEL, GUILD, OWNER, TOKEN, FakeDiscord, fixture

THREAT = "i will kill you"
BOB = "1500000000000000001"
MOD_ROLE = "1300000000000000003"
BOT = PlatformUser("discord", "1100000000000000001", "chatwarden")

Body = Callable[[FakeDiscord, DiscordConnector, ConnectorRunner], Awaitable[None]]


async def until(pred: Callable[[], bool], timeout: float = 10.0) -> None:
    async def wait() -> None:
        while not pred():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)


def run(services: Services, body: Body, fake: FakeDiscord | None = None) -> FakeDiscord:
    async def main() -> FakeDiscord:
        server = await (fake or FakeDiscord()).start()
        settings = DiscordSettings(
            GUILD,
            CHANNEL,
            TOKEN,
            roles={MOD_ROLE: Role.MODERATOR},
            gateway=server.gateway_url,
            api_base=server.api_base,
            backoff_base_s=0.05,
            backoff_cap_s=0.2,
            invalid_session_wait_s=0.05,
        )
        connector = DiscordConnector(settings)
        runner = ConnectorRunner(services, connector, "guildchat", BOT)
        task = asyncio.create_task(runner.run())
        try:
            await asyncio.wait_for(connector.ready.wait(), 10)
            await body(server, connector, runner)
            await connector.applier.drain()
        finally:
            await runner.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(task, 10)
            await server.stop()
        return server

    return asyncio.run(main())


def seen(runner: ConnectorRunner) -> int:
    return runner.stats.decided + runner.stats.replayed


def test_identify_asks_for_the_least_intents_and_heartbeats(services: Services) -> None:
    async def body(fake: FakeDiscord, connector: DiscordConnector, runner: ConnectorRunner) -> None:
        await fake.wait_frame(1, count=2)  # heartbeats at the interval, acknowledged

    fake = run(services, body, FakeDiscord(heartbeat_interval_ms=150))
    identify = next(f for f in fake.frames if f["op"] == 2)["d"]
    assert identify["token"] == TOKEN
    assert identify["intents"] == INTENTS == (1 << 9) | (1 << 15)
    assert set(identify["properties"]) == {"os", "browser", "device"}
    assert fake.paths[0] == "/?v=10&encoding=json"
    beats = [f for f in fake.frames if f["op"] == 1]
    assert beats[0]["d"] == 1  # READY's sequence number


def test_a_threat_is_deleted_with_the_reason_and_held_once(services: Services) -> None:
    async def body(fake: FakeDiscord, connector: DiscordConnector, runner: ConnectorRunner) -> None:
        await fake.message("1318100000000000010", "gg everyone, nice play")
        await fake.message("1318100000000000011", THREAT)
        await until(lambda: seen(runner) == 2)
        await connector.applier.drain()
        # Discord delivers it again (a duplicate MESSAGE_CREATE): decided once, acted on once
        await fake.redeliver(fake.events[-1])
        await until(lambda: runner.stats.replayed == 1)

    fake = run(services, body)
    (delete,) = fake.calls()
    assert (delete.method, delete.path) == (
        "DELETE",
        f"/api/v10/channels/{CHANNEL}/messages/1318100000000000011",
    )
    assert delete.reason == "ChatWarden: held for review (aggression)"
    assert delete.json is None


def test_moderators_actions_in_chatwarden_are_discord_calls(services: Services) -> None:
    async def body(fake: FakeDiscord, connector: DiscordConnector, runner: ConnectorRunner) -> None:
        await fake.message("1318100000000000020", "hello there")
        await until(lambda: seen(runner) == 1)
        (hello,) = runner.stats.outcomes
        channel_id = await runner.start()
        owner = Actor(services.channels.get_channel(channel_id).owner_id, "chatwarden")
        bob = runner.platform.actor(PlatformSender("discord", BOB, "bobthebuilder")).user_id
        assert hello.message_id is not None
        await asyncio.to_thread(
            services.actions.delete_message, owner, channel_id, hello.message_id, "rude"
        )
        await asyncio.to_thread(services.actions.timeout, owner, channel_id, bob, 600, "cool off")
        await until(lambda: runner.stats.acted == 2)
        await asyncio.to_thread(services.actions.untimeout, owner, channel_id, bob)
        await asyncio.to_thread(services.actions.ban, owner, channel_id, bob, "enough")
        await until(lambda: runner.stats.acted == 4)
        await asyncio.to_thread(services.actions.unban, owner, channel_id, bob)
        await until(lambda: runner.stats.acted == 5)

    started = datetime.now(UTC)
    fake = run(services, body)
    delete, timeout, lifted, ban, unbanned = fake.calls()
    assert (delete.method, delete.path, delete.reason) == (
        "DELETE",
        f"/api/v10/channels/{CHANNEL}/messages/1318100000000000020",
        "deleted",  # the moderators' event does not carry a deletion's reason
    )
    assert (timeout.method, timeout.path, timeout.reason) == (
        "PATCH",
        f"/api/v10/guilds/{GUILD}/members/{BOB}",
        "cool off",
    )
    until_ = datetime.fromisoformat(timeout.json["communication_disabled_until"])
    assert timedelta(seconds=590) <= until_ - started <= timedelta(seconds=610)
    assert (ban.method, ban.path, ban.reason, ban.json) == (
        "PUT",
        f"/api/v10/guilds/{GUILD}/bans/{BOB}",
        "enough",
        {"delete_message_seconds": 0},
    )
    # lifted in ChatWarden, lifted on Discord
    assert (lifted.method, lifted.path, lifted.json) == (
        "PATCH",
        f"/api/v10/guilds/{GUILD}/members/{BOB}",
        {"communication_disabled_until": None},
    )
    assert (unbanned.method, unbanned.path, unbanned.reason) == (
        "DELETE",
        f"/api/v10/guilds/{GUILD}/bans/{BOB}",
        "ChatWarden: unban",
    )


def test_reconnect_resumes_and_replays_what_was_missed_acting_once(services: Services) -> None:
    async def body(fake: FakeDiscord, connector: DiscordConnector, runner: ConnectorRunner) -> None:
        await fake.message("1318100000000000030", THREAT)
        await until(lambda: seen(runner) == 1)
        last = fake.seq
        await fake.reconnect()
        # while the bot is away: two more messages, one of them a threat
        await fake.message("1318100000000000031", "anyone up for a game")
        await fake.message("1318100000000000032", THREAT)
        await fake.wait_resumed()
        resume = await fake.wait_frame(6)
        assert resume["d"] == {"token": TOKEN, "session_id": fake.session_id, "seq": last}
        await until(lambda: seen(runner) == 3)
        # and an event from before the reconnect, delivered once more: not acted on again
        await fake.redeliver(fake.events[2])
        await until(lambda: runner.stats.replayed == 1)

    fake = run(services, body)
    assert fake.connections == 2 and fake.paths[1] == "/resume/?v=10&encoding=json"
    assert [f["op"] for f in fake.frames if f["op"] in (2, 6)] == [2, 6]  # one IDENTIFY
    deleted = [r.path.rsplit("/", 1)[1] for r in fake.calls("DELETE")]
    assert deleted == ["1318100000000000030", "1318100000000000032"]


def test_roles_the_owner_and_emotes(services: Services) -> None:
    async def body(fake: FakeDiscord, connector: DiscordConnector, runner: ConnectorRunner) -> None:
        emotes = "<:die_bitch:1400000000000000003> <a:pepedance:1400000000000000004>"
        amy = PlatformUser("discord", "1500000000000000002", "amy")
        await fake.message("1318100000000000040", THREAT, roles=[MOD_ROLE])
        await fake.message(
            "1318100000000000041", THREAT, id=OWNER, username="guildowner", global_name=None
        )
        await fake.message("1318100000000000042", emotes, id=amy.id, username="amy")
        await until(lambda: seen(runner) == 3)
        channel_id = await runner.start()
        mod = runner.platform.actor(PlatformSender("discord", BOB, "bobthebuilder")).user_id
        owner = runner.platform.actor(PlatformSender("discord", OWNER, "guildowner")).user_id
        assert services.channels.role_of(channel_id, mod) == Role.MODERATOR
        assert services.channels.role_of(channel_id, owner) == Role.LEAD_MODERATOR
        statuses = [o.status for o in runner.stats.outcomes]
        assert statuses == ["delivered", "delivered", "delivered"]
        assert runner.stats.outcomes[-1].message.emote_codes == frozenset(emotes.split())
        # the channel's emote set: AutoMod's model never scores them (test_parse shows the cut)
        assert set(services.modes.get(channel_id).emote_set) == set(emotes.split())

    fake = run(services, body)
    assert fake.calls() == []  # the moderator's, the owner's and the emotes: nothing deleted


def test_a_429_is_waited_out_and_the_call_made_again(services: Services) -> None:
    fake = FakeDiscord()
    path = f"/channels/{CHANNEL}/messages/1318100000000000050"
    fake.rate_limit[("DELETE", path)] = fixture("rate_limited")

    async def body(fake: FakeDiscord, connector: DiscordConnector, runner: ConnectorRunner) -> None:
        await fake.message("1318100000000000050", THREAT)
        await until(lambda: len(fake.calls("DELETE")) == 2)

    run(services, body, fake)
    first, again = fake.calls("DELETE")
    assert first.path == again.path == "/api/v10" + path
    assert again.at - first.at >= 0.3  # retry_after, in seconds


def test_a_global_429_holds_every_route(services: Services) -> None:
    async def main() -> list[float]:
        fake = await FakeDiscord().start()
        limited = dict(fixture("rate_limited"), **{"global": True})
        fake.rate_limit[("GET", f"/guilds/{GUILD}/auto-moderation/rules")] = limited
        rest = DiscordRest(TOKEN, fake.api_base)
        try:
            rules = await rest.automod_rules(GUILD)
            assert [r["name"] for r in rules] == ["Keyword Filter 1", "Mention Spam"]
            assert rest.rate_limited == 1
        finally:
            await rest.aclose()
            await fake.stop()
        return [r.at for r in fake.requests]

    first, second = asyncio.run(main())
    assert second - first >= 0.3


def test_an_allowed_held_message_is_posted_again_quoting_its_author(services: Services) -> None:
    async def body(fake: FakeDiscord, connector: DiscordConnector, runner: ConnectorRunner) -> None:
        await fake.message("1318100000000000060", THREAT)
        await until(lambda: len(fake.calls("DELETE")) == 1)
        channel_id = await runner.start()
        owner = Actor(services.channels.get_channel(channel_id).owner_id, "chatwarden")
        (item,) = services.review.list_pending(owner, channel_id)
        await asyncio.to_thread(services.review.resolve, owner, item.id, "allow")
        await until(lambda: len(fake.calls("POST")) == 1)

    fake = run(services, body)
    (post,) = fake.calls("POST")
    assert post.path == f"/api/v10/channels/{CHANNEL}/messages"
    assert post.json["content"] == (
        "**bobthebuilder** (held, allowed by a moderator):\n> i will kill you"
    )
    assert post.json["allowed_mentions"] == {"parse": []}


def test_a_wrong_token_stops_the_connector_with_the_error(services: Services) -> None:
    async def main() -> str | None:
        fake = await FakeDiscord().start()
        settings = DiscordSettings(
            GUILD, CHANNEL, "not-the-token", gateway=fake.gateway_url, api_base=fake.api_base
        )
        connector = DiscordConnector(settings)
        try:
            got = [m async for m in connector.messages()]
            assert got == []
        finally:
            await connector.close()
            await fake.stop()
        return connector.last_error

    error = asyncio.run(main())
    assert error is not None and "4004" in error and "not-the-token" not in error


def test_a_dropped_connection_resumes_without_losing_a_message(services: Services) -> None:
    async def body(fake: FakeDiscord, connector: DiscordConnector, runner: ConnectorRunner) -> None:
        await fake.drop()
        await fake.message("1318100000000000080", THREAT)  # said while the bot was away
        await fake.wait_resumed()
        await until(lambda: len(fake.calls("DELETE")) == 1)

    fake = run(services, body)
    assert fake.connections == 2 and [f["op"] for f in fake.frames if f["op"] in (2, 6)] == [2, 6]
    (delete,) = fake.calls("DELETE")
    assert delete.path.endswith("/messages/1318100000000000080")


def test_an_unacknowledged_heartbeat_drops_the_zombie_and_resumes(services: Services) -> None:
    fake = FakeDiscord(heartbeat_interval_ms=100)

    async def body(fake: FakeDiscord, connector: DiscordConnector, runner: ConnectorRunner) -> None:
        fake.ack = False
        await fake.wait_frame(6)  # RESUME on a new connection
        fake.ack = True
        await fake.wait_resumed()

    run(services, body, fake)
    assert fake.connections == 2


def test_an_invalid_session_is_identified_anew(services: Services) -> None:
    async def body(fake: FakeDiscord, connector: DiscordConnector, runner: ConnectorRunner) -> None:
        first = connector.session_id
        await fake.invalidate()
        await fake.wait_frame(2, count=2)  # a second IDENTIFY, no RESUME
        await until(lambda: connector.connected)
        assert first is not None and connector.session_id == first  # the fake's one session

    fake = run(services, body)
    assert [f["op"] for f in fake.frames if f["op"] in (2, 6)] == [2, 2]


def test_a_warning_is_said_in_the_channel_with_warn_reply(services: Services) -> None:
    async def main() -> FakeDiscord:
        fake = await FakeDiscord().start()
        settings = DiscordSettings(
            GUILD, CHANNEL, TOKEN, warn="reply", gateway=fake.gateway_url, api_base=fake.api_base
        )
        connector = DiscordConnector(settings)
        runner = ConnectorRunner(services, connector, "guildchat", BOT)
        task = asyncio.create_task(runner.run())
        try:
            await asyncio.wait_for(connector.ready.wait(), 10)
            await fake.message("1318100000000000090", "hello there")
            await until(lambda: seen(runner) == 1)
            channel_id = await runner.start()
            owner = Actor(services.channels.get_channel(channel_id).owner_id, "chatwarden")
            bob = runner.platform.actor(PlatformSender("discord", BOB, "bobthebuilder")).user_id
            await asyncio.to_thread(services.actions.warn, owner, channel_id, bob, "be kind")
            await until(lambda: len(fake.calls("POST")) == 1)
        finally:
            await runner.close()
            await asyncio.wait_for(task, 10)
            await fake.stop()
        return fake

    fake = asyncio.run(main())
    (post,) = fake.calls("POST")
    assert post.json == {"content": "@bobthebuilder: be kind", "allowed_mentions": {"parse": []}}


def test_a_multi_line_threat_is_decided_not_refused(services: Services) -> None:
    async def body(fake: FakeDiscord, connector: DiscordConnector, runner: ConnectorRunner) -> None:
        await fake.message("1318100000000000095", "hey\ni will kill you\nsee you")
        await until(lambda: len(fake.calls("DELETE")) == 1)
        assert runner.stats.refused == 0

    run(services, body)
