"""A connected platform's messages through the one decision path (``service/chat/platform.py``):
senders become users nobody can log in as, roles follow the platform, the platform's emotes
join the channel's emote set, and only the platform enforces its own chat modes."""

from __future__ import annotations

import pytest

from chatwarden.errors import ChatWardenError, InputError, Unauthorized
from chatwarden.service.base import Deps
from chatwarden.service.chat.platform import (
    NO_PASSWORD,
    PlatformChatService,
    PlatformSend,
    PlatformSender,
    platform_login,
)
from chatwarden.service.types import SendResult
from chatwarden.services import Services
from chatwarden.settings import Role
from tests.service.conftest import Cast

BOB = PlatformSender("twitch", "1001", "bob")


@pytest.fixture
def platform(services: Services) -> PlatformChatService:
    deps = Deps(services.db, services.clock, services.bus, services.config, services.state)
    return PlatformChatService(deps, services.chat)


def ok(result: SendResult | ChatWardenError) -> SendResult:
    assert isinstance(result, SendResult), result
    return result


def test_a_platform_sender_is_one_user_that_cannot_log_in(
    services: Services, platform: PlatformChatService
) -> None:
    first = platform.actor(BOB)
    fresh = PlatformChatService(platform.deps, services.chat)  # another process, no cache
    assert fresh.actor(BOB).user_id == first.user_id
    renamed = fresh.actor(PlatformSender("twitch", "1001", "bobby"))
    assert renamed.user_id == first.user_id
    assert services.accounts.get_user(first.user_id).username == "bobby"
    other = platform.actor(PlatformSender("irc", "1001", "bob"))  # same id, other platform
    assert other.user_id != first.user_id
    login = platform_login("twitch", "1001")
    assert len(login) == 25 and login.startswith("~")
    with pytest.raises(Unauthorized):
        services.accounts.login(login, NO_PASSWORD)


def test_bind_channel_uses_an_existing_channel_or_makes_one(
    services: Services, cast: Cast, platform: PlatformChatService
) -> None:
    assert platform.bind_channel("Alpha", BOB).id == cast.channel.id
    made = platform.bind_channel("gamma", PlatformSender("irc", "cwbot", "cwbot"))
    assert made.owner_id == platform.actor(PlatformSender("irc", "cwbot", "cwbot")).user_id
    assert platform.bind_channel("gamma", BOB).id == made.id
    with pytest.raises(InputError):
        platform.bind_channel("#no", BOB)


def test_roles_follow_the_platform(
    services: Services, cast: Cast, platform: PlatformChatService
) -> None:
    cid = cast.channel.id
    for role, expected in [
        (Role.MODERATOR, Role.MODERATOR),
        (Role.OWNER, Role.LEAD_MODERATOR),  # the ChatWarden owner is whoever made the channel
        (Role.SUBSCRIBER, Role.SUBSCRIBER),
        (Role.VIP, Role.VIP),
        (Role.VIEWER, Role.VIEWER),
    ]:
        sender = PlatformSender("twitch", "1001", "bob", role)
        ok(platform.send(cid, [PlatformSend(sender, f"hello as {role.value}")])[0])
        assert services.channels.role_of(cid, platform.actor(sender).user_id) is expected


def test_the_platforms_emotes_join_the_channels_emote_set(
    services: Services, cast: Cast, platform: PlatformChatService
) -> None:
    cid = cast.channel.id
    item = PlatformSend(BOB, "Kappa Keepo", "twitch:m1", frozenset({"Kappa", "Keepo"}))
    ok(platform.send(cid, [item])[0])
    assert set(services.modes.get(cid).emote_set) == {"Kappa", "Keepo"}
    ok(platform.send(cid, [PlatformSend(BOB, "Kappa", "twitch:m2", frozenset({"Kappa"}))])[0])
    assert services.modes.get(cid).emote_set == ("Kappa", "Keepo")


def test_the_platform_enforces_its_own_modes_but_not_a_ban_here(
    services: Services, cast: Cast, platform: PlatformChatService
) -> None:
    cid = cast.channel.id
    services.modes.update(cast.mike, cid, {"slow_mode_s": 30, "subscribers_only": True})
    first, second = platform.send(
        cid, [PlatformSend(BOB, "one", "twitch:a"), PlatformSend(BOB, "two", "twitch:b")]
    )
    assert (ok(first).status, ok(second).status) == ("delivered", "delivered")
    # our own chat's sender is still held to the modes
    assert services.chat.send_message(cast.victor, cid, "me too").reason == "subscribers_only"
    services.actions.ban(cast.mike, cid, platform.actor(BOB).user_id, "spam")
    banned = ok(platform.send(cid, [PlatformSend(BOB, "three", "twitch:c")])[0])
    assert (banned.status, banned.reason) == ("rejected", "banned")


def test_a_platform_message_is_decided_once(
    services: Services, cast: Cast, platform: PlatformChatService
) -> None:
    cid = cast.channel.id
    threat = PlatformSend(BOB, "i will kill you", "twitch:t1")
    first = ok(platform.send(cid, [threat])[0])
    assert first.status == "held" and not first.replayed
    again = ok(platform.send(cid, [threat])[0])
    assert (again.status, again.message_id, again.replayed) == ("held", first.message_id, True)
    assert len(services.review.list_pending(cast.olivia, cid)) == 1
