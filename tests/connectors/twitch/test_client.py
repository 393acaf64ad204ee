"""Contract tests: the Twitch connector against a local fake Twitch (``fake.py``: EventSub over a
real WebSocket and Helix over real HTTP on 127.0.0.1, answering with the documented shapes),
wired to ChatWarden's one decision path through the runner on a real SQLite store."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from chatwarden.connectors.base import PlatformUser
from chatwarden.connectors.runner import ConnectorRunner
from chatwarden.connectors.twitch.client import TwitchConnector, TwitchSettings
from chatwarden.connectors.twitch.oauth import Tokens
from chatwarden.service.chat.platform import PlatformSender
from chatwarden.service.types import Actor
from chatwarden.services import Services
from tests.connectors.twitch.fake import (
    BOT,
    BROADCASTER,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    TOKEN,
    FakeTwitch,
    chat,
    held,
    reconnect,
    running,
)

THREAT = "i will kill you"
VIEWER = ("4145994", "viewer32")
DELETE = ("DELETE", "/helix/moderation/chat")
BANS = ("POST", "/helix/moderation/bans")


def connector_for(fake: FakeTwitch, **kw: Any) -> TwitchConnector:
    settings = TwitchSettings(
        BROADCASTER["login"],
        BOT["login"],
        CLIENT_ID,
        kw.pop("token", TOKEN),
        eventsub_url=fake.ws_url,
        helix_url=fake.helix_url,
        token_url=fake.token_url,
        backoff_base_s=0.05,
        backoff_cap_s=0.2,
        **kw,
    )
    return TwitchConnector(settings)


Scenario = Callable[[FakeTwitch, TwitchConnector, ConnectorRunner], Awaitable[None]]


def play(
    services: Services, scenario: Scenario, fake: FakeTwitch | None = None, **kw: Any
) -> tuple[FakeTwitch, TwitchConnector, ConnectorRunner]:
    fake = fake or FakeTwitch()
    holder: dict[str, Any] = {}

    async def main() -> None:
        async with running(fake):
            connector = connector_for(fake, **kw)
            bot = PlatformUser("twitch", BOT["id"], BOT["login"])
            runner = ConnectorRunner(services, connector, "cool_streamer", bot)
            holder.update(connector=connector, runner=runner)
            task = asyncio.create_task(runner.run())
            try:
                await scenario(fake, connector, runner)
                await connector.applier.drain()
            finally:
                await runner.close()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, 5)

    asyncio.run(main())
    return fake, holder["connector"], holder["runner"]


async def decided(runner: ConnectorRunner, count: int, timeout: float = 10.0) -> None:
    async def wait() -> None:
        while runner.stats.decided + runner.stats.replayed < count:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)


async def send(fake: FakeTwitch, index: int, frame: dict[str, Any]) -> None:
    session = await fake.session(index)
    await session.ws.send(json.dumps(frame))


async def ready(fake: FakeTwitch) -> str:
    session = await fake.session(0)
    await fake.subscribed(session.id, 1)
    return session.id


def test_a_held_message_is_deleted_through_helix_and_moderators_actions_follow(
    services: Services,
) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        await send(fake, 0, chat("m-hello", "hello all"))
        await send(fake, 0, chat("m-threat", THREAT))
        await decided(runner, 2)
        await fake.wait_calls(*DELETE, 1)
        # what a moderator does in Mod View reaches Twitch as Ban User / Warn Chat User
        channel_id = await runner.start()
        owner = Actor(services.channels.get_channel(channel_id).owner_id, "cw")
        uid = runner.platform.actor(PlatformSender("twitch", *VIEWER)).user_id
        await asyncio.to_thread(services.actions.timeout, owner, channel_id, uid, 600, "cool off")
        await asyncio.to_thread(services.actions.ban, owner, channel_id, uid, "enough")
        await fake.wait_calls(*BANS, 2)

    fake, connector, runner = play(services, scenario)
    assert [(o.message.message_id, o.status) for o in runner.stats.outcomes] == [
        ("m-hello", "delivered"),
        ("m-threat", "held"),
    ]
    (deleted,) = fake.helix_calls(*DELETE)
    assert deleted.params == {
        "broadcaster_id": "1337",
        "moderator_id": "9001",
        "message_id": "m-threat",
    }
    timeout, ban = fake.helix_calls(*BANS)
    assert timeout.params == {"broadcaster_id": "1337", "moderator_id": "9001"}
    assert timeout.body["data"]["user_id"] == "4145994"
    assert 598 <= timeout.body["data"]["duration"] <= 600
    assert timeout.body["data"]["reason"] == "cool off"
    assert ban.body == {"data": {"user_id": "4145994", "reason": "enough"}}
    # the session: one welcome, the documented subscription with its session id
    (sub,) = fake.helix_calls("POST", "/helix/eventsub/subscriptions")
    assert sub.body["type"] == "channel.chat.message" and sub.body["version"] == "1"
    assert sub.body["condition"] == {"broadcaster_user_id": "1337", "user_id": "9001"}
    assert sub.body["transport"] == {"method": "websocket", "session_id": fake.sessions[0].id}
    assert connector.last_error is None and all(r.status < 400 for r in fake.requests)


def test_session_reconnect_loses_no_message_and_acts_on_none_twice(services: Services) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        session_id = await ready(fake)
        await send(fake, 0, chat("r-1", "first message"))
        await send(fake, 0, reconnect(session_id, f"{fake.ws_url}?session={session_id}"))
        twice = chat("r-2", THREAT)  # on the old connection, then again on the new one
        await send(fake, 0, twice)
        new = await fake.session(1)
        await new.ws.send(json.dumps(twice))
        await new.ws.send(json.dumps(chat("r-3", "after the move")))
        await new.ws.send(json.dumps(chat("r-4", THREAT)))
        await decided(runner, 4)
        await fake.wait_calls(*DELETE, 2)
        await asyncio.sleep(0.2)  # nothing more arrives

    fake, connector, runner = play(services, scenario)
    ids = [o.message.message_id for o in runner.stats.outcomes]
    assert ids == ["r-1", "r-2", "r-3", "r-4"]
    assert runner.stats.decided == 4 and connector.duplicates == 1
    assert [r.params["message_id"] for r in fake.helix_calls(*DELETE)] == ["r-2", "r-4"]
    assert connector.sessions == 2 and fake.sessions[1].id == fake.sessions[0].id
    assert len(fake.helix_calls("POST", "/helix/eventsub/subscriptions")) == 1  # they moved
    assert fake.sessions[0].ws.state.name == "CLOSED"  # the old connection was let go


def test_a_duplicate_notification_is_decided_once(services: Services) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        frame = chat("d-1", THREAT)
        await send(fake, 0, frame)
        await send(fake, 0, frame)  # the same notification again (at-least-once)
        await send(fake, 0, chat("d-1", THREAT))  # the same message in another notification
        await send(fake, 0, chat("d-2", "hello"))
        await decided(runner, 3)
        await fake.wait_calls(*DELETE, 1)
        await asyncio.sleep(0.2)

    fake, connector, runner = play(services, scenario)
    assert connector.duplicates == 1
    assert (runner.stats.decided, runner.stats.replayed) == (2, 1)
    assert [r.params["message_id"] for r in fake.helix_calls(*DELETE)] == ["d-1"]


def test_a_moderator_badge_is_a_role_and_is_not_scored(services: Services) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        await send(fake, 0, chat("b-1", THREAT, user=("55", "a_mod"), badges=("moderator",)))
        await send(fake, 0, chat("b-2", THREAT, user=("56", "a_viewer")))
        await decided(runner, 2)
        await fake.wait_calls(*DELETE, 1)

    fake, connector, runner = play(services, scenario)
    statuses = {
        o.message.user.login: (o.message.role.value, o.status) for o in runner.stats.outcomes
    }
    assert statuses == {"a_mod": ("moderator", "delivered"), "a_viewer": ("viewer", "held")}
    assert [r.params["message_id"] for r in fake.helix_calls(*DELETE)] == ["b-2"]
    channel_id = services.channels.get_channel_by_name("cool_streamer").id
    mod = runner.platform.actor(PlatformSender("twitch", "55", "a_mod"))
    assert services.channels.role_of(channel_id, mod.user_id).value == "moderator"


def test_emotes_are_not_scored(services: Services) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        await send(fake, 0, chat("e-1", "KillYou"))
        await decided(runner, 1)
        # the same word as one of the channel's emotes (an emote fragment): not scored
        await send(fake, 0, chat("e-2", "KillYou", emotes={"KillYou": "301"}))
        await decided(runner, 2)
        await fake.wait_calls(*DELETE, 1)
        await asyncio.sleep(0.2)

    fake, connector, runner = play(services, scenario)
    assert [(o.message.message_id, o.status) for o in runner.stats.outcomes] == [
        ("e-1", "held"),
        ("e-2", "delivered"),
    ]
    assert runner.stats.outcomes[1].message.emote_codes == {"KillYou"}
    assert [r.params["message_id"] for r in fake.helix_calls(*DELETE)] == ["e-1"]


def test_twitch_held_messages_chatwarden_blocks_are_denied(services: Services) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        await fake.subscribed(fake.sessions[0].id, 3)
        channel_id = await runner.start()
        owner = services.connections.owner_of(channel_id)
        await asyncio.to_thread(services.automod.add_term, owner, channel_id, "zorblax")
        await send(fake, 0, held("h-1", "you zorblax"))
        await decided(runner, 1)
        await fake.wait_calls("POST", "/helix/moderation/automod/message", 1)

    fake, connector, runner = play(services, scenario, automod=True)
    types = [r.body["type"] for r in fake.helix_calls("POST", "/helix/eventsub/subscriptions")]
    assert types == ["channel.chat.message", "automod.message.hold", "automod.message.update"]
    (deny,) = fake.helix_calls("POST", "/helix/moderation/automod/message")
    assert deny.body == {"user_id": "9001", "msg_id": "h-1", "action": "DENY"}
    assert fake.helix_calls(*DELETE) == []


def test_a_rate_limited_call_waits_for_ratelimit_reset_and_is_made(services: Services) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        fake.rate_limit(1)
        await send(fake, 0, chat("l-1", THREAT))
        await fake.wait_calls(*DELETE, 1, timeout=10)

    fake, connector, runner = play(services, scenario)
    attempts = [r.status for r in fake.requests if (r.method, r.path) == DELETE]
    assert attempts == [429, 204]
    assert connector.last_error is None


def test_an_expired_token_stops_the_connector_with_an_error(services: Services) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        async def stopped() -> None:
            while c.last_error is None:
                await asyncio.sleep(0.02)

        await asyncio.wait_for(stopped(), 5)

    fake, connector, runner = play(services, scenario, token="expired-token-value")
    assert connector.last_error is not None
    assert "401" in connector.last_error and "expired" in connector.last_error
    assert "expired-token-value" not in connector.last_error
    assert fake.sessions == [] and not connector.connected


def test_silence_past_the_keepalive_is_a_dead_session_and_a_new_one_subscribes_again(
    services: Services,
) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        second = await fake.session(1, timeout=10)  # no keepalive: the client gives up on it
        await fake.subscribed(second.id, 1)
        await second.ws.send(json.dumps(chat("k-1", "still here")))
        await decided(runner, 1)

    fake = FakeTwitch(keepalive_s=1)
    fake, connector, runner = play(services, scenario, fake, keepalive_margin_s=0.3)
    assert fake.sessions[0].id != fake.sessions[1].id
    assert runner.stats.decided == 1 and connector.subscribed >= 2


def test_a_revocation_is_the_connection_error(services: Services) -> None:
    from tests.connectors.twitch.fake import fixture

    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        await send(fake, 0, fixture("eventsub_ws/revocation.json"))

        async def revoked() -> None:
            while c.last_error is None:
                await asyncio.sleep(0.02)

        await asyncio.wait_for(revoked(), 5)

    fake, connector, runner = play(services, scenario)
    assert (
        connector.last_error == "subscription channel.chat.message revoked: authorization_revoked"
    )


def test_a_twitch_held_message_allowed_in_chatwarden_is_released(services: Services) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        await send(fake, 0, held("h-2", "hello there"))
        await decided(runner, 1)
        assert c.applier.release("h-2") and not c.applier.release("h-2")
        assert not c.applier.release("never-held")
        await fake.wait_calls("POST", "/helix/moderation/automod/message", 1)

    fake, connector, runner = play(services, scenario, automod=True)
    (allow,) = fake.helix_calls("POST", "/helix/moderation/automod/message")
    assert allow.body == {"user_id": "9001", "msg_id": "h-2", "action": "ALLOW"}


def test_the_bots_own_messages_are_not_moderated(services: Services) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        await send(fake, 0, chat("o-1", THREAT, user=(BOT["id"], BOT["login"])))
        await send(fake, 0, chat("o-2", "hello"))
        await decided(runner, 1)
        await asyncio.sleep(0.2)

    fake, connector, runner = play(services, scenario)
    assert [o.message.message_id for o in runner.stats.outcomes] == ["o-2"]
    assert fake.helix_calls(*DELETE) == []


def test_a_token_refused_on_an_action_stops_the_connector_with_an_error(
    services: Services,
) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        fake.token = "the-token-was-revoked"  # Twitch now refuses the connector's token
        await send(fake, 0, chat("x-1", THREAT))
        await asyncio.wait_for(c._closed.wait(), 5)

    fake, connector, runner = play(services, scenario)
    assert [r.status for r in fake.requests if (r.method, r.path) == DELETE] == [401]
    assert connector.last_error is not None and "expired or was revoked" in connector.last_error
    assert TOKEN not in connector.last_error and not connector.connected


TOKEN_CALLS = ("POST", "/oauth2/token")


def test_an_expired_token_is_refreshed_once_and_the_refused_call_is_made_again(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    kept: list[Tokens] = []
    handed: list[str] = []

    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)  # Get Users was refused, refreshed, made again; then it subscribed
        handed.extend([fake.token, str(fake.refresh_token)])
        await send(fake, 0, chat("t-1", THREAT))
        await fake.wait_calls(*DELETE, 1)
        fake.expire()  # expires while running: two actions refused at once, one refresh
        await send(fake, 0, chat("t-2", THREAT))
        await send(fake, 0, chat("t-3", THREAT))
        await fake.wait_calls(*DELETE, 3)
        handed.extend([fake.token, str(fake.refresh_token)])

    fake, connector, runner = play(
        services,
        scenario,
        token="expired-token-value",
        refresh_token=REFRESH_TOKEN,
        client_secret=CLIENT_SECRET,
        on_tokens=kept.append,
    )
    assert fake.refreshed == 2 and len(kept) == 2
    assert [(t.access_token, t.refresh_token) for t in kept] == [
        (handed[0], handed[1]),
        (handed[2], handed[3]),
    ]
    first, second = [r for r in fake.requests if (r.method, r.path) == TOKEN_CALLS]
    assert first.status == second.status == 200
    assert first.body == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,  # sent URL-encoded, read back whole
    }
    assert second.body["refresh_token"] == handed[1]  # the refresh token Twitch handed back
    users = [r.status for r in fake.requests if (r.method, r.path) == ("GET", "/helix/users")]
    assert users[:2] == [401, 200]
    deletes = [r for r in fake.requests if (r.method, r.path) == DELETE]
    # t-3 may be refused too (then it waits for t-2's refresh) or made with the new token
    assert sorted(r.status for r in deletes) in ([204, 204, 204, 401], [204, 204, 204, 401, 401])
    assert sorted(r.params["message_id"] for r in deletes if r.status == 204) == [
        "t-1",
        "t-2",
        "t-3",
    ]
    assert connector.last_error is None and connector.refresher is not None
    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert "refreshed" in logged
    for secret in ("expired-token-value", REFRESH_TOKEN, CLIENT_SECRET, *handed):
        assert secret not in logged
        assert secret not in repr(connector.settings) and secret not in repr(connector.refresher)


def test_a_revoked_refresh_token_stops_the_connector_with_a_clean_error(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    kept: list[Tokens] = []

    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        fake.expire()
        fake.revoke_refresh()  # the user disconnected the app
        await send(fake, 0, chat("v-1", THREAT))
        await asyncio.wait_for(c._closed.wait(), 5)

    fake, connector, runner = play(
        services,
        scenario,
        refresh_token=REFRESH_TOKEN,
        client_secret=CLIENT_SECRET,
        on_tokens=kept.append,
    )
    assert [r.status for r in fake.requests if (r.method, r.path) == DELETE] == [401]
    assert [r.status for r in fake.requests if (r.method, r.path) == TOKEN_CALLS] == [400]
    assert kept == [] and not connector.connected
    error = connector.last_error
    assert error is not None and "401 Invalid OAuth token" in error
    assert "refreshing the token failed: Twitch token refresh: 400 Invalid refresh token" in error
    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    for secret in (TOKEN, REFRESH_TOKEN, CLIENT_SECRET):
        assert secret not in error and secret not in logged


def test_without_a_refresh_token_a_refused_token_is_not_refreshed(services: Services) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        fake.expire()
        await send(fake, 0, chat("n-1", THREAT))
        await asyncio.wait_for(c._closed.wait(), 5)

    fake, connector, runner = play(services, scenario, client_secret=CLIENT_SECRET)
    assert connector.refresher is None
    assert [r for r in fake.requests if (r.method, r.path) == TOKEN_CALLS] == []
    assert connector.last_error is not None and "expired or was revoked" in connector.last_error


def test_an_eventsub_subscription_refused_for_an_expired_token_is_refreshed_and_made(
    services: Services,
) -> None:
    async def scenario(fake: FakeTwitch, c: TwitchConnector, runner: ConnectorRunner) -> None:
        await ready(fake)
        fake.expire()  # then the session goes silent: the next one subscribes with a 401 first
        second = await fake.session(1, timeout=10)
        await fake.subscribed(second.id, 1)
        await second.ws.send(json.dumps(chat("e-1", THREAT)))
        await fake.wait_calls(*DELETE, 1)

    fake = FakeTwitch(keepalive_s=1)
    fake, connector, runner = play(
        services,
        scenario,
        fake,
        keepalive_margin_s=0.3,
        refresh_token=REFRESH_TOKEN,
        client_secret=CLIENT_SECRET,
    )
    subscribe = ("POST", "/helix/eventsub/subscriptions")
    subs = [r for r in fake.requests if (r.method, r.path) == subscribe]
    assert [r.status for r in subs][:3] == [202, 401, 202]
    assert subs[1].body == subs[2].body  # the refused subscription, made again as it was
    assert fake.refreshed == 1 and connector.last_error is None
