"""A channel's detectors in a process that takes the channel over (a worker that becomes its
shard's owner, or a restart): they warm up on the channel's stored recent messages, so a raid
that began under the old owner is still seen whole, and an alert raised before is not raised
again while its cooldown runs. Two ``Services`` on one database stand for the old and the new
owner (what a worker is: ``Services`` plus a loop over its shards)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.bus import InProcessBus
from chatwarden.clock import FakeClock
from chatwarden.detect.config import DetectionConfig
from chatwarden.model import Model
from chatwarden.service.detection.hook import WARM_LIMIT, warm_span_s
from chatwarden.service.types import Actor, SendRequest, SendResult
from chatwarden.services import Services, build_services
from chatwarden.store import detection as detection_store
from chatwarden.store.detection import DecidedRow
from tests.service.conftest import Cast, make_actor, make_config

RAID_TEXT = "this channel is trash, leave now losers"


@pytest.fixture
def new_owner(
    database_url: str, clock: FakeClock, bus: InProcessBus, model: Model
) -> Iterator[Services]:
    """A second process on the same database, its detectors not started yet."""
    svc = build_services(
        make_config(database_url), clock=clock, bus=bus, model=model, migrate=False
    )
    try:
        yield svc
    finally:
        svc.close()


def _raid(services: Services, cid: int, raiders: list[Actor]) -> None:
    services.chat.send_messages([SendRequest(r, cid, RAID_TEXT) for r in raiders])


def _alerts(services: Services, cast: Cast) -> int:
    entries = services.modlog.list_entries(
        cast.olivia, cast.channel.id, action="detection.raid_alert"
    )
    return len(entries)


def test_a_raid_begun_under_the_old_owner_is_alerted_by_the_new_one(
    services: Services, new_owner: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    raiders = [make_actor(services, f"raidbot{n}") for n in range(8)]
    services.chat.send_message(cast.victor, cid, "good evening everyone")  # a regular
    _raid(services, cid, raiders[:3])  # under min_newcomers (5): no alert yet
    assert _alerts(services, cast) == 0
    clock.advance(2)
    _raid(new_owner, cid, raiders[3:6])  # three more: six in the window, with the old three
    assert _alerts(services, cast) == 1
    clock.advance(2)
    _raid(new_owner, cid, raiders[6:])
    assert _alerts(services, cast) == 1  # its own cooldown


def test_the_new_owner_continues_the_cooldown_of_an_alert_raised_before(
    services: Services, new_owner: Services, cast: Cast, clock: FakeClock
) -> None:
    """The windows are short here (5 s), the cooldown long (120 s): the new owner's warm-up
    finds none of the first raid's messages, so only the stored alert keeps it quiet."""
    cid = cast.channel.id
    short = {"detectors": {"raid": {"window_s": 5, "baseline_s": 5, "cooldown_s": 120}}}
    services.detection.update(cast.lena, cid, short)
    raiders = [make_actor(services, f"raidbot{n}") for n in range(14)]
    _raid(services, cid, raiders[:7])
    assert _alerts(services, cast) == 1
    clock.advance(10)  # past the windows, inside the cooldown
    _raid(new_owner, cid, raiders[7:])
    assert _alerts(services, cast) == 1
    clock.advance(200)  # the cooldown is over: a new raid is alerted again
    more = [make_actor(services, f"raidbot{n}") for n in range(14, 21)]
    _raid(new_owner, cid, more)
    assert _alerts(services, cast) == 2


def test_the_warm_up_reaches_as_far_back_as_the_windows_that_are_on() -> None:
    def config(raid: bool, waves: bool, rate: bool) -> DetectionConfig:
        return DetectionConfig.model_validate(
            {
                "raid": {"enabled": raid},
                "waves": {"enabled": waves},
                "spam": {"rate": {"enabled": rate}},
            }
        )

    everything = config(True, True, True)
    assert warm_span_s(everything) == everything.raid.baseline_s  # 600 s, the longest
    assert warm_span_s(config(False, False, False)) == 0  # nothing windowed: no warm-up
    waves = config(False, True, False)
    assert warm_span_s(waves) == waves.waves.similarity.window_s
    rate = config(False, False, True)
    assert warm_span_s(rate) == rate.spam.rate.per_s
    assert WARM_LIMIT >= 1000


