"""Undoing a timeout or ban (Mod View's Undo: ``ActionService.untimeout/unban(undo=True)``):
the mod log keeps both entries, the lifting one names the entry it undid, the label the undone
action wrote is reversed (the learner no longer reads it) and nobody else's label is; a plain
lift reverses nothing; nothing else comes back. On SQLite and PostgreSQL."""

from __future__ import annotations

from chatwarden.clock import FakeClock
from chatwarden.services import Services
from chatwarden.store import labels as label_store
from chatwarden.store.labels import LabelRow
from tests.service.conftest import Cast


def _labels(services: Services, channel_id: int) -> dict[str, LabelRow]:
    with services.db.read() as conn:
        rows = label_store.list_labels_txn(conn, channel_id, include_reversed=True)
    return {r.source: r for r in rows}


def _said(services: Services, cast: Cast, text: str) -> str:
    result = services.chat.send_message(cast.mallory, cast.channel.id, text)
    assert result.message_id is not None
    return result.message_id


def test_an_undone_timeout_reverses_its_own_label_only(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid, uid = cast.channel.id, cast.mallory.user_id
    line = _said(services, cast, "the butler did it")
    services.actions.delete_message(cast.lena, cid, line)  # another judgement of that line
    timeout = services.actions.timeout(cast.mike, cid, uid, 600, "No spoilers")
    clock.advance(3)
    lifted = services.actions.untimeout(cast.mike, cid, uid, "undone", undo=True)
    assert (lifted.action, lifted.reason, lifted.details) == (
        "untimeout",
        "undone",
        {"undo": timeout.id},
    )
    rows = _labels(services, cid)
    assert rows["action.timeout"].message_public_id == line
    assert (rows["action.timeout"].reversal, rows["action.timeout"].reversed_by) == (
        "undone",
        cast.mike.user_id,
    )
    assert rows["action.delete"].reversed_at is None
    with services.db.read() as conn:
        kept = label_store.list_labels_txn(conn, cid)
    assert [r.source for r in kept] == ["action.delete"]
    log = services.modlog.list_entries(cast.mike, cid, target_user_id=uid)
    assert [(e.action, e.reason) for e in log][:2] == [
        ("untimeout", "undone"),
        ("timeout", "No spoilers"),
    ]
    assert services.channels.access_of(cast.mallory, cid).timeout_until is None


def test_an_undone_ban_lifts_the_ban_and_reverses_its_label(services: Services, cast: Cast) -> None:
    cid, uid = cast.channel.id, cast.mallory.user_id
    _said(services, cast, "buy followers at example dot com")
    services.actions.timeout(cast.mike, cid, uid, 600, "spam")
    ban = services.actions.ban(cast.mike, cid, uid, "spam bot")
    lifted = services.actions.unban(cast.mike, cid, uid, "undone", undo=True)
    assert lifted.details == {"undo": ban.id}
    rows = _labels(services, cid)
    assert rows["action.ban"].reversal == "undone"
    assert rows["action.timeout"].reversed_at is None
    access = services.channels.access_of(cast.mallory, cid)
    # the ban replaced the timeout; undoing the ban does not bring the timeout back
    assert not access.banned and access.timeout_until is None


def test_a_plain_lift_reverses_nothing(services: Services, cast: Cast) -> None:
    cid, uid = cast.channel.id, cast.mallory.user_id
    _said(services, cast, "rude words")
    services.actions.timeout(cast.mike, cid, uid, 600, "rude")
    lifted = services.actions.untimeout(cast.mike, cid, uid, "served enough")
    assert lifted.details == {}
    assert _labels(services, cid)["action.timeout"].reversed_at is None
