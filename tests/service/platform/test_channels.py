"""ChannelService.access_of: what a user interface may offer, agreeing with the permission table."""

from __future__ import annotations

from chatwarden.clock import FakeClock
from chatwarden.service.permissions import SCOPE_OF, Permission, can
from chatwarden.services import Services
from chatwarden.settings import Role
from tests.service.conftest import Cast


def test_access_lists_exactly_the_permissions_of_the_table(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    for role, actor in cast.by_role().items():
        access = services.channels.access_of(actor, cid)
        assert access.role is role
        assert set(access.permissions) == {p.value for p in Permission if can(role, p)}, role
    admin = services.channels.access_of(cast.ada, cid)
    assert set(admin.permissions) == {p.value for p in Permission}
    # in a channel where they hold no role, the moderator is a viewer
    elsewhere = services.channels.access_of(cast.mike, cast.other.id)
    assert Permission.VIEW_QUEUE.value not in elsewhere.permissions


def test_access_of_a_token_is_limited_to_its_scopes(services: Services, cast: Cast) -> None:
    token = services.accounts.create_api_token(cast.mike, "bot", ["moderation:read"], None)
    bot = services.accounts.authenticate(token.token)
    got = set(services.channels.access_of(bot, cast.channel.id).permissions)
    # what a moderator may do that the token's one scope covers (not a lead's exports)
    expected = {
        p.value for p in Permission if SCOPE_OF[p] == "moderation:read" and can(Role.MODERATOR, p)
    }
    assert got == expected and Permission.VIEW_QUEUE.value in got


def test_access_reports_the_callers_standing(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid, victim = cast.channel.id, cast.victor
    fresh = services.channels.access_of(victim, cid)
    assert (fresh.banned, fresh.timeout_until, fresh.timeout_left_s, fresh.warning) == (
        False,
        None,
        None,
        None,
    )
    services.actions.warn(cast.mike, cid, victim.user_id, "language")
    services.actions.timeout(cast.mike, cid, victim.user_id, 300, "")
    got = services.channels.access_of(victim, cid)
    assert got.warning == "language" and got.timeout_left_s == 300.0
    clock.advance(301)
    got = services.channels.access_of(victim, cid)
    assert got.timeout_until is None and got.timeout_left_s is None
    services.actions.acknowledge_warning(victim, cid)
    services.actions.ban(cast.mike, cid, victim.user_id, "")
    got = services.channels.access_of(victim, cid)
    assert got.banned and got.warning is None


def test_mod_view_channels_are_where_the_queue_opens(services: Services, cast: Cast) -> None:
    names = services.channels.mod_view_channels
    assert names(cast.olivia) == names(cast.lena) == names(cast.mike) == ["alpha"]
    for person in (cast.vera, cast.sam, cast.fiona, cast.victor, cast.mallory):
        assert names(person) == [], person.username
    assert names(cast.bob) == ["beta"]
    assert names(cast.ada) == ["alpha", "beta"]  # a site admin
    services.channels.set_role(cast.olivia, cast.channel.id, cast.mike.user_id, Role.VIEWER)
    assert names(cast.mike) == []
