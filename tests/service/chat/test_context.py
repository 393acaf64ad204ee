"""A held message carries its context for moderators (``service/chat/context.py``): the
sender's repeats, bursts, targets and record, read from the store in the hold's transaction;
a delivered message reads nothing for it, and AutoMod's decision never changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from chatwarden.bus import InProcessBus, mods_topic
from chatwarden.clock import FakeClock
from chatwarden.service.chat.context import message_context_txn, public_context
from chatwarden.service.types import ReviewItem, SendRequest
from chatwarden.services import Services
from chatwarden.store.context import SenderRecord, sender_record_txn
from chatwarden.store.messages import MessageRow
from tests.service.conftest import Cast, Recorder

TOXIC = "you are a worthless idiot and everyone hates you"


def pending(services: Services, cast: Cast) -> list[ReviewItem]:
    return services.review.list_pending(cast.mike, cast.channel.id)


def held_context(services: Services, cast: Cast, message_id: str | None) -> dict[str, Any]:
    """The context of the pending item of ``message_id``."""
    (item,) = [i for i in pending(services, cast) if i.message.id == message_id]
    assert item.context is not None
    return item.context


def hold(services: Services, cast: Cast, text: str = TOXIC, key: str | None = None) -> str:
    result = services.chat.send_message(cast.mallory, cast.channel.id, text, key)
    assert result.status == "held", result
    assert result.message_id is not None
    return result.message_id


def test_a_first_message_has_no_context_to_explain(services: Services, cast: Cast) -> None:
    result = services.chat.send_message(cast.mallory, cast.channel.id, TOXIC)
    assert result.status == "held" and result.decision is not None
    context = held_context(services, cast, result.message_id)
    assert context["explanations"] == []
    # no signal: the score is the message's own harm
    assert context["score"] == round(result.decision.harm, 4)


def test_a_repeat_after_a_warning(services: Services, cast: Cast, clock: FakeClock) -> None:
    cid = cast.channel.id
    first = hold(services, cast)
    clock.advance(10)
    services.actions.warn(cast.mike, cid, cast.mallory.user_id, "be nice")
    services.actions.acknowledge_warning(cast.mallory, cid)
    clock.advance(10)
    again = hold(services, cast)
    context = held_context(services, cast, again)
    assert context["explanations"] == [
        "earlier message (20 s before) scored harm 1.00 (escalation)",
        "after 1 warning in this channel",
        "repeats own message (2nd time in 20 s)",
    ]
    assert context["score"] >= held_context(services, cast, first)["score"]
    # the first item's context was stored when it was held: nothing has been added since
    assert held_context(services, cast, first)["explanations"] == []


def test_a_burst_at_the_streamer_after_a_denied_hold(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    first = hold(services, cast)
    (item,) = pending(services, cast)
    services.review.resolve(cast.mike, item.id, "deny")
    clock.advance(400)  # the denied line is out of every window but the record
    for n, text in enumerate(["@olivia hello", "@olivia answer me"]):
        sent = services.chat.send_message(cast.mallory, cid, text)
        assert sent.status == "delivered", sent
        clock.advance(5 + n)
    held = hold(services, cast, f"@Olivia {TOXIC}")
    assert held != first
    assert held_context(services, cast, held)["explanations"] == [
        "3rd message at @olivia (the streamer) in 11 s",
        "after 1 denied hold in this channel",
        "3 messages in 30 s",
    ]


def test_a_moderator_addressed_and_other_chatters_are_not_history(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    for who in (cast.victor, cast.fiona):  # other chatters' lines are chat, not history
        assert services.chat.send_message(who, cid, "@mike hi there").status == "delivered"
        clock.advance(1)
    assert services.chat.send_message(cast.mallory, cid, "@mike hi").status == "delivered"
    clock.advance(3)
    held = hold(services, cast, f"@mike {TOXIC}")
    assert held_context(services, cast, held)["explanations"] == [
        "2nd message at @mike (a moderator) in 3 s"
    ]


def test_earlier_messages_of_the_same_batch_count(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    requests = [SendRequest(cast.mallory, cid, TOXIC, f"b{n}") for n in range(3)]
    results = services.chat.send_messages(requests)
    assert [getattr(r, "status", r) for r in results] == ["held"] * 3
    explanations = [
        held_context(services, cast, getattr(r, "message_id", None))["explanations"]
        for r in results
    ]
    assert explanations[0] == []
    assert "repeats own message (3rd time in 0 s)" in explanations[2]
    assert "3 messages in 30 s" in explanations[2]


def test_context_never_changes_the_decision(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    for n in range(4):  # a harmless line repeated: context would raise it, AutoMod does not
        sent = services.chat.send_message(cast.mallory, cid, "hello hello friends", f"h{n}")
        assert sent.status == "delivered"
        assert sent.decision is not None and "context" not in sent.decision.meta
    assert pending(services, cast) == []


def test_the_hold_event_carries_the_context(
    services: Services, cast: Cast, clock: FakeClock, bus: InProcessBus
) -> None:
    rec = Recorder(bus, mods_topic(cast.channel.id))
    try:
        hold(services, cast)
        clock.advance(5)
        again = hold(services, cast)
        holds = [e for e in rec.drain(mods_topic(cast.channel.id)) if e["type"].endswith("hold")]
        assert [h["event"]["message_id"] for h in holds][-1] == again
        context = holds[-1]["event"]["decision"]["context"]
        assert context == held_context(services, cast, again)
        assert "repeats own message (2nd time in 5 s)" in context["explanations"]
    finally:
        rec.close()


@contextmanager
def counted(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(services.db.engine, "before_cursor_execute", before)


def _context_reads(statements: list[str]) -> int:
    """The context's two reads: the lines (a UNION ALL) and the record (mod-log counts)."""
    lines = sum("UNION ALL" in s for s in statements)
    record = sum("count_0" in s for s in statements)
    assert lines == record
    return lines