Read = Callable[[Connection, int, datetime, int], list[DecidedRow]]


def _wrap_reads(monkeypatch: pytest.MonkeyPatch, before: Callable[[Connection, int], None]) -> None:
    """The warm-up's read of the stored messages, with ``before(conn, channel)`` run first."""
    real: Read = detection_store.decided_since_txn

    def read(conn: Connection, cid: int, since: datetime, limit: int) -> list[DecidedRow]:
        before(conn, cid)
        return real(conn, cid, since, limit)

    monkeypatch.setattr(detection_store, "decided_since_txn", read)


def test_a_failed_warm_up_leaves_the_channel_cold_and_is_retried_a_minute_later(
    services: Services,
    new_owner: Services,
    cast: Cast,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cid = cast.channel.id
    services.detection.update(cast.lena, cid, {"detectors": {"raid": {"window_s": 300}}})
    raiders = [make_actor(services, f"raidbot{n}") for n in range(7)]
    _raid(services, cid, raiders[:3])  # the old owner: under min_newcomers (5)
    reads: list[int] = []

    def fail_first(conn: Connection, channel: int) -> None:
        reads.append(channel)
        if len(reads) == 1:  # a real database error, inside the batch's read transaction
            conn.execute(sa.text("SELECT * FROM no_such_table"))

    _wrap_reads(monkeypatch, fail_first)
    with caplog.at_level(logging.WARNING, "chatwarden.service.detection.hook"):
        results = new_owner.chat.send_messages(
            [SendRequest(r, cid, RAID_TEXT) for r in raiders[3:5]]
        )
    statuses = [r.status if isinstance(r, SendResult) else r for r in results]
    assert statuses == ["delivered", "delivered"]  # the batch went through
    assert f"warm-up of channel {cid}'s detectors failed" in caplog.text
    assert _alerts(services, cast) == 0  # cold: it saw two newcomers
    clock.advance(30)
    _raid(new_owner, cid, raiders[5:6])  # inside the minute: not tried again, still cold
    assert reads == [cid] and _alerts(services, cast) == 0
    clock.advance(31)
    _raid(new_owner, cid, raiders[6:])  # retried: the old three too, seven in the window
    assert reads == [cid, cid] and _alerts(services, cast) == 1
    clock.advance(61)
    _raid(new_owner, cid, raiders[6:])
    assert reads == [cid, cid]  # warm for good: never read again


def test_a_channel_warming_up_does_not_hold_up_another_channels_batches(
    services: Services,
    new_owner: Services,
    cast: Cast,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Channel A's warm-up read is held until channel B's batch, sent meanwhile, is done."""
    a, b = cast.channel.id, cast.other.id
    services.detection.update(cast.bob, b, {"enabled": True})
    reading, release = threading.Event(), threading.Event()

    def hold_a(_conn: Connection, channel: int) -> None:
        if channel == a:
            reading.set()
            assert release.wait(30)

    _wrap_reads(monkeypatch, hold_a)
    sent: dict[str, str] = {}

    def send(key: str, cid: int) -> None:
        sent[key] = new_owner.chat.send_message(cast.victor, cid, "good evening").status

    first_a = threading.Thread(target=send, args=("a", a))
    first_a.start()
    try:
        assert reading.wait(30)  # A's warm-up is reading
        second_a = threading.Thread(target=send, args=("a2", a))
        second_a.start()  # A's next batch waits for A's warm-up
        on_b = threading.Thread(target=send, args=("b", b))
        on_b.start()
        on_b.join(30)
        assert sent.get("b") == "delivered"  # B went through while A was still reading
        assert first_a.is_alive() and "a" not in sent and "a2" not in sent
    finally:
        release.set()
        first_a.join(30)
    second_a.join(30)
    assert sent["a"] == sent["a2"] == "delivered"
