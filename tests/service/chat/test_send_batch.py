"""The batch send path (group commit): same results as one at a time, safe under concurrency."""

from __future__ import annotations

import asyncio
import threading

import sqlalchemy as sa

from chatwarden.bus import InProcessBus, channel_topic, mods_topic
from chatwarden.errors import ChatWardenError
from chatwarden.service.chat.ingest import Ingest
from chatwarden.service.types import SendRequest, SendResult
from chatwarden.services import Services
from chatwarden.store.schema import messages, mod_log, review_items
from tests.service.conftest import Cast, Recorder

TOXIC = "you are a worthless idiot and everyone hates you"


def mixed(cast: Cast, p: str) -> list[SendRequest]:
    """Delivered, held, blocked, rejected, replayed (in and across batches), invalid, unknown."""
    cid = cast.channel.id
    return [
        SendRequest(cast.victor, cid, "hello there", f"{p}1"),
        SendRequest(cast.mallory, cid, TOXIC, f"{p}2"),
        SendRequest(cast.victor, cid, "buy forbiddenword now", f"{p}3"),
        SendRequest(cast.fiona, cid, "hi all", f"{p}4"),  # warned: rejected
        SendRequest(cast.victor, cid, "hello there", f"{p}1"),  # replay in the same batch
        SendRequest(cast.victor, cid, "something else", f"{p}1"),  # same key, other text
        SendRequest(cast.victor, cid, "   ", f"{p}5"),  # empty
        SendRequest(cast.mallory, cid, TOXIC, f"{p}2"),  # replay of a held message
        SendRequest(cast.sam, cid, "gg", None),
        SendRequest(cast.sam, 999_999, "nobody here", f"{p}6"),  # unknown channel
        SendRequest(cast.fiona, cid, "hi all", f"{p}4"),  # rejected before: tried afresh
        SendRequest(cast.victor, cid, "buy forbiddenword now", f"{p}3"),  # replay of blocked
    ]


def summary(result: SendResult | ChatWardenError) -> tuple[object, ...]:
    if isinstance(result, ChatWardenError):
        return ("error", type(result).__name__)
    return (result.status, result.reason, result.replayed, result.message_id is not None)


def rows(services: Services) -> tuple[int, int, list[str]]:
    with services.db.read() as conn:
        n_messages = conn.execute(sa.select(sa.func.count()).select_from(messages)).scalar_one()
        n_items = conn.execute(sa.select(sa.func.count()).select_from(review_items)).scalar_one()
        actions = conn.execute(sa.select(mod_log.c.action).order_by(mod_log.c.id)).scalars()
        return n_messages, n_items, [a for a in actions if a in ("automod.hold", "automod.block")]


def test_batch_matches_one_at_a_time(services: Services, cast: Cast, bus: InProcessBus) -> None:
    cid = cast.channel.id
    services.automod.add_term(cast.olivia, cid, "forbiddenword")
    services.actions.warn(cast.mike, cid, cast.fiona.user_id, "calm down")
    rec = Recorder(bus, channel_topic(cid), mods_topic(cid))
    try:
        single: list[SendResult | ChatWardenError] = []
        for req in mixed(cast, "s"):
            try:
                single.append(
                    services.chat.send_message(
                        req.actor, req.channel_id, req.text, req.idempotency_key
                    )
                )
            except ChatWardenError as exc:
                single.append(exc)
        after_single = rows(services)
        single_events = [rec.types(channel_topic(cid)), rec.types(mods_topic(cid))]

        batch = services.chat.send_messages(mixed(cast, "b"))
        after_batch = rows(services)
        batch_events = [rec.types(channel_topic(cid)), rec.types(mods_topic(cid))]
    finally:
        rec.close()

    assert [summary(r) for r in batch] == [summary(r) for r in single]
    assert [summary(r)[0] for r in batch] == [
        "delivered", "held", "blocked", "rejected", "delivered", "error", "error",
        "held", "delivered", "error", "rejected", "blocked",
    ]  # fmt: skip
    # replays return the first message's id and write nothing
    assert isinstance(batch[0], SendResult) and isinstance(batch[4], SendResult)
    assert batch[4].message_id == batch[0].message_id and batch[4].replayed
    # the batch wrote exactly what the single sends wrote: 4 messages, 1 queue item, 2 log rows
    base = rows(services)[0] - 2 * 4
    assert after_single[:2] == (base + 4, 1) and after_batch[:2] == (base + 8, 2)
    assert after_single[2] == ["automod.hold", "automod.block"]
    assert after_batch[2] == ["automod.hold", "automod.block"] * 2
    assert batch_events == single_events


