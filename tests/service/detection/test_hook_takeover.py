"""A channel's detectors in a process that takes the channel over (a worker that becomes its
shard's owner, or a restart): they warm up on the channel's stored recent messages, so a raid
that began under the old owner is still seen whole, and an alert raised before is not raised
again while its cooldown runs. Two ``Services`` on one database stand for the old and the new
owner (what a worker is: ``Services`` plus a loop over its shards)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chatwarden.bus import InProcessBus
from chatwarden.clock import FakeClock
from chatwarden.detect.config import DetectionConfig
from chatwarden.model import Model
from chatwarden.service.detection.hook import WARM_LIMIT, warm_span_s
from chatwarden.service.types import Actor, SendRequest
from chatwarden.services import Services, build_services
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
