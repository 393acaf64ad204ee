"""The strike ladder on the chat path: escalation, expiry (FakeClock), what counts, who sees it."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from chatwarden.clock import FakeClock
from chatwarden.errors import Forbidden, InputError
from chatwarden.services import Services
from chatwarden.store import channels as channel_store
from tests.service.conftest import Cast


def _member(services: Services, cid: int, uid: int) -> dict[str, object]:
    with services.db.read() as conn:
        row = channel_store.get_member_txn(conn, cid, uid)
    return {"warned_at": None, "banned": False} if row is None else asdict(row)


def _offend(services: Services, cast: Cast) -> str:
    r = services.chat.send_message(cast.mallory, cast.channel.id, "you are a zorblax")
    assert r.status == "blocked"
    return str(r.message_id)


@pytest.fixture
def ladder(services: Services, cast: Cast) -> None:
    services.automod.add_term(cast.mike, cast.channel.id, "zorblax")
    services.strikes.update_config(cast.lena, cast.channel.id, {"enabled": True, "expire_s": 7200})


@pytest.mark.usefixtures("ladder")
def test_escalation_warn_timeout_timeout_ban(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid, uid = cast.channel.id, cast.mallory.user_id
    _offend(services, cast)  # strike 1: warn
    assert _member(services, cid, uid)["warned_at"] is not None
    r = services.chat.send_message(cast.mallory, cid, "hello")
    assert r.reason == "warning_unacknowledged" and "strike 1" in (r.detail or "")
    services.actions.acknowledge_warning(cast.mallory, cid)
    _offend(services, cast)  # strike 2: 10 min
    assert services.chat.send_message(cast.mallory, cid, "hi").reason == "timed_out"
    clock.advance(601)
    _offend(services, cast)  # strike 3: 24 h
    r = services.chat.send_message(cast.mallory, cid, "hi")
    assert r.reason == "timed_out" and (r.retry_after_s or 0) > 86000
    clock.advance(86401)  # the earlier offences expired meanwhile (2 h): back to a warning
    _offend(services, cast)
    assert _member(services, cid, uid)["warned_at"] is not None
    assert not _member(services, cid, uid)["banned"]
    entries = services.modlog.list_entries(cast.olivia, cid, target_user_id=uid)
    strikes = [e.action for e in entries if e.action.startswith("strike.")]
    assert strikes == ["strike.warn", "strike.timeout", "strike.timeout", "strike.warn"]
    assert all(e.actor_id is None for e in entries if e.action.startswith("strike."))
    assert entries[0].details["offence"] == "automod.block"


@pytest.mark.usefixtures("ladder")
def test_fourth_strike_bans_and_the_card_shows_the_next_step(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid, uid = cast.channel.id, cast.mallory.user_id
    services.strikes.update_config(cast.lena, cid, {"expire_s": 30 * 86400})
    assert services.strikes.user_strikes(cast.mike, cid, uid).next_step["kind"] == "warn"
    _offend(services, cast)
    services.actions.acknowledge_warning(cast.mallory, cid)
    _offend(services, cast)
    clock.advance(601)
    _offend(services, cast)
    info = services.strikes.user_strikes(cast.mike, cid, uid)
    assert len(info.active) == 3 and info.next_step["kind"] == "ban"
    clock.advance(86401)
    _offend(services, cast)
    assert _member(services, cid, uid)["banned"]
    assert services.chat.send_message(cast.mallory, cid, "hi").reason == "banned"


@pytest.mark.usefixtures("ladder")
def test_off_by_default_and_counting_is_configurable(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    services.detection.update(cast.lena, cid, {"offences": {"automod_blocks": False}})
    _offend(services, cast)
    assert _member(services, cid, cast.mallory.user_id)["warned_at"] is None
    services.strikes.update_config(cast.lena, cid, {"enabled": False})
    services.detection.update(cast.lena, cid, {"offences": {"automod_blocks": True}})
    _offend(services, cast)
    assert _member(services, cid, cast.mallory.user_id)["warned_at"] is None


def test_ladder_settings_are_validated_logged_and_lead_only(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    cfg = services.strikes.update_config(
        cast.lena,
        cid,
        {"enabled": True, "steps": [{"kind": "timeout", "seconds": 60}, {"kind": "ban"}]},
    )
    assert [s.kind for s in cfg.steps] == ["timeout", "ban"]
    with pytest.raises(InputError, match="seconds"):
        services.strikes.update_config(cast.lena, cid, {"steps": [{"kind": "timeout"}]})
    with pytest.raises(Forbidden):
        services.strikes.update_config(cast.mike, cid, {"enabled": False})
    entry = services.modlog.list_entries(cast.olivia, cid, action="detection.settings.update")[0]
    assert entry.details["changed"]["detectors.strikes.enabled"] == {
        "before": False,
        "after": True,
    }


@pytest.mark.usefixtures("ladder")
def test_a_denied_hold_is_a_strike_only_where_the_channel_counts_it(
    services: Services, cast: Cast
) -> None:
    cid, uid = cast.channel.id, cast.mallory.user_id
    toxic = "you are a worthless idiot and everyone hates you"

    def deny_one() -> str:
        result = services.chat.send_message(cast.mallory, cid, toxic)
        assert result.status == "held"
        item = next(
            i
            for i in services.review.list_pending(cast.mike, cid)
            if i.message.id == result.message_id
        )
        services.review.resolve(cast.mike, item.id, "deny")
        return str(result.message_id)

    deny_one()  # off by default: the moderator decides the sanction
    assert _member(services, cid, uid)["warned_at"] is None
    assert services.strikes.user_strikes(cast.mike, cid, uid).active == []
    services.detection.update(cast.lena, cid, {"offences": {"denied_holds": True}})
    message_id = deny_one()
    assert _member(services, cid, uid)["warned_at"] is not None
    [active] = services.strikes.user_strikes(cast.mike, cid, uid).active
    assert active["code"] == "automod.deny" and active["message_id"] == message_id
    [entry] = [
        e
        for e in services.modlog.list_entries(cast.olivia, cid, target_user_id=uid)
        if e.action.startswith("strike.")
    ]
    assert entry.action == "strike.warn" and entry.actor_id is None
    assert "denied by mike" in (entry.reason or "")
    # allowing a held message is no offence
    services.actions.acknowledge_warning(cast.mallory, cid)
    result = services.chat.send_message(cast.mallory, cid, toxic)
    item = next(
        i for i in services.review.list_pending(cast.mike, cid) if i.message.id == result.message_id
    )
    services.review.resolve(cast.mike, item.id, "allow")
    assert len(services.strikes.user_strikes(cast.mike, cid, uid).active) == 1
