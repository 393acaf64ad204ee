"""``new_uuid``: random version-4 UUID text, unique, safe across threads."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from chatwarden import ids as ids_module
from chatwarden.ids import new_uuid, new_uuid7


def test_ids_are_version_4_uuids_in_canonical_text() -> None:
    ids = [new_uuid() for _ in range(2000)]  # crosses several 256-id refills
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_threads_draw_distinct_ids() -> None:
    found: list[list[str]] = [[] for _ in range(4)]

    def work(out: list[str]) -> None:
        out.extend(new_uuid() for _ in range(1000))

    threads = [threading.Thread(target=work, args=(out,)) for out in found]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for out in found for i in out]
    assert len(set(every)) == len(every) == 4000


def test_uuid7_carries_the_clock_time() -> None:
    before = time.time_ns() // 1_000_000
    made = new_uuid7()
    after = time.time_ns() // 1_000_000
    assert before <= uuid.UUID(made).int >> 80 <= after


class _Clock:
    """``time.time_ns`` for ``chatwarden.ids``, moved by the test instead of by sleeping."""

    def __init__(self, ms: int) -> None:
        self.ns = ms * 1_000_000

    def time_ns(self) -> int:
        return self.ns


def test_uuid7_sorts_by_time(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock(1_765_000_000_000)
    monkeypatch.setattr(ids_module, "time", clock)
    first = [new_uuid7() for _ in range(600)]
    clock.ns += 3_000_000  # 3 ms later
    later = [new_uuid7() for _ in range(600)]
    assert len(set(first + later)) == 1200
    for text, ms in [(t, 1_765_000_000_000) for t in first] + [
        (t, 1_765_000_000_003) for t in later
    ]:
        parsed = uuid.UUID(text)
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text
        assert parsed.int >> 80 == ms
    # text order is time order: everything made 3 ms later sorts after everything before
    assert max(first) < min(later)
    # the 74 bits after the time are random, not a counter: ids of one millisecond are unordered
    assert sorted(first) != first
