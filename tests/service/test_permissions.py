"""The permission matrix at the service level: every role x every action x own/other channel.

``EXPECTED`` is the spec written out by hand (Twitch semantics), independent of the table in
``chatwarden.service.permissions``; each case calls the real service and checks that it was
allowed or refused with ``Forbidden``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from chatwarden.errors import Forbidden
from chatwarden.service.permissions import TABLE, Permission, can
from chatwarden.service.types import Actor
from chatwarden.services import Services
from chatwarden.settings import Role
from tests.service.conftest import PASSWORD, Cast

OW, LM, MO, VI, SU, FO, VW = (
    Role.OWNER,
    Role.LEAD_MODERATOR,
    Role.MODERATOR,
    Role.VIP,
    Role.SUBSCRIBER,
    Role.FOLLOWER,
    Role.VIEWER,
)
ALL = {OW, LM, MO, VI, SU, FO, VW}
MODS = {OW, LM, MO}
LEADS = {OW, LM}

EXPECTED: dict[str, set[Role]] = {
    "send_message": ALL,
    "acknowledge_warning": ALL,
    "view_queue": MODS,
    "resolve_held": MODS,
    "precheck": MODS,
    "delete_message": MODS,
    "warn": MODS,
    "timeout": MODS,
    "ban": MODS,
    "unban": MODS,
    "update_chat_settings": MODS,
    "view_automod_settings": MODS,
    "update_automod_settings": LEADS,
    "manage_terms": MODS,
    "manage_private_terms": {OW},
    "view_mod_log": MODS,
    "view_user_card": MODS,
    "add_note": MODS,
    "delete_note": LEADS,
    "view_unban_requests": MODS,
    "resolve_unban_request": MODS,
    "manage_vips": LEADS,
    "manage_moderators": LEADS,
    "manage_lead_moderators": {OW},
    "manage_subscriptions": {OW},
    "manage_webhooks": {OW},
    "view_members": MODS,
    "view_detection": MODS,
    "toggle_shield": MODS,
    "update_shield_preset": LEADS,
    "bulk_ban": MODS,
    "update_detection_settings": LEADS,
    "manage_suspicious": MODS,
    "manage_sharing": {OW},
    "manage_policy_lists": LEADS,
    "permit_links": MODS,
    "view_health": MODS,
    "manage_shadow": LEADS,
    "preview_automod": MODS,
    "export_chat_history": MODS,
    "export_labels": LEADS,
    "manage_rules": LEADS,
    "manage_connections": {OW},
}

Op = Callable[[Services, Actor, int, Actor, Actor], object]


def _target(services: Services, n: list[int]) -> Actor:
    n[0] += 1
    user = services.accounts.register(f"target{n[0]}", PASSWORD)
    return Actor(user.id, user.username)


def _held_item(s: Services, cid: int, target: Actor, admin: Actor) -> int:
    r = s.chat.send_message(target, cid, "you are a worthless idiot and everyone hates you")
    assert r.status == "held"
    return next(i.id for i in s.review.list_pending(admin, cid) if i.message.id == r.message_id)


def _unban_request(s: Services, cid: int, target: Actor, admin: Actor) -> int:
    s.actions.ban(admin, cid, target.user_id, "setup")
    return s.unban.create_request(target, cid, "please").id


def _share(s: Services, actor: Actor, cid: int) -> None:
    partner = "beta" if s.channels.get_channel(cid).name == "alpha" else "alpha"
    s.sharing.agree(actor, cid, partner)
    s.sharing.revoke(actor, cid, partner)


OPS: dict[str, Op] = {
    "send_message": lambda s, a, c, t, ad: s.chat.send_message(a, c, "hello there"),
    "acknowledge_warning": lambda s, a, c, t, ad: s.actions.acknowledge_warning(a, c),
    "view_queue": lambda s, a, c, t, ad: s.review.list_pending(a, c),
    "resolve_held": lambda s, a, c, t, ad: s.review.resolve(a, _held_item(s, c, t, ad), "deny"),
    "precheck": lambda s, a, c, t, ad: s.chat.precheck(a, c, "gg"),
    "delete_message": lambda s, a, c, t, ad: s.actions.delete_message(
        a, c, str(s.chat.send_message(t, c, "hi all").message_id)
    ),
    "warn": lambda s, a, c, t, ad: s.actions.warn(a, c, t.user_id, "rule 1"),
    "timeout": lambda s, a, c, t, ad: s.actions.timeout(a, c, t.user_id, 60),
    "ban": lambda s, a, c, t, ad: s.actions.ban(a, c, t.user_id),
    "unban": lambda s, a, c, t, ad: (
        s.actions.ban(ad, c, t.user_id),
        s.actions.unban(a, c, t.user_id),
    ),
    "update_chat_settings": lambda s, a, c, t, ad: s.modes.update(a, c, {"slow_mode_s": 3}),
    "view_automod_settings": lambda s, a, c, t, ad: s.automod.get_settings(a, c),
    "update_automod_settings": lambda s, a, c, t, ad: s.automod.update_settings(
        a, c, {"overall_level": 3}
    ),
    "manage_terms": lambda s, a, c, t, ad: s.automod.add_term(a, c, f"badterm{t.user_id}"),
    "manage_private_terms": lambda s, a, c, t, ad: s.automod.add_term(
        a, c, f"secret{t.user_id}", private=True
    ),
    "view_mod_log": lambda s, a, c, t, ad: s.modlog.list_entries(a, c),
    "view_user_card": lambda s, a, c, t, ad: s.usercard.user_card(a, c, t.user_id),
    "add_note": lambda s, a, c, t, ad: s.usercard.add_note(a, c, t.user_id, "watch"),
    "delete_note": lambda s, a, c, t, ad: s.usercard.delete_note(
        a, s.usercard.add_note(ad, c, t.user_id, "note").id
    ),
    "view_unban_requests": lambda s, a, c, t, ad: s.unban.list_requests(a, c),
    "resolve_unban_request": lambda s, a, c, t, ad: s.unban.resolve(
        a, _unban_request(s, c, t, ad), approve=False
    ),
    "manage_vips": lambda s, a, c, t, ad: s.channels.set_role(a, c, t.user_id, Role.VIP),
    "manage_moderators": lambda s, a, c, t, ad: s.channels.set_role(
        a, c, t.user_id, Role.MODERATOR
    ),
    "manage_lead_moderators": lambda s, a, c, t, ad: s.channels.set_role(
        a, c, t.user_id, Role.LEAD_MODERATOR
    ),
    "manage_subscriptions": lambda s, a, c, t, ad: s.channels.set_subscribed(a, c, t.user_id, True),
    "manage_webhooks": lambda s, a, c, t, ad: s.webhooks.list_subscriptions(a, c),
    "view_members": lambda s, a, c, t, ad: s.channels.list_members(a, c),
    "view_detection": lambda s, a, c, t, ad: s.detection.get(a, c),
    "toggle_shield": lambda s, a, c, t, ad: (s.shield.activate(a, c), s.shield.deactivate(ad, c)),
    "update_shield_preset": lambda s, a, c, t, ad: s.shield.update_preset(a, c, {"slow_mode_s": 9}),
    "bulk_ban": lambda s, a, c, t, ad: s.shield.bulk_ban(a, c, "no message says this"),
    "update_detection_settings": lambda s, a, c, t, ad: s.detection.update(
        a, c, {"shared_bans": {"treatment": "monitor"}}
    ),
    "manage_suspicious": lambda s, a, c, t, ad: s.suspicious.flag(a, c, t.user_id, "monitored"),
    "manage_sharing": lambda s, a, c, t, ad: _share(s, a, c),
    "manage_policy_lists": lambda s, a, c, t, ad: s.policy_lists.create(a, c, f"list{t.user_id}"),
    "permit_links": lambda s, a, c, t, ad: s.spam.permit(a, c, t.user_id),
    "view_health": lambda s, a, c, t, ad: s.analytics.series(a, c),
    "manage_shadow": lambda s, a, c, t, ad: s.shadow.configure(
        a, c, candidate_settings={"overall_level": 1}
    ),
    "preview_automod": lambda s, a, c, t, ad: s.preview.preview(a, c, {"overall_level": 3}),
    "export_chat_history": lambda s, a, c, t, ad: s.preview.export_history(a, c),
    "export_labels": lambda s, a, c, t, ad: s.labels.export_labels(a, c),
    "manage_rules": lambda s, a, c, t, ad: s.channels.set_rules(a, c, ["Be kind"]),
    "manage_connections": lambda s, a, c, t, ad: s.connections.list_connections(a, c),
}


def test_expected_covers_every_permission_and_matches_the_table() -> None:
    covered = set(EXPECTED) | {"create_unban_request"}  # needs a ban: tested in test_unban
    assert covered == {p.value for p in Permission}
    assert set(OPS) == set(EXPECTED)
    for name, roles in EXPECTED.items():
        assert TABLE[Permission(name)] == roles, name


def test_permission_matrix(services: Services, cast: Cast) -> None:
    """7 roles x 27 actions x {own channel, other channel} = 378 real service calls."""
    counter = [0]
    mismatches = []
    for role, name in itertools.product(list(Role), OPS):
        actor = cast.by_role()[role]
        for where, channel_id, effective in (
            ("own", cast.channel.id, role),
            ("other", cast.other.id, VW),  # the actor has no role in beta
        ):
            target = _target(services, counter)
            expected = effective in EXPECTED[name]
            try:
                OPS[name](services, actor, channel_id, target, cast.ada)
                allowed = True
            except Forbidden:
                allowed = False
            if allowed != expected:
                mismatches.append((role.value, name, where, expected, allowed))
            if name == "update_chat_settings" and allowed:
                services.modes.update(cast.ada, channel_id, {"slow_mode_s": 0})
    assert mismatches == []


def test_site_admin_may_do_everything(services: Services, cast: Cast) -> None:
    counter = [100]
    for name, op in OPS.items():
        op(services, cast.ada, cast.other.id, _target(services, counter), cast.ada)
        if name == "update_chat_settings":
            services.modes.update(cast.ada, cast.other.id, {"slow_mode_s": 0})


@pytest.mark.parametrize(
    ("actor_role", "target_role", "allowed"),
    [
        (MO, MO, False),
        (MO, LM, False),
        (MO, OW, False),
        (MO, VI, True),
        (MO, SU, True),
        (LM, MO, True),
        (LM, LM, False),
        (LM, OW, False),
        (OW, LM, True),
        (OW, MO, True),
    ],
)
def test_who_can_act_on_whom(
    services: Services, cast: Cast, actor_role: Role, target_role: Role, allowed: bool
) -> None:
    """Moderators never act on the owner or another moderator; lead mods act on moderators."""
    cid = cast.channel.id
    actor = cast.by_role()[actor_role]
    target = cast.by_role()[target_role]
    if actor is target:  # a second person with the same role
        extra = _target(services, [200])
        services.channels.set_role(cast.olivia, cid, extra.user_id, target_role)
        target = extra
    assert can(actor_role, Permission.TIMEOUT, target_role) is allowed
    calls = (
        lambda: services.actions.timeout(actor, cid, target.user_id, 10),
        lambda: services.actions.warn(actor, cid, target.user_id, "x"),
        lambda: services.actions.ban(actor, cid, target.user_id),
    )
    for call in calls:
        if allowed:
            call()
        else:
            with pytest.raises(Forbidden, match="cannot"):
                call()


def test_nobody_acts_on_themselves(services: Services, cast: Cast) -> None:
    for actor in (cast.olivia, cast.lena, cast.mike):
        with pytest.raises(Forbidden):
            services.actions.ban(actor, cast.channel.id, actor.user_id)
        with pytest.raises(Forbidden):
            services.channels.set_role(actor, cast.channel.id, actor.user_id, Role.VIEWER)


def test_token_scopes_limit_even_the_owner(services: Services, cast: Cast) -> None:
    token = services.accounts.create_api_token(cast.olivia, "reader", ["moderation:read"]).token
    reader = services.accounts.authenticate(token)
    cid = cast.channel.id
    services.review.list_pending(reader, cid)
    with pytest.raises(Forbidden, match="moderation:write"):
        services.actions.timeout(reader, cid, cast.victor.user_id, 10)
    with pytest.raises(Forbidden, match="channel:manage"):
        services.automod.update_settings(reader, cid, {"overall_level": 1})
