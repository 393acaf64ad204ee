"""Our own chat's effect applier (``ChatEffects``): effects as values carried out in one
transaction, each in the mod log with its reason."""

from __future__ import annotations

import pytest

from chatwarden.bus import InProcessBus, channel_topic
from chatwarden.detect.types import ActionKind, DetectAction, Finding
from chatwarden.rules.effects import Alert, Delete, ShieldMode, Target, Timeout, Warn
from chatwarden.service import events
from chatwarden.service.detection.effects import ChatEffects
from chatwarden.services import Services
from tests.service.conftest import Cast, Recorder


def test_effects_are_applied_and_logged_with_their_reasons(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    raid = Finding("raid", "raid.suspected", DetectAction(ActionKind.FLAG), "12 new chatters", {})
    target = Target(cid, cast.victor.user_id, cast.victor.username, None, "")
    with services.chat.transaction() as out:
        channel = services.chat.channel_txn(out.conn, cid)
        applier = ChatEffects(out, {cid: channel}, services.shield)
        applier.apply(
            target,
            [
                Timeout("too many links", 120),
                ShieldMode("hate raid suspected: 12 new chatters"),
                Alert("12 new chatters", "raid", findings=(raid,)),
                Alert("12 new chatters", "raid", findings=(raid,)),  # Shield Mode already on
            ],
        )
    rejected = services.chat.send_message(cast.victor, cid, "hello")
    assert rejected.reason == "timed_out" and rejected.retry_after_s == pytest.approx(120)
    (timeout,) = services.modlog.list_entries(cast.olivia, cid, action="detection.timeout_user")
    assert timeout.reason == "too many links" and timeout.actor_id is None
    assert timeout.target_user_id == cast.victor.user_id
    assert timeout.details["duration_s"] == 120
    alerts = services.modlog.list_entries(cast.olivia, cid, action="detection.raid_alert")
    enabled = sorted(a.details["shield_mode_enabled"] for a in alerts)
    assert enabled == [False, True] and {a.reason for a in alerts} == {"12 new chatters"}
    (on,) = services.modlog.list_entries(cast.olivia, cid, action="shield.on")
    assert on.reason == "hate raid suspected: 12 new chatters"
    assert services.shield.status(cast.mike, cid).active


def test_warn_and_ban_come_only_through_the_strike_ladder(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    target = Target(cid, cast.victor.user_id, cast.victor.username)
    with pytest.raises(NotImplementedError), services.chat.transaction() as out:
        channel = services.chat.channel_txn(out.conn, cid)
        ChatEffects(out, {cid: channel}, services.shield).apply(target, [Warn("rude")])


def test_a_bot_waves_earlier_lines_are_removed_by_automod_a_moderators_delete_by_a_moderator(
    services: Services, cast: Cast, bus: InProcessBus
) -> None:
    cid = cast.channel.id
    rec = Recorder(bus, channel_topic(cid))
    try:
        wave = services.chat.send_message(cast.victor, cid, "join my server for free stuff")
        kept = services.chat.send_message(cast.vera, cid, "hello chat")
        rec.drain(channel_topic(cid))
        target = Target(cid, cast.victor.user_id, cast.victor.username, None, "")
        with services.chat.transaction() as out:
            channel = services.chat.channel_txn(out.conn, cid)
            applier = ChatEffects(out, {cid: channel}, services.shield)
            applier.apply(
                target,
                [Delete("bot wave", user_ids=(cast.victor.user_id,), since_s=60)],
            )
        services.actions.delete_message(cast.mike, cid, str(kept.message_id))
        deletes = [
            e["event"]
            for e in rec.drain(channel_topic(cid))
            if e["type"] == events.CHAT_MESSAGE_DELETE
        ]
    finally:
        rec.close()
    assert [(d["message_id"], d["removed_by"]) for d in deletes] == [
        (str(wave.message_id), "automod"),
        (str(kept.message_id), "moderator"),
    ]
