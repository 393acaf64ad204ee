"""The ordered send queue Discord's and Matrix's appliers share: order, a failure that stops
nothing, calls from another thread, no loop yet, drain and stop."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from chatwarden.connectors.sendqueue import SendQueue

log = logging.getLogger("tests.sendqueue")


class Recorder(SendQueue[str]):
    """Sends a call by recording it, after a yield to the loop (as a real request would);
    a call starting with ``!`` is refused."""

    def __init__(self) -> None:
        super().__init__("Fake", log)
        self.sent: list[str] = []

    async def _send(self, call: str) -> None:
        await asyncio.sleep(0)
        if call.startswith("!"):
            raise ValueError(f"refused {call}")
        self.sent.append(call)


def test_calls_go_out_one_at_a_time_in_order_on_the_loop_they_were_put_on() -> None:
    async def run() -> tuple[Recorder, asyncio.AbstractEventLoop]:
        q = Recorder()
        for n in range(20):
            q._enqueue(f"c{n}")
        assert q.sent == []  # queued, not sent in the caller
        await q.drain()
        await q._stop_worker()
        return q, asyncio.get_running_loop()

    q, loop = asyncio.run(run())
    assert q.sent == [f"c{n}" for n in range(20)]
    assert q.loop is loop and q.failed == []


def test_a_refused_call_is_kept_in_failed_and_the_next_ones_still_go(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def run() -> Recorder:
        q = Recorder()
        for call in ["a", "!b", "c", *(f"!x{n}" for n in range(60)), "d"]:
            q._enqueue(call)
        await q.drain()
        await q._stop_worker()
        return q

    with caplog.at_level(logging.WARNING, logger="tests.sendqueue"):
        q = asyncio.run(run())
    assert q.sent == ["a", "c", "d"]
    assert len(q.failed) == 50  # bounded: the newest kept
    assert q.failed[-1] == "ValueError: refused !x59" and q.failed[0] == "ValueError: refused !x10"
    assert "Fake call failed: ValueError: refused !b" in caplog.messages


def test_a_call_from_another_thread_goes_out_on_the_queue_s_loop() -> None:
    async def run() -> Recorder:
        q = Recorder()
        q._enqueue("first")  # on the loop: the queue and its worker start here
        await q.drain()
        other = threading.Thread(target=q._enqueue, args=("from a thread",))
        other.start()
        await asyncio.to_thread(other.join)
        for _ in range(200):
            if "from a thread" in q.sent:
                break
            await asyncio.sleep(0.01)
        await q.drain()
        await q._stop_worker()
        return q

    assert asyncio.run(run()).sent == ["first", "from a thread"]


def test_a_call_with_no_loop_yet_is_dropped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    q = Recorder()
    with caplog.at_level(logging.WARNING, logger="tests.sendqueue"):
        q._enqueue("early")
    assert caplog.messages == ["no event loop; dropped a Fake call"]
    assert q.loop is None and q.sent == []


def test_drain_and_stop_before_any_call_return_at_once_and_stop_cancels_the_worker() -> None:
    async def run() -> tuple[Recorder, bool]:
        q = Recorder()
        await q.drain()
        await q._stop_worker()  # no worker yet: nothing to cancel
        q._enqueue("one")
        await q.drain()
        await q._stop_worker()
        assert q._worker is not None
        return q, q._worker.cancelled()

    q, cancelled = asyncio.run(run())
    assert cancelled and q.sent == ["one"]
