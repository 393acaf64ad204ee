"""Shield Mode: on applies the preset, off restores the previous settings exactly; its
verification and first-time-chatter rules on the chat path; bulk ban by phrase."""

from __future__ import annotations

from typing import Any

import pytest

from chatwarden.bus import InProcessBus, channel_topic, mods_topic
from chatwarden.errors import Forbidden, InputError
from chatwarden.services import Services
from chatwarden.settings import AutoModSettings
from chatwarden.store import channels as channel_store
from chatwarden.store import messages as message_store
from tests.service.conftest import Cast, Recorder, make_actor


def _raw_settings(services: Services, channel_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    with services.db.read() as conn:
        row = channel_store.get_channel_txn(conn, channel_id)
    assert row is not None
    return dict(row.chat_settings), dict(row.automod_settings)


def _actions(services: Services, cast: Cast) -> list[str]:
    return [e.action for e in services.modlog.list_entries(cast.olivia, cast.channel.id)]


def test_on_applies_the_preset_and_off_restores_everything_exactly(
    services: Services, cast: Cast, bus: InProcessBus
) -> None:
    cid = cast.channel.id
    services.modes.update(
        cast.mike, cid, {"slow_mode_s": 30, "emote_set": ["Kappa"], "unique_chat": True}
    )
    services.automod.update_settings(cast.olivia, cid, {"levels": {"bullying": 1, "swearing": 2}})
    before = _raw_settings(services, cid)
    rec = Recorder(bus, channel_topic(cid), mods_topic(cid))
    try:
        status = services.shield.activate(cast.mike, cid, "raid incoming")
        assert status.active and status.saved == {
            "chat_settings": before[0],
            "automod_settings": before[1],
        }
        modes = services.modes.get(cid)
        assert modes.followers_only_min_age_s == 600
        assert modes.slow_mode_s == 30  # already stricter than the preset's 10: kept
        assert modes.unique_chat and modes.emote_set == ("Kappa",)
        levels = services.automod.get_settings(cast.olivia, cid).category_levels()
        assert levels == AutoModSettings.from_mapping({"overall_level": 3}).category_levels()
        public = rec.types(channel_topic(cid))
        assert "channel.shield_mode.begin" in public and "channel.chat_settings.update" in public
        # a second click changes nothing and logs nothing
        n = len(_actions(services, cast))
        assert services.shield.activate(cast.mike, cid).active
        assert len(_actions(services, cast)) == n
        # changes made while shielded are discarded on restore (as on Twitch)
        services.modes.update(cast.mike, cid, {"subscribers_only": True})
        status = services.shield.deactivate(cast.lena, cid)
        assert not status.active and status.saved is None
        assert _raw_settings(services, cid) == before
        assert "channel.shield_mode.end" in rec.types(channel_topic(cid))
    finally:
        rec.close()
    actions = _actions(services, cast)
    assert actions[:1] == ["shield.off"] and "shield.on" in actions
    on = next(e for e in services.modlog.list_entries(cast.olivia, cid) if e.action == "shield.on")
    assert on.actor_id == cast.mike.user_id and on.reason == "raid incoming"
    assert "chat_settings.followers_only_min_age_s" in on.details["changed"]


def test_restore_is_exact_from_default_settings(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    before = _raw_settings(services, cid)
    services.shield.activate(cast.olivia, cid)
    assert _raw_settings(services, cid) != before
    services.shield.deactivate(cast.olivia, cid)
    assert _raw_settings(services, cid) == before
    # off when already off: nothing happens
    assert not services.shield.deactivate(cast.olivia, cid).active


def test_preset_is_editable_and_validated(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    preset = services.shield.update_preset(
        cast.lena, cid, {"slow_mode_s": 60, "followers_only_min_age_s": None}
    )
    assert preset.slow_mode_s == 60 and preset.followers_only_min_age_s is None
    with pytest.raises(InputError, match="slow_mode_s"):
        services.shield.update_preset(cast.lena, cid, {"slow_mode_s": 1000})
    with pytest.raises(InputError, match="nonsense"):
        services.shield.update_preset(cast.lena, cid, {"nonsense": 1})
    with pytest.raises(Forbidden):
        services.shield.update_preset(cast.mike, cid, {"slow_mode_s": 5})
    services.shield.activate(cast.mike, cid)
    modes = services.modes.get(cid)
    assert modes.slow_mode_s == 60 and modes.followers_only_min_age_s is None
    assert "shield.preset.update" in _actions(services, cast)


def test_shield_verification_and_first_time_chatters(
    services: Services, cast: Cast, bus: InProcessBus
) -> None:
    cid = cast.channel.id
    services.shield.update_preset(
        cast.olivia, cid, {"followers_only_min_age_s": None, "slow_mode_s": 0}
    )
    services.chat.send_message(cast.victor, cid, "hi before the raid")
    services.shield.activate(cast.mike, cid)
    # verification (email by default) is required of non-exempt chatters while shielded
    r = services.chat.send_message(cast.victor, cid, "hello again")
    assert r.status == "rejected" and r.reason == "verification_required"
    assert "verified email" in (r.detail or "")
    assert services.chat.send_message(cast.sam, cid, "subs are exempt").status == "delivered"
    services.accounts.set_verified(cast.ada, cast.victor.user_id, email=True)
    assert services.chat.send_message(cast.victor, cid, "verified now").status == "delivered"
    # a verified first-time chatter is restricted: only moderators (and they) see the message
    newbie = make_actor(services, "newbie")
    services.accounts.set_verified(cast.ada, newbie.user_id, email=True)
    rec = Recorder(bus, channel_topic(cid), mods_topic(cid))
    try:
        r = services.chat.send_message(newbie, cid, "first message here")
        assert r.status == "delivered"  # the sender is not told
        assert rec.types(channel_topic(cid)) == []
        mods = rec.drain(mods_topic(cid))
        sus = [e for e in mods if e["type"] == "channel.suspicious_user.message"]
        assert sus and sus[0]["event"]["low_trust_status"] == "restricted"
        assert sus[0]["event"]["message"]["text"] == "first message here"
    finally:
        rec.close()
    with services.db.read() as conn:
        row = message_store.get_message_txn(conn, str(r.message_id))
    assert row is not None and row.status == "restricted" and row.decision is not None
    assert row.decision["detection"]["flag"]["low_trust_status"] == "restricted"
    assert r.message_id not in [m.id for m in services.chat.recent_messages(cid)]
    # "reject" refuses first-time chatters outright
    services.shield.update_preset(cast.olivia, cid, {"first_time_chatters": "reject"})
    other = make_actor(services, "newbie2")
    services.accounts.set_verified(cast.ada, other.user_id, email=True)
    r = services.chat.send_message(other, cid, "let me in")
    assert r.status == "rejected" and r.reason == "shield_mode"
    services.shield.deactivate(cast.mike, cid)
    assert services.chat.send_message(other, cid, "let me in").status == "delivered"


def test_bulk_ban_preview_then_ban_with_a_cap(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    raiders = [make_actor(services, f"raider{n}") for n in range(5)]
    for n, raider in enumerate(raiders):
        services.chat.send_message(raider, cid, f"F0LL0W my channel kekw {n}")
    services.chat.send_message(cast.mike, cid, "follow my channel is a scam, do not click")
    services.chat.send_message(cast.victor, cid, "nice stream")
    preview = services.shield.bulk_ban(cast.mike, cid, "follow my channel", max_users=3)
    assert preview.dry_run and preview.matched == 6 and preview.capped
    assert len(preview.candidates) == 3 and preview.banned == []
    assert {c.username for c in preview.candidates} <= {r.username for r in raiders}
    assert [s["username"] for s in preview.skipped] == ["mike"]
    with services.db.read() as conn:
        assert not any(
            m.banned
            for m in channel_store.get_members_txn(conn, cid, [r.user_id for r in raiders]).values()
        )
    done = services.shield.bulk_ban(cast.mike, cid, "follow my channel", dry_run=False, max_users=3)
    assert len(done.banned) == 3 and done.capped
    rest = services.shield.bulk_ban(cast.mike, cid, "follow my channel", dry_run=False)
    assert len(rest.banned) == 2 and not rest.capped
    banned = set(done.banned) | set(rest.banned)
    assert banned == {r.user_id for r in raiders}
    assert services.chat.send_message(raiders[0], cid, "hi").reason == "banned"
    actions = _actions(services, cast)
    assert actions.count("ban") == 5 and actions.count("shield.bulk_ban") == 2
    with pytest.raises(InputError, match="max_users"):
        services.shield.bulk_ban(cast.mike, cid, "follow", max_users=10_000)
    with pytest.raises(Forbidden):
        services.shield.bulk_ban(cast.vera, cid, "follow my channel")
