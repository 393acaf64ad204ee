"""Suspicious users: monitored vs restricted delivery over the bus, manual add/clear, reasons."""

from __future__ import annotations

import pytest

from chatwarden.bus import InProcessBus, channel_topic, mods_topic, user_topic
from chatwarden.errors import Conflict, Forbidden, InputError
from chatwarden.services import Services
from tests.service.conftest import Cast, Recorder


@pytest.fixture
def rec(cast: Cast, bus: InProcessBus):  # type: ignore[no-untyped-def]
    cid = cast.channel.id
    r = Recorder(bus, channel_topic(cid), mods_topic(cid), user_topic(cast.mallory.user_id))
    yield r
    r.close()


def _chat(rec: Recorder, topic: str) -> list[str]:
    return [
        e["event"]["message"]["text"]
        for e in rec.drain(topic)
        if e["type"] == "channel.chat.message"
    ]


def test_monitored_chats_normally_and_moderators_get_the_flag(
    services: Services, cast: Cast, rec: Recorder
) -> None:
    cid = cast.channel.id
    flagged = services.suspicious.flag(cast.mike, cid, cast.mallory.user_id, "monitored", "alt?")
    assert flagged.low_trust_status == "active_monitoring"
    assert flagged.reasons == ["added by mike: alt?"] and flagged.source == "manual"
    rec.drain(mods_topic(cid))
    r = services.chat.send_message(cast.mallory, cid, "hello chat")
    assert r.status == "delivered"
    public = rec.drain(channel_topic(cid))
    assert [e["type"] for e in public] == ["channel.chat.message"]
    assert "low_trust_status" not in str(public)  # viewers never see the flag
    mods = rec.drain(mods_topic(cid))
    assert [e["type"] for e in mods] == ["channel.suspicious_user.message"]
    event = mods[0]["event"]
    assert event["low_trust_status"] == "active_monitoring"
    assert event["types"] == ["manually_added"]
    assert event["reasons"] == ["added by mike: alt?"]
    assert event["message"]["message_id"] == r.message_id


def test_restricted_only_moderators_and_the_sender_see_it(
    services: Services, cast: Cast, rec: Recorder
) -> None:
    cid = cast.channel.id
    services.suspicious.flag(cast.mike, cid, cast.mallory.user_id, "restricted")
    rec.drain(mods_topic(cid))
    r = services.chat.send_message(cast.mallory, cid, "can anyone see me")
    assert r.status == "delivered"
    assert _chat(rec, channel_topic(cid)) == []
    assert _chat(rec, user_topic(cast.mallory.user_id)) == ["can anyone see me"]
    mods = rec.drain(mods_topic(cid))
    assert [e["event"]["low_trust_status"] for e in mods] == ["restricted"]
    assert r.message_id not in [m.id for m in services.chat.recent_messages(cid)]
    # a replay tells the sender the same thing and stores nothing new
    again = services.chat.send_message(cast.mallory, cid, "x y z", "k1")
    assert services.chat.send_message(cast.mallory, cid, "x y z", "k1").status == again.status
    # cleared: back to normal chat; not flagged again automatically
    services.suspicious.clear(cast.lena, cid, cast.mallory.user_id, "false alarm")
    rec.drain(mods_topic(cid))
    services.chat.send_message(cast.mallory, cid, "now you see me")
    assert _chat(rec, channel_topic(cid)) == ["now you see me"]
    assert rec.drain(mods_topic(cid)) == []
    assert services.suspicious.list_users(cast.mike, cid) == []
    cleared = services.suspicious.list_users(cast.mike, cid, include_cleared=True)
    assert cleared[0].status == "cleared" and "cleared by lena: false alarm" in cleared[0].reasons


def test_manual_flags_are_checked_and_logged(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    with pytest.raises(Forbidden):
        services.suspicious.flag(cast.mike, cid, cast.lena.user_id, "monitored")
    with pytest.raises(Forbidden):
        services.suspicious.flag(cast.vera, cid, cast.victor.user_id, "monitored")
    with pytest.raises(InputError):
        services.suspicious.flag(cast.mike, cid, cast.victor.user_id, "banished")  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        services.suspicious.clear(cast.mike, cid, cast.victor.user_id)
    services.suspicious.flag(cast.mike, cid, cast.victor.user_id, "monitored")
    services.suspicious.flag(cast.mike, cid, cast.victor.user_id, "restricted", "spamming dms")
    (only,) = services.suspicious.list_users(cast.mike, cid)
    assert only.status == "restricted" and only.added_by_name == "mike"
    log = [e.action for e in services.modlog.list_entries(cast.olivia, cid)]
    assert log[:2] == ["suspicious.restricted", "suspicious.monitored"]
