"""The in-process bus and chat state."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from chatwarden.bus import InProcessBus, MemoryChatState


def test_fan_out_thread_safe_publish_and_close() -> None:
    async def main() -> None:
        bus = InProcessBus()
        a, b = bus.subscribe("channel:1"), bus.subscribe("channel:1")
        other = bus.subscribe("channel:2")
        thread = threading.Thread(
            target=lambda: [bus.publish("channel:1", {"n": i}) for i in range(3)]
        )
        thread.start()
        thread.join()
        got_a = [await anext(a) for _ in range(3)]
        got_b = [await anext(b) for _ in range(3)]
        assert got_a == got_b == [{"n": 0}, {"n": 1}, {"n": 2}]
        assert other.pending() == 0
        a.close()
        assert bus.subscriber_count("channel:1") == 1
        assert [e async for e in a] == []  # a closed subscription ends
        b.close()
        other.close()
        assert bus.subscriber_count("channel:1") == 0

    asyncio.run(main())


def test_slow_subscriber_drops_oldest_and_gets_resync() -> None:
    async def main() -> None:
        bus = InProcessBus(max_pending=3)
        sub = bus.subscribe("t")
        for i in range(5):
            bus.publish("t", {"n": i})
        events = [await anext(sub) for _ in range(4)]
        assert events == [{"type": "resync"}, {"n": 2}, {"n": 3}, {"n": 4}]
        assert sub.dropped == 2
        sub.close()

    asyncio.run(main())


def test_chat_state_windows() -> None:
    state = MemoryChatState()
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    assert [state.hit_rate("k", t0, 30, 2) for _ in range(2)] == [None, None]
    assert state.hit_rate("k", t0 + timedelta(seconds=10), 30, 2) == 20
    assert state.hit_rate("k", t0 + timedelta(seconds=30), 30, 2) is None
    assert state.slow_mode_wait("s", t0, 5) is None
    assert state.slow_mode_wait("s", t0 + timedelta(seconds=2), 5) == 3
    assert state.slow_mode_wait("s", t0 + timedelta(seconds=5), 5) is None
    assert not state.seen_recently("u", "gg", t0, 30)
    assert state.seen_recently("u", "gg", t0 + timedelta(seconds=29), 30)
    assert not state.seen_recently("u", "gg", t0 + timedelta(seconds=31), 30)
    state.forget("k")
    assert state.hit_rate("k", t0, 30, 2) is None


def test_publish_many_hands_each_topic_over_as_one_shared_chunk() -> None:
    async def run() -> None:
        bus = InProcessBus(max_pending=3)
        a, b, other = bus.subscribe("t"), bus.subscribe("t"), bus.subscribe("u")
        events = [{"n": i} for i in range(2)]
        thread = threading.Thread(
            target=bus.publish_many, args=([("t", events[0]), ("u", {"x": 1}), ("t", events[1])],)
        )
        thread.start()
        thread.join()
        chunks_a, chunks_b = await a.next_chunks(), await b.next_chunks()
        assert chunks_a == [events] and chunks_a[0] is chunks_b[0]  # encoded once downstream
        assert await other.next_chunks() == [[{"x": 1}]]
        bus.publish_many([("t", {"n": i}) for i in range(5)])  # over max_pending: resync first
        assert await a.next_chunks() == [[{"type": "resync"}], [{"n": 2}, {"n": 3}, {"n": 4}]]
        assert await b.__anext__() == {"type": "resync"}
        assert await b.__anext__() == {"n": 2}
        a.close()
        assert await a.next_chunks() == []

    asyncio.run(run())


async def _until(condition: Callable[[], bool]) -> None:
    """Yield to the loop until ``condition`` holds (the hand-overs run there); 30 s at most."""
    async with asyncio.timeout(30):
        while not condition():
            await asyncio.sleep(0)


def test_a_sink_gets_each_chunk_on_its_loop_in_order_until_closed() -> None:
    async def run() -> None:
        bus = InProcessBus(max_pending=2)
        got: list[tuple[list[dict[str, int]], bool]] = []
        loop_thread = threading.get_ident()

        def sink(chunk: list[dict[str, int]]) -> None:
            got.append((chunk, threading.get_ident() == loop_thread))

        sub = bus.subscribe("t", sink=sink)
        plain = bus.subscribe("t")
        thread = threading.Thread(
            target=lambda: [bus.publish_many([("t", {"n": i}) for i in range(k)]) for k in (3, 1)]
        )
        thread.start()
        thread.join()
        await _until(lambda: len(got) == 2)  # the hand-over runs on this loop
        # whole chunks, in order, on the subscriber's loop; a sink keeps no buffer (no resync)
        assert got == [([{"n": 0}, {"n": 1}, {"n": 2}], True), ([{"n": 0}], True)]
        assert sub.pending() == 0 and plain.pending() == 2  # the plain one buffered and dropped
        sub.close()
        later: list[list[dict[str, int]]] = []
        witness = bus.subscribe("t", sink=later.append)
        bus.publish("t", {"n": 9})
        # hand-overs run in order on this loop: once the witness has the event, a closed sink
        # that still got it would have had it by now
        await _until(lambda: later == [[{"n": 9}]])
        assert len(got) == 2 and bus.subscriber_count("t") == 2
        witness.close()
        plain.close()
        assert bus.subscriber_count("t") == 0

    asyncio.run(run())
