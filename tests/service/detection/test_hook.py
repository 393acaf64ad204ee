"""The live detectors on the chat path: spam filters, raid alerts (+ automatic Shield Mode),
ban evasion from stored fingerprints, names and writing style; settings validated and logged."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from chatwarden.bus import InProcessBus, channel_topic, mods_topic
from chatwarden.clock import FakeClock
from chatwarden.errors import Forbidden, InputError
from chatwarden.service.detection.hook import hash_fingerprint
from chatwarden.service.detection.settings import deep_merge
from chatwarden.service.types import SendRequest
from chatwarden.services import Services
from chatwarden.store import messages as message_store
from chatwarden.store.schema import user_fingerprints
from tests.service.conftest import Cast, Recorder, make_actor

LOUD = "THIS STREAM IS ABSOLUTELY AMAZING EVERYONE"


FILTERS = ("caps", "symbols", "repetition", "emote_flood", "length", "links", "mentions", "rate")
#: every opt-in detector on (spam filters, the flood limit, bot waves)
ALL_ON = {
    "enabled": True,
    "detectors": {
        "spam": {name: {"enabled": True} for name in FILTERS},
        "waves": {"enabled": True},
    },
}


def _enable(services: Services, cast: Cast, **extra: object) -> None:
    services.detection.update(cast.lena, cast.channel.id, deep_merge(ALL_ON, extra))


def test_defaults_and_opt_in_spam_filters(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    settings = services.detection.get(cast.mike, cid)
    assert settings.enabled  # ban evasion and raid alerts run for every channel
    assert settings.detectors.raid.enabled and settings.detectors.evasion.enabled
    assert settings.detectors.evasion.likely_treatment == "monitor"
    assert settings.detectors.evasion.possible_treatment == "off"  # not flagged (Twitch)
    assert not settings.detectors.waves.enabled
    assert not any(getattr(settings.detectors.spam, name).enabled for name in FILTERS)
    # spam filters are opt-in, like a chat bot's
    assert services.chat.send_message(cast.victor, cid, LOUD).status == "delivered"
    _enable(services, cast)
    r = services.chat.send_message(cast.victor, cid, LOUD)
    assert r.status == "blocked" and r.reason == "detection"
    assert "capital" in (r.detail or "")
    with services.db.read() as conn:
        row = message_store.get_message_txn(conn, str(r.message_id))
    assert row is not None and row.status == "blocked" and row.decision is not None
    finding = row.decision["detection"]["findings"][0]
    assert finding["code"] == "spam.caps" and finding["action"]["kind"] == "delete"
    (entry,) = services.modlog.list_entries(cast.olivia, cid, action="detection.delete")
    assert entry.actor_id is None and entry.target_user_id == cast.victor.user_id
    assert "capital" in entry.reason
    # exempt roles (VIPs by default) pass
    assert services.chat.send_message(cast.vera, cid, LOUD).status == "delivered"


def test_settings_are_validated_logged_and_lead_only(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    with pytest.raises(InputError, match="threshold"):
        services.detection.update(
            cast.lena, cid, {"detectors": {"spam": {"caps": {"threshold": 3}}}}
        )
    with pytest.raises(InputError, match="bogus"):
        services.detection.update(cast.lena, cid, {"bogus": True})
    with pytest.raises(Forbidden):
        services.detection.update(cast.mike, cid, {"enabled": True})
    settings = services.detection.update(
        cast.lena, cid, {"detectors": {"spam": {"caps": {"threshold": 0.9}}}}
    )
    assert settings.detectors.spam.caps.threshold == 0.9
    assert settings.detectors.spam.symbols.threshold == 0.5  # the rest is untouched
    (entry,) = services.modlog.list_entries(cast.olivia, cid, action="detection.settings.update")
    assert entry.details["changed"] == {
        "detectors.spam.caps.threshold": {"before": 0.7, "after": 0.9}
    }
    assert services.detection.get(cast.mike, cid) == settings


def test_raid_alert_turns_shield_mode_on_when_the_owner_allowed_it(
    services: Services, cast: Cast, bus: InProcessBus, clock: FakeClock
) -> None:
    cid = cast.channel.id
    with pytest.raises(Forbidden, match="owner"):  # the owner's consent, not a lead's
        _enable(services, cast, detectors={"raid": {"auto_shield": True}})
    services.detection.update(cast.olivia, cid, {"detectors": {"raid": {"auto_shield": True}}})
    _enable(services, cast)
    for n in range(20):  # an ordinary chat first
        services.chat.send_message(cast.by_role()[list(cast.by_role())[n % 7]], cid, f"gg {n} wp")
        clock.advance(3)
    rec = Recorder(bus, channel_topic(cid), mods_topic(cid))
    try:
        raiders = [make_actor(services, f"raidbot{n}") for n in range(12)]
        results = services.chat.send_messages(
            [SendRequest(r, cid, "this channel is trash, leave now losers") for r in raiders]
        )
        assert all(not isinstance(r, Exception) for r in results)
        mods = rec.drain(mods_topic(cid))
        alerts = [e for e in mods if e["type"] == "channel.raid_alert"]
        assert len(alerts) == 1 and alerts[0]["event"]["shield_mode_enabled"] is True
        assert alerts[0]["event"]["explanation"]
        public = [e["type"] for e in rec.drain(channel_topic(cid))]
        assert "channel.shield_mode.begin" in public
    finally:
        rec.close()
    status = services.shield.status(cast.mike, cid)
    assert status.active and status.changed_by is None  # done by AutoMod
    actions = [e.action for e in services.modlog.list_entries(cast.olivia, cid)]
    assert "detection.raid_alert" in actions and "shield.on" in actions
    on = services.modlog.list_entries(cast.olivia, cid, action="shield.on")[0]
    assert on.actor_id is None and on.reason.startswith("hate raid suspected")


def test_raid_alert_without_permission_only_alerts(
    services: Services, cast: Cast, bus: InProcessBus
) -> None:
    cid = cast.channel.id
    _enable(services, cast)
    raiders = [make_actor(services, f"raidbot{n}") for n in range(12)]
    services.chat.send_messages(
        [SendRequest(r, cid, "this channel is trash, leave now losers") for r in raiders]
    )
    entries = services.modlog.list_entries(cast.olivia, cid, action="detection.raid_alert")
    assert len(entries) == 1 and entries[0].details["shield_mode_enabled"] is False
    assert not services.shield.status(cast.mike, cid).active


def test_ban_evader_is_flagged_with_reasons_and_fingerprints_stay_hashed(
    services: Services, cast: Cast, bus: InProcessBus
) -> None:
    cid = cast.channel.id
    _enable(services, cast)
    troll = make_actor(services, "toxic_kid")
    for text in ("lmaooo this streamer is so bad ngl", "ngl u guys are clueless lmaooo"):
        services.chat.send_messages([SendRequest(troll, cid, text, None, "device-abc", "net-1")])
    services.actions.ban(cast.mike, cid, troll.user_id, "harassment")
    rec = Recorder(bus, channel_topic(cid), mods_topic(cid))
    try:
        evader = make_actor(services, "toxic_kid2")
        (r,) = services.chat.send_messages(
            [SendRequest(evader, cid, "lmaooo ngl this streamer is bad", None, "device-abc")]
        )
        assert not isinstance(r, Exception) and r.status == "delivered"
        mods = rec.drain(mods_topic(cid))
    finally:
        rec.close()
    (flag,) = services.suspicious.list_users(cast.mike, cid)
    assert flag.user_id == evader.user_id and flag.source == "auto"
    assert flag.evasion_level == "likely" and flag.status == "monitored"  # the default
    assert flag.matched_username == "toxic_kid" and flag.added_by is None
    assert any("fingerprint" in reason or "device" in reason for reason in flag.reasons)
    updates = [e for e in mods if e["type"] == "channel.suspicious_user.update"]
    messages = [e for e in mods if e["type"] == "channel.suspicious_user.message"]
    assert updates and messages[0]["event"]["types"] == ["ban_evader_detector"]
    assert messages[0]["event"]["ban_evasion_evaluation"] == "likely"
    with services.db.read() as conn:
        stored = {row.hash for row in conn.execute(sa.select(user_fingerprints))}
    assert hash_fingerprint(services.secret_key, "device", "device-abc") in stored
    assert not any("device-abc" in h or "net-1" in h for h in stored)
    assert all(len(h) == 64 for h in stored)


def test_bot_wave_is_removed_but_crowdspeak_is_left_alone(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    _enable(services, cast)
    regulars = [make_actor(services, f"regular{n}") for n in range(6)]
    hellos = ["hello!", "evening all", "first stream in ages", "yo", "o7 chat", "sup"]
    for r, hello in zip(regulars, hellos, strict=True):
        services.channels.follow(r, cid)
        services.chat.send_message(r, cid, hello)
    clock.advance(8 * 86400)
    results = services.chat.send_messages(
        [SendRequest(r, cid, "KEKW KEKW what a play KEKW") for r in regulars]
    )
    assert [getattr(r, "status", r) for r in results] == ["delivered"] * 6
    bots = [make_actor(services, f"fr33bot{n}") for n in range(8)]
    services.chat.send_messages(
        [SendRequest(b, cid, "free followers now at cheapfollows dot xyz") for b in bots]
    )
    recent = services.chat.recent_messages(cid, 100)
    assert not any(m.sender_name.startswith("fr33bot") for m in recent)
    assert sum(m.text == "KEKW KEKW what a play KEKW" for m in recent) == 6
    log = services.modlog.list_entries(cast.olivia, cid, action="detection.delete")
    assert {e.target_name for e in log} == {b.username for b in bots}
    assert any(e.reason.startswith("earlier message of a bot wave") for e in log)
    timeouts = services.modlog.list_entries(cast.olivia, cid, action="detection.timeout_user")
    assert timeouts == []


def test_link_permit_lets_one_chatter_post_links_for_a_while(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    _enable(services, cast)
    link = "look at https://example.org/cool"
    r = services.chat.send_message(cast.victor, cid, link)
    assert r.status == "blocked" and "example.org" in (r.detail or "")
    assert services.chat.send_message(cast.victor, cid, "https://youtu.be/x").status == "delivered"
    with pytest.raises(Forbidden):
        services.spam.permit(cast.vera, cid, cast.victor.user_id)
    until = services.spam.permit(cast.mike, cid, cast.victor.user_id)
    assert (until - clock.now()).total_seconds() == 60
    assert services.chat.send_message(cast.victor, cid, link + "?2").status == "delivered"
    clock.advance(61)
    assert services.chat.send_message(cast.victor, cid, link + "?3").status == "blocked"
    (entry,) = services.modlog.list_entries(cast.olivia, cid, action="detection.permit")
    assert entry.actor_id == cast.mike.user_id and entry.target_user_id == cast.victor.user_id


def test_hold_action_queues_for_review_and_flood_times_out(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    _enable(services, cast, detectors={"spam": {"caps": {"action": "hold"}}})
    r = services.chat.send_message(cast.victor, cid, LOUD)
    assert r.status == "held" and r.reason == "held_for_review"
    (item,) = services.review.list_pending(cast.mike, cid)
    assert item.message.id == r.message_id
    (entry,) = services.modlog.list_entries(cast.olivia, cid, action="detection.hold")
    assert "capital" in entry.reason and entry.details["decision"]["detection"]["findings"]
    # a flood: the rate filter times the sender out (10 s first), as AutoMod
    results = [services.chat.send_message(cast.fiona, cid, f"msg number {n}") for n in range(9)]
    assert [x.status for x in results[:8]] == ["delivered"] * 8
    assert results[8].status == "blocked" and "messages within" in (results[8].detail or "")
    r = services.chat.send_message(cast.fiona, cid, "let me talk")
    assert r.reason == "timed_out" and 0 < (r.retry_after_s or 0) <= 10
    (timeout,) = services.modlog.list_entries(cast.olivia, cid, action="detection.timeout_user")
    assert timeout.actor_id is None and timeout.details["duration_s"] == 10
    clock.advance(11)
    assert services.chat.send_message(cast.fiona, cid, "back").status == "delivered"


def test_ban_evasion_alone_runs_through_the_evasion_only_check(
    services: Services, cast: Cast
) -> None:
    cid = cast.channel.id
    # the defaults without raid alerts: ban evasion is the only live detector
    services.detection.update(cast.lena, cid, {"detectors": {"raid": {"enabled": False}}})
    troll = make_actor(services, "toxic_kid")
    services.chat.send_messages([SendRequest(troll, cid, "u guys r clueless", None, "dev-9")])
    services.actions.ban(cast.mike, cid, troll.user_id, "harassment")
    evader = make_actor(services, "toxic_kid2")
    (r,) = services.chat.send_messages(
        [SendRequest(evader, cid, "THIS STREAM IS ABSOLUTELY AMAZING EVERYONE", None, "dev-9")]
    )
    assert not isinstance(r, Exception) and r.status == "delivered"  # no spam filter by default
    hook = services.chat.detection
    assert hook is not None
    detectors = hook._channels[cid].detectors
    assert detectors.only_evasion and detectors.sizes()["clusters"] == 0
    (flag,) = services.suspicious.list_users(cast.mike, cid)
    assert flag.user_id == evader.user_id and flag.status == "monitored"
    assert flag.evasion_level == "likely"


def test_the_channels_emote_set_is_what_the_detectors_count_as_emotes(
    services: Services, cast: Cast
) -> None:
    """One emote list per channel: the chat settings' emote set reaches the detectors too."""
    cid = cast.channel.id
    _enable(services, cast, detectors={"spam": {"emote_flood": {"max_emotes": 3}}})
    flood = "wardenHype wardenHype wardenHype wardenHype wardenHype"
    assert services.chat.send_message(cast.victor, cid, flood).status == "delivered"
    services.modes.update(cast.mike, cid, {"emote_set": ["wardenHype"]})
    r = services.chat.send_message(cast.victor, cid, flood + " wardenHype")
    assert r.status == "blocked" and "emote" in (r.detail or "")
    # and the caps filter no longer counts the emote's capitals ("wardenHYPE" is an emote)
    services.modes.update(cast.mike, cid, {"emote_set": ["wardenHype", "WARDENHYPE"]})
    loud = "WARDENHYPE WARDENHYPE WARDENHYPE what a play"
    assert services.chat.send_message(cast.fiona, cid, loud).status == "delivered"
