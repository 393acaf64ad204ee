"""The runner without a network: platform messages in, decisions stored once, and what
moderators do in ChatWarden (Mod View's actions, on the bus) carried out on the platform, here
by the log-only applier that replay uses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from chatwarden.connectors.base import InboundMessage, PlatformUser
from chatwarden.connectors.runner import ConnectorRunner
from chatwarden.rules.effects import Ban, Delete, Hold, LogOnlyApplier, Timeout
from chatwarden.service.chat.platform import PlatformSender
from chatwarden.service.types import Actor
from chatwarden.services import Services

BOB = PlatformUser("irc", "bob", "bob")


class ListConnector:
    """A connector whose platform is a list of messages (the interface, no network)."""

    platform = "irc"

    def __init__(self, messages: list[InboundMessage]) -> None:
        self._messages = messages
        self.applier = LogOnlyApplier()
        self.closed = False

    async def messages(self) -> AsyncIterator[InboundMessage]:
        for msg in self._messages:
            yield msg

    async def close(self) -> None:
        self.closed = True


def say(text: str, msg_id: str | None = None, user: PlatformUser = BOB) -> InboundMessage:
    return InboundMessage("irc", "#c", msg_id, user, text)


def test_run_decides_every_message_once_and_acts_on_the_harmful(services: Services) -> None:
    msgs = [say("hello all", "a"), say("i will kill you", "b"), say("i will kill you", "b")]
    connector = ListConnector(msgs)
    runner = ConnectorRunner(services, connector, "gamma", PlatformUser("irc", "cw", "cw"))

    async def run() -> None:
        await runner.run()
        await runner.close()

    asyncio.run(run())
    assert connector.closed
    assert (runner.stats.decided, runner.stats.replayed) == (2, 1)
    assert [
        (a.target.username, a.target.message_id, type(a.effect)) for a in connector.applier.applied
    ] == [("bob", "b", Hold)]
    assert connector.applier.applied[0].effect.reason == "ChatWarden: held for review (aggression)"


def test_a_message_chatwarden_refuses_is_counted_and_left_alone(services: Services) -> None:
    connector = ListConnector([])
    runner = ConnectorRunner(services, connector, "gamma", PlatformUser("irc", "cw", "cw"))
    too_long = "x" * (services.config.max_message_length + 1)
    outcomes = asyncio.run(runner.handle_batch([say(too_long, "long")]))
    assert [(o.status, o.effects) for o in outcomes] == [("error", ())]
    assert runner.stats.refused == 1 and connector.applier.applied == []


def test_moderators_actions_in_chatwarden_reach_the_platform(services: Services) -> None:
    connector = ListConnector([])
    bot = PlatformUser("irc", "cw", "cw")
    runner = ConnectorRunner(services, connector, "gamma", bot)
    stranger = services.accounts.register("stranger", "correct horse")

    async def run() -> None:
        channel_id = await runner.start()
        (hello,) = await runner.handle_batch([say("hello all", "p-1")])
        owner_id = services.channels.get_channel(channel_id).owner_id
        owner = Actor(owner_id, "cw")
        bob_id = runner.platform.actor(PlatformSender("irc", "bob", "bob")).user_id
        assert hello.message_id is not None
        await asyncio.to_thread(
            services.actions.delete_message, owner, channel_id, hello.message_id, "rude"
        )
        await asyncio.to_thread(
            services.actions.timeout, owner, channel_id, bob_id, 600, "cool off"
        )
        await asyncio.to_thread(services.actions.ban, owner, channel_id, bob_id, "enough")
        # someone this connector did not bring in: nothing to do on the platform
        await asyncio.to_thread(services.actions.ban, owner, channel_id, stranger.id, "spam")
        await asyncio.sleep(0.1)  # the bus hands the events over on this loop
        await runner.close()

    asyncio.run(run())
    done = [(a.target.username, a.target.message_id, a.effect) for a in connector.applier.applied]
    kinds = [(user, msg, type(effect)) for user, msg, effect in done]
    assert kinds == [("bob", "p-1", Delete), ("bob", None, Timeout), ("bob", None, Ban)]
    timeout = done[1][2]
    assert isinstance(timeout, Timeout) and 598 <= timeout.seconds <= 600
    assert timeout.reason == "cool off"