def test_only_held_messages_read_their_context(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    assert services.chat.send_message(cast.victor, cid, "warm up", "w").status == "delivered"
    senders = [cast.victor, cast.fiona, cast.sam, cast.vera]
    requests = [SendRequest(senders[n % 4], cid, f"line number {n}", f"d{n}") for n in range(12)]
    requests.insert(5, SendRequest(cast.mallory, cid, TOXIC, "t"))
    with counted(services) as statements:
        results = services.chat.send_messages(requests)
    assert [getattr(r, "status", r) for r in results].count("held") == 1
    assert _context_reads(statements) == 1  # two statements for the one held message
    with counted(services) as statements:
        sent = services.chat.send_message(cast.fiona, cid, "just chatting", "d")
    assert sent.status == "delivered"
    assert _context_reads(statements) == 0


def test_the_user_card_shows_the_newest_messages_context(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    card = services.usercard.user_card(cast.mike, cid, cast.mallory.user_id)
    assert card.context is None  # no message yet
    held = hold(services, cast)
    clock.advance(10)
    services.actions.warn(cast.mike, cid, cast.mallory.user_id, "be nice")
    card = services.usercard.user_card(cast.mike, cid, cast.mallory.user_id)
    # a held message's context as stored when it was held (the warning came after)
    assert card.context is not None
    assert card.context == {**held_context(services, cast, held), "message_id": held}
    assert card.context["explanations"] == []
    services.actions.acknowledge_warning(cast.mallory, cid)
    clock.advance(5)
    for n in range(2):  # delivered lines are scored when the card opens, as of when sent
        assert services.chat.send_message(cast.mallory, cid, "ok sorry", f"s{n}").status == (
            "delivered"
        )
    clock.advance(60)
    card = services.usercard.user_card(cast.mike, cid, cast.mallory.user_id)
    assert card.context is not None
    assert card.context["message_id"] == card.messages[-1].id
    assert card.context["explanations"] == [
        "earlier message (15 s before) scored harm 1.00 (escalation)",
        "after 1 warning in this channel",
        "repeats own message (2nd time in 0 s)",
        "3 messages in 30 s",
    ]


def test_another_channels_lines_are_not_context(services: Services, cast: Cast) -> None:
    requests = [
        SendRequest(cast.mallory, cast.other.id, TOXIC, "beta"),
        SendRequest(cast.mallory, cast.channel.id, TOXIC, "alpha"),
    ]
    results = services.chat.send_messages(requests)
    assert [getattr(r, "status", r) for r in results] == ["held", "held"]
    alpha = getattr(results[1], "message_id", None)
    assert held_context(services, cast, alpha)["explanations"] == []


def test_nothing_stored_means_no_context(services: Services, cast: Cast) -> None:
    assert public_context(None) is None and public_context({}) is None
    with services.db.read() as conn:
        channel = services.chat.channel_txn(conn, cast.channel.id)
        undecided = MessageRow(
            1, "m1", channel.id, cast.olivia.user_id, "hi", "delivered", "delivered",
            None, None, None, services.clock.now(), None, None, None, "olivia",
        )  # fmt: skip
        assert message_context_txn(conn, channel, undecided) is None
        # an unknown sender has no record, and a name nobody has is nobody's
        record = sender_record_txn(conn, cast.channel.id, cast.olivia.user_id, 10**6, ["nobody"])
    assert record == SenderRecord({}, None, None, {})
