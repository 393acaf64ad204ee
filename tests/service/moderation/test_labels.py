"""Moderators' decisions become labels: one per decision, with provenance, in the decision's
own transaction; reversed by an approved unban request; exported for the owner and leads;
deleted with the user's data. Real services on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from chatwarden.clock import FakeClock
from chatwarden.errors import Conflict, Forbidden, NotFound
from chatwarden.service.moderation.labels import REACTION_WINDOW
from chatwarden.service.moderation.review import Verdict
from chatwarden.service.types import Actor
from chatwarden.services import Services
from chatwarden.settings import Role
from chatwarden.store import channels as channel_store
from chatwarden.store import labels as label_store
from chatwarden.store import messages as message_store
from chatwarden.store import webhooks as webhook_store
from chatwarden.store.labels import LabelRow
from tests.service.conftest import Cast

TOXIC = "you are a worthless idiot and everyone hates you"


def all_labels(services: Services, channel_id: int) -> list[LabelRow]:
    with services.db.read() as conn:
        return label_store.list_labels_txn(conn, channel_id, include_reversed=True)


def send(services: Services, actor: Actor, channel_id: int, text: str) -> str:
    result = services.chat.send_message(actor, channel_id, text)
    assert result.message_id is not None
    return result.message_id


def stored_decision(services: Services, public_id: str) -> dict[str, object]:
    with services.db.read() as conn:
        msg = message_store.get_message_txn(conn, public_id)
    assert msg is not None
    assert msg.decision is not None
    return dict(msg.decision)


def held_item(services: Services, cast: Cast) -> tuple[int, str]:
    result = services.chat.send_message(cast.mallory, cast.channel.id, TOXIC)
    assert result.status == "held" and result.message_id is not None
    [item] = services.review.list_pending(cast.mike, cast.channel.id)
    return item.id, result.message_id


@pytest.mark.parametrize(
    ("verdict", "other", "label"), [("allow", "deny", 0), ("deny", "allow", 1)]
)
def test_a_held_message_decided_is_one_label_with_its_provenance(
    services: Services, cast: Cast, clock: FakeClock, verdict: Verdict, other: Verdict, label: int
) -> None:
    cid = cast.channel.id
    item_id, public_id = held_item(services, cast)
    clock.advance(30)
    services.review.resolve(cast.mike, item_id, verdict)
    with pytest.raises(Conflict, match="already"):  # exactly one wins, and one label
        services.review.resolve(cast.lena, item_id, other)
    [row] = all_labels(services, cid)
    decision = stored_decision(services, public_id)
    [entry] = services.modlog.list_entries(
        cast.olivia, cid, action=f"automod.{'approve' if verdict == 'allow' else 'deny'}"
    )
    assert (row.label, row.source) == (label, f"review.{verdict}")
    assert (row.sender_id, row.moderator_id, row.mod_log_id) == (
        cast.mallory.user_id,
        cast.mike.user_id,
        entry.id,
    )
    assert row.created_at == clock.now() and row.message_public_id == public_id
    assert row.text == TOXIC and row.decision == decision
    assert decision["categories"] and row.decision["harm"] == decision["harm"]
    assert (row.model_version, row.settings_version) == (
        decision["model_version"],
        decision["settings_version"],
    )
    assert row.model_version and row.settings_version


def test_a_delete_labels_that_message(services: Services, cast: Cast, clock: FakeClock) -> None:
    cid = cast.channel.id
    send(services, cast.mallory, cid, "first thing I said")
    target = send(services, cast.mallory, cid, "you all smell")
    send(services, cast.mallory, cid, "a later line")
    clock.advance(5)
    entry = services.actions.delete_message(cast.mike, cid, target, "rude")
    [row] = all_labels(services, cid)
    assert (row.label, row.source, row.message_public_id) == (1, "action.delete", target)
    assert (row.moderator_id, row.mod_log_id, row.text) == (
        cast.mike.user_id,
        entry.id,
        "you all smell",
    )
    assert row.decision == stored_decision(services, target)


@pytest.mark.parametrize("action", ["warn", "timeout", "ban"])
def test_an_action_on_a_person_labels_their_latest_shown_message(
    services: Services, cast: Cast, clock: FakeClock, action: str
) -> None:
    cid, uid = cast.channel.id, cast.mallory.user_id
    send(services, cast.mallory, cid, "an older line")
    clock.advance(60)
    latest = send(services, cast.mallory, cid, "the line they reacted to")
    send(services, cast.victor, cid, "someone else speaks after")
    clock.advance(REACTION_WINDOW.total_seconds() - 61)  # still inside the window
    if action == "warn":
        entry = services.actions.warn(cast.mike, cid, uid, "stop")
    elif action == "timeout":
        entry = services.actions.timeout(cast.mike, cid, uid, 600, "stop")
    else:
        entry = services.actions.ban(cast.mike, cid, uid, "stop")
    [row] = all_labels(services, cid)
    assert (row.label, row.source, row.message_public_id) == (1, f"action.{action}", latest)
    assert (row.sender_id, row.moderator_id, row.mod_log_id) == (uid, cast.mike.user_id, entry.id)


def test_an_action_with_nothing_shown_recently_labels_nothing(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid, uid = cast.channel.id, cast.mallory.user_id
    send(services, cast.mallory, cid, "said long ago")
    held_item(services, cast)  # held, never shown: not what a moderator reacted to
    clock.advance(REACTION_WINDOW.total_seconds() + 1)
    services.actions.ban(cast.mike, cid, uid, "history")
    services.actions.warn(cast.mike, cast.channel.id, cast.victor.user_id, "never spoke")
    assert all_labels(services, cid) == []
    assert len(services.modlog.list_entries(cast.olivia, cid, action="ban")) == 1


def test_a_deleted_message_is_still_what_a_ban_reacted_to(services: Services, cast: Cast) -> None:
    cid, uid = cast.channel.id, cast.mallory.user_id
    send(services, cast.mallory, cid, "an older line")
    target = send(services, cast.mallory, cid, "the reason for the ban")
    services.actions.delete_message(cast.mike, cid, target)
    services.actions.ban(cast.mike, cid, uid)
    rows = all_labels(services, cid)
    assert [(r.source, r.message_public_id) for r in rows] == [
        ("action.delete", target),
        ("action.ban", target),
    ]


def test_moderators_and_exempt_senders_never_produce_labels(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    by_mod = send(services, cast.mike, cid, "a moderator's line")
    by_vip = send(services, cast.vera, cid, "a VIP's line")
    services.actions.delete_message(cast.olivia, cid, by_mod)  # the owner over a moderator
    services.actions.delete_message(cast.mike, cid, by_vip)  # VIPs are exempt here
    services.actions.timeout(cast.olivia, cid, cast.lena.user_id, 60)
    # a site admin (a viewer here) removing their own line judges nobody
    services.actions.delete_message(cast.ada, cid, send(services, cast.ada, cid, "my typo"))
    # exempt when sent, a viewer now: the stored decision was never AutoMod's judgement
    once_vip = send(services, cast.vera, cid, "sent while a VIP")
    services.channels.set_role(cast.olivia, cid, cast.vera.user_id, Role.VIEWER)
    services.actions.delete_message(cast.mike, cid, once_vip)
    # held as a viewer, a moderator by the time it is decided
    item_id, _ = held_item(services, cast)
    services.channels.set_role(cast.olivia, cid, cast.mallory.user_id, Role.MODERATOR)
    services.review.resolve(cast.lena, item_id, "deny")
    assert all_labels(services, cid) == []
    assert len(services.modlog.list_entries(cast.olivia, cid, action="delete")) == 4


def test_an_action_that_fails_leaves_no_label(
    services: Services, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last write of every transaction (the webhook deliveries) fails: the label, the
    mod-log entry and the ban all roll back together."""
    cid, uid = cast.channel.id, cast.mallory.user_id
    target = send(services, cast.mallory, cid, "the line")
    item_id, _ = held_item(services, cast)
    logged = services.modlog.list_entries(cast.olivia, cid)

    def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(webhook_store, "insert_deliveries_txn", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        services.actions.ban(cast.mike, cid, uid)
    with pytest.raises(RuntimeError, match="disk full"):
        services.actions.delete_message(cast.mike, cid, target)
    with pytest.raises(RuntimeError, match="disk full"):
        services.review.resolve(cast.mike, item_id, "deny")
    monkeypatch.undo()
    assert all_labels(services, cid) == []
    assert services.modlog.list_entries(cast.olivia, cid) == logged
    services.actions.ban(cast.mike, cid, uid)  # the real thing afterwards: one label
    assert [r.source for r in all_labels(services, cid)] == ["action.ban"]


def test_an_approved_unban_request_reverses_the_bans_labels_only(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid, uid = cast.channel.id, cast.mallory.user_id
    timed_out_for = send(services, cast.mallory, cid, "first offence")
    services.actions.timeout(cast.mike, cid, uid, 1)
    clock.advance(120)
    banned_for = send(services, cast.mallory, cid, "second offence")
    services.actions.delete_message(cast.mike, cid, banned_for)
    services.actions.ban(cast.mike, cid, uid)
    denied = services.unban.create_request(cast.mallory, cid, "sorry")
    services.unban.resolve(cast.mike, denied.id, approve=False)
    assert all(r.reversed_at is None for r in all_labels(services, cid))
    clock.advance(3600)
    request = services.unban.create_request(cast.mallory, cid, "really sorry")
    services.unban.resolve(cast.lena, request.id, approve=True)
    rows = {r.source: r for r in all_labels(services, cid)}
    assert set(rows) == {"action.timeout", "action.delete", "action.ban"}
    assert rows["action.timeout"].message_public_id == timed_out_for
    assert rows["action.timeout"].reversed_at is None
    for source in ("action.delete", "action.ban"):
        assert rows[source].message_public_id == banned_for
        assert (rows[source].reversed_at, rows[source].reversed_by) == (
            clock.now(),
            cast.lena.user_id,
        )
        assert rows[source].reversal == "unban.approved"
    with services.db.read() as conn:
        kept = label_store.list_labels_txn(conn, cid)
    assert [r.source for r in kept] == ["action.timeout"]


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_export_writes_the_labels_for_the_owner_and_leads_only(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid, uid = cast.channel.id, cast.mallory.user_id
    item_id, held_id = held_item(services, cast)
    services.review.resolve(cast.mike, item_id, "allow")
    clock.advance(10)
    services.actions.ban(cast.mike, cid, uid)  # labels the allowed message too (shown now)
    request = services.unban.create_request(cast.mallory, cid, "sorry")
    services.unban.resolve(cast.mike, request.id, approve=True)  # reverses both
    send(services, cast.victor, cid, "hello")
    services.actions.delete_message(cast.mike, cid, send(services, cast.victor, cid, "spam spam"))

    text, count = services.labels.export_labels(cast.olivia, cid)
    [line] = _lines(text)
    assert count == 1
    assert (line["text"], line["label"], line["source"]) == ("spam spam", 1, "action.delete")
    assert line["channel"] == "alpha" and line["reversed"] is False
    decision = stored_decision(services, str(line["message_id"]))
    assert line["categories"] == decision["categories"] and line["harm"] == decision["harm"]
    assert line["model_version"] == decision["model_version"]
    assert line["settings_version"] == decision["settings_version"] is not None
    assert line["created_at"] == clock.now().isoformat()
    assert "sender_id" not in line and "moderator_id" not in line

    text, count = services.labels.export_labels(cast.lena, cid, include_reversed=True)
    lines = _lines(text)
    assert count == 3
    assert [(x["message_id"], x["source"], x["label"], x["reversed"]) for x in lines] == [
        (held_id, "review.allow", 0, True),
        (held_id, "action.ban", 1, True),
        (lines[2]["message_id"], "action.delete", 1, False),
    ]
    # the settings version is a hash over the owner's private terms: hidden from leads
    assert {x["settings_version"] for x in lines} == {None}

    for actor in (cast.mike, cast.vera, cast.victor, cast.bob):
        with pytest.raises(Forbidden):
            services.labels.export_labels(actor, cid)
    assert services.labels.export_labels(cast.ada, cid)[1] == 1  # site admins may


def test_deleting_a_users_data_removes_their_labels(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    services.actions.delete_message(cast.mike, cid, send(services, cast.mallory, cid, "mine"))
    services.actions.delete_message(cast.mike, cid, send(services, cast.victor, cid, "theirs"))
    with pytest.raises(Forbidden):
        services.labels.delete_user_labels(cast.olivia, cast.mallory.user_id)
    with pytest.raises(NotFound):
        services.labels.delete_user_labels(cast.ada, 10_000)
    assert services.labels.delete_user_labels(cast.mallory, cast.mallory.user_id) == 1
    assert [r.text for r in all_labels(services, cid)] == ["theirs"]
    text, _ = services.labels.export_labels(cast.olivia, cid)
    assert [x["text"] for x in _lines(text)] == ["theirs"]
    # a moderator's data: the labels they gave stay, without their name
    assert services.labels.delete_user_labels(cast.ada, cast.mike.user_id) == 0
    [row] = all_labels(services, cid)
    assert row.moderator_id is None and row.text == "theirs"


def test_an_approved_request_for_a_ban_never_logged_reverses_nothing(
    services: Services, cast: Cast
) -> None:
    """A ban set without a mod-log entry (an import, an older version): approving the
    request unbans and finds no labels to reverse."""
    cid, uid = cast.channel.id, cast.mallory.user_id
    services.actions.delete_message(cast.mike, cid, send(services, cast.mallory, cid, "rude"))
    with services.db.write() as conn:
        channel_store.update_member_txn(conn, cid, uid, banned=True)
    request = services.unban.create_request(cast.mallory, cid, "sorry")
    assert services.unban.resolve(cast.mike, request.id, approve=True).status == "approved"
    [row] = all_labels(services, cid)
    assert row.reversed_at is None
