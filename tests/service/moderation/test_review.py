"""The review queue: allow, deny, expiry, and exactly one winner under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from chatwarden.bus import InProcessBus, channel_topic, mods_topic, user_topic
from chatwarden.clock import FakeClock
from chatwarden.errors import ChatWardenError, Conflict, Forbidden, InputError, NotFound
from chatwarden.services import Services
from tests.service.conftest import Cast, Recorder

TOXIC = "you are a worthless idiot and everyone hates you"


@pytest.fixture
def rec(cast: Cast, bus: InProcessBus) -> Iterator[Recorder]:
    cid = cast.channel.id
    r = Recorder(bus, channel_topic(cid), mods_topic(cid), user_topic(cast.mallory.user_id))
    yield r
    r.close()


def hold(services: Services, cast: Cast, text: str = TOXIC) -> int:
    result = services.chat.send_message(cast.mallory, cast.channel.id, text)
    assert result.status == "held"
    items = services.review.list_pending(cast.mike, cast.channel.id)
    return next(i.id for i in items if i.message.id == result.message_id)


def test_allow_delivers_as_newest_and_tells_everyone(
    services: Services, cast: Cast, rec: Recorder, clock: FakeClock
) -> None:
    cid = cast.channel.id
    item_id = hold(services, cast)
    [item] = services.review.list_pending(cast.mike, cid)
    assert item.reasons[0]["category"] == "bullying" and item.message.text == TOXIC
    clock.advance(5)
    services.chat.send_message(cast.victor, cid, "meanwhile")
    rec.drain(channel_topic(cid))
    rec.drain(mods_topic(cid))
    rec.drain(user_topic(cast.mallory.user_id))
    clock.advance(1)
    resolved = services.review.resolve(cast.mike, item_id, "allow")
    assert resolved.status == "allowed" and resolved.resolved_by == cast.mike.user_id
    assert resolved.message.status == "delivered"
    assert rec.types(channel_topic(cid)) == ["channel.chat.message"]
    update = rec.drain(mods_topic(cid))
    assert [e["event"]["status"] for e in update] == ["approved"]
    assert [n["event"]["kind"] for n in rec.drain(user_topic(cast.mallory.user_id))] == [
        "message_allowed"
    ]
    assert [m.text for m in services.chat.recent_messages(cid)] == ["meanwhile", TOXIC]
    assert services.review.list_pending(cast.mike, cid) == []
    [entry] = services.modlog.list_entries(cast.olivia, cid, action="automod.approve")
    assert entry.actor_id == cast.mike.user_id


def test_deny_keeps_it_out_of_chat(services: Services, cast: Cast, rec: Recorder) -> None:
    cid = cast.channel.id
    item_id = hold(services, cast)
    rec.drain(channel_topic(cid))
    assert services.review.resolve(cast.lena, item_id, "deny").message.status == "denied"
    assert rec.drain(channel_topic(cid)) == []
    assert services.chat.recent_messages(cid) == []
    with pytest.raises(Conflict, match="already denied"):
        services.review.resolve(cast.mike, item_id, "allow")


def test_items_expire(services: Services, cast: Cast, clock: FakeClock, rec: Recorder) -> None:
    cid = cast.channel.id
    item_id = hold(services, cast)
    clock.advance(services.config.review_expiry_seconds)
    assert services.review.list_pending(cast.mike, cid) == []
    with pytest.raises(Conflict, match="expired"):
        services.review.resolve(cast.mike, item_id, "allow")
    rec.drain(mods_topic(cid))
    assert services.review.expire_due() == 1
    assert services.review.expire_due() == 0
    assert [e["event"]["status"] for e in rec.drain(mods_topic(cid))] == ["expired"]
    assert services.review.get_item(cast.mike, item_id).status == "expired"


def test_bad_resolutions(services: Services, cast: Cast) -> None:
    item_id = hold(services, cast)
    with pytest.raises(InputError, match="verdict"):
        services.review.resolve(cast.mike, item_id, "maybe")  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        services.review.resolve(cast.mike, 9999, "allow")
    for who in (cast.vera, cast.victor, cast.bob):
        with pytest.raises(Forbidden):
            services.review.resolve(who, item_id, "allow")
    with pytest.raises(Forbidden):
        services.review.list_pending(cast.vera, cast.channel.id)


def test_private_terms_hidden_from_mods_in_queue(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    services.automod.update_settings(cast.olivia, cid, {"overall_level": 0})
    services.automod.add_term(cast.olivia, cid, "secre*", private=True)
    result = services.chat.send_message(cast.mallory, cid, "secretword")
    assert result.status == "blocked"
    assert result.decision is not None and "secre*" not in str(result.to_dict())
    [entry] = services.modlog.list_entries(cast.mike, cid, action="automod.block")
    assert "secre*" not in str(entry.to_dict())  # the mod team never sees a private term
    assert [t.text for t in services.automod.list_terms(cast.lena, cid)] == []
    assert [t.text for t in services.automod.list_terms(cast.olivia, cid)] == ["secre*"]


@pytest.mark.parametrize("verdicts", [("allow", "deny"), ("allow", "allow")])
def test_two_moderators_at_once_exactly_one_wins(
    services: Services, cast: Cast, verdicts: tuple[str, str]
) -> None:
    cid = cast.channel.id
    for round_ in range(5):
        item_id = hold(services, cast, f"{TOXIC} {round_}")
        barrier = threading.Barrier(2)
        outcomes: list[object] = [None, None]

        def act(
            i: int,
            actor: object,
            verdict: str,
            barrier: threading.Barrier = barrier,
            outcomes: list[object] = outcomes,
            item_id: int = item_id,
        ) -> None:
            barrier.wait()
            try:
                outcomes[i] = services.review.resolve(actor, item_id, verdict)  # type: ignore[arg-type]
            except ChatWardenError as exc:
                outcomes[i] = exc

        threads = [
            threading.Thread(target=act, args=(0, cast.mike, verdicts[0])),
            threading.Thread(target=act, args=(1, cast.lena, verdicts[1])),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wins = [o for o in outcomes if not isinstance(o, ChatWardenError)]
        losses = [o for o in outcomes if isinstance(o, Conflict)]
        assert len(wins) == 1 and len(losses) == 1, outcomes
        final = services.review.get_item(cast.olivia, item_id)
        assert final.status == wins[0].status  # type: ignore[attr-defined]
    approvals = services.modlog.list_entries(cast.olivia, cid, action="automod.approve")
    denials = services.modlog.list_entries(cast.olivia, cid, action="automod.deny")
    assert len(approvals) + len(denials) == 5
    delivered = services.chat.recent_messages(cid)
    assert len(delivered) == len(approvals) and len({m.id for m in delivered}) == len(delivered)