def test_concurrent_batches_store_each_key_once(services: Services, cast: Cast) -> None:
    """Batches racing on the same keys (as two processes would): one message per key, and
    every sender of a key gets that message's id."""
    cid = cast.channel.id
    barrier = threading.Barrier(4)
    results: list[list[SendResult | ChatWardenError]] = []

    def send(offset: int) -> None:
        reqs = [SendRequest(cast.victor, cid, f"line {k}", f"key-{k}") for k in range(10)]
        barrier.wait()
        results.append(services.chat.send_messages(reqs[offset:] + reqs[:offset]))

    threads = [threading.Thread(target=send, args=(i * 3,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    by_key: dict[str, set[str | None]] = {}
    for batch in results:
        for r in batch:
            assert isinstance(r, SendResult) and r.status == "delivered"
            assert r.message_id is not None
            by_key.setdefault(r.message_id, set())
    assert len(by_key) == 10
    assert (
        sum(not r.replayed for batch in results for r in batch if isinstance(r, SendResult)) == 10
    )
    with services.db.read() as conn:
        stored = conn.execute(
            sa.select(sa.func.count()).select_from(messages).where(messages.c.channel_id == cid)
        ).scalar_one()
    assert stored == 10


def test_ingest_groups_sends_and_answers_each(services: Services, cast: Cast) -> None:
    cid = cast.channel.id

    async def run() -> tuple[list[SendResult | BaseException], int]:
        ingest = Ingest(services.chat, max_batch=8)
        futures = [
            ingest.submit(SendRequest(cast.victor, cid, f"message {i}", f"k{i % 20}"))
            for i in range(25)
        ]
        futures.append(ingest.submit(SendRequest(cast.victor, cid, "", "empty")))
        out = await asyncio.gather(*futures, return_exceptions=True)
        await ingest.close()
        return list(out), ingest.batches

    out, batches = asyncio.run(run())
    assert batches < 26
    assert all(isinstance(r, SendResult) and r.status == "delivered" for r in out[:20])
    assert [type(r).__name__ for r in out[20:]] == ["Conflict"] * 5 + ["InputError"]
    with services.db.read() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(messages)).scalar_one()
    assert stored == 20


def test_replay_matches_sender_and_key_pairs_not_their_combinations(
    services: Services, cast: Cast
) -> None:
    """Keys are per sender: victor's "a" and sam's "b" exist, so victor's "b" and sam's "a"
    are new messages (the lookup joins exact pairs, not every sender x every key)."""
    cid = cast.channel.id
    first = services.chat.send_messages(
        [SendRequest(cast.victor, cid, "one", "a"), SendRequest(cast.sam, cid, "two", "b")]
    )
    second = services.chat.send_messages(
        [
            SendRequest(cast.victor, cid, "three", "b"),
            SendRequest(cast.sam, cid, "four", "a"),
            SendRequest(cast.victor, cid, "one", "a"),
            SendRequest(cast.sam, cid, "two", "b"),
        ]
    )
    assert [summary(r) for r in second] == [
        ("delivered", None, False, True),
        ("delivered", None, False, True),
        ("delivered", None, True, True),
        ("delivered", None, True, True),
    ]
    ids = [r.message_id for r in (*first, *second) if isinstance(r, SendResult)]
    assert ids[4:] == ids[:2]  # the replays return the first messages' ids
    assert len(set(ids[:4])) == 4
    assert rows(services)[0] == 4
