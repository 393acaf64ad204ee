"""A batch's rate windows are counted in one call (``ChatState.hit_rates``): ``send_messages``
answers as ``send_message`` one at a time does, on the Redis state (one round trip per batch
for the rate windows, not one per message) and on the in-process default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chatwarden.bus import InProcessBus
from chatwarden.bus.redis_state import RedisChatState
from chatwarden.clock import FakeClock
from chatwarden.errors import ChatWardenError
from chatwarden.model import Model
from chatwarden.service.types import Actor, SendRequest, SendResult
from chatwarden.services import Services, build_services
from tests.redis_support import RoundTrips, redis_namespace
from tests.service.conftest import Cast, make_config

LIMIT = 2  # messages per sender per 30 s


@pytest.fixture(params=["redis", "memory"])
def sender(
    request: pytest.FixtureRequest,
    database_url: str,
    clock: FakeClock,
    bus: InProcessBus,
    model: Model,
    services: Services,
) -> Iterator[tuple[Services, RoundTrips | None]]:
    """Services with the rate limit at ``LIMIT`` on the given chat state (``services`` made the
    cast); with Redis, the counter of round trips that touch a rate window."""
    config = make_config(database_url, rate_limit_messages_per_30s=LIMIT)
    if request.param == "memory":
        built = build_services(config, clock=clock, bus=bus, model=model, migrate=False)
        try:
            yield built, None
        finally:
            built.close()
        return
    with redis_namespace() as (_, prefix):
        trips = RoundTrips(f"{prefix}st:rate:")
        state = RedisChatState(trips.client, prefix)
        built = build_services(
            config, clock=clock, bus=bus, state=state, model=model, migrate=False
        )
        try:
            state.hit_rate("warm", clock.now(), 1.0, 1)  # the script is loaded (not counted)
            trips.count = 0
            yield built, trips
        finally:
            built.close()
            trips.client.close()


def outcome(result: SendResult | ChatWardenError) -> tuple[object, ...]:
    assert isinstance(result, SendResult), result
    return (result.status, result.reason, result.retry_after_s)


OK = ("delivered", None, None)
DUP = ("rejected", "duplicate_message", None)


def limited(wait: float) -> tuple[object, ...]:
    return ("rejected", "rate_limited", pytest.approx(wait, abs=1e-3))


@pytest.mark.parametrize("batched", [True, False], ids=["batch", "one-by-one"])
def test_batched_rate_windows_answer_as_one_message_at_a_time(
    sender: tuple[Services, RoundTrips | None], cast: Cast, clock: FakeClock, batched: bool
) -> None:
    """Three batches on a fake clock, unique chat on: a sender twice or three times in one
    batch (the later ones see the earlier hits), several senders, a moderator (no window), a
    duplicate refused before its rate window counts it, the windows ageing and expiring."""
    svc, trips = sender
    cid = cast.channel.id
    svc.modes.update(cast.mike, cid, {"unique_chat": True})
    n = 0

    def send(batch: list[tuple[Actor, str]]) -> list[tuple[object, ...]]:
        nonlocal n
        reqs = []
        for actor, text in batch:
            n += 1
            reqs.append(SendRequest(actor, cid, text, f"k{n}"))
        before = trips.count if trips is not None else 0
        if batched:
            results = svc.chat.send_messages(reqs)
        else:
            results = [svc.chat.send_message(r.actor, cid, r.text, r.idempotency_key) for r in reqs]
        if trips is not None:
            counted = sum(1 for a, _ in batch if a != cast.mike)  # the moderator has none
            counted -= sum(1 for o in results if outcome(o) == DUP)  # refused before it
            assert trips.count - before == (1 if batched else counted)
        return [outcome(r) for r in results]

    victor, sam, fiona, vera, mike = cast.victor, cast.sam, cast.fiona, cast.vera, cast.mike
    first = [
        (victor, "good morning chat"),
        (victor, "what did I miss"),
        (sam, "good morning chat"),  # unique chat: refused, not counted
        (victor, "anyone here"),  # victor's third in 30 s
        (mike, "welcome everyone"),
        (sam, "hello hello"),
        (fiona, "nice stream today"),
        (vera, "first time seeing this boss"),
        (sam, "this boss is hard"),
        (sam, "one more try"),  # sam's third
    ]
    assert send(first) == [OK, OK, DUP, limited(30.0), OK, OK, OK, OK, OK, limited(30.0)]
    clock.advance(10)
    second = [
        (victor, "still here"),
        (sam, "good morning chat"),  # still within unique chat's 30 s
        (fiona, "that was close"),
        (fiona, "so close"),
    ]
    assert send(second) == [limited(20.0), DUP, OK, limited(20.0)]
    clock.advance(21)  # 31 s after the first batch: its hits have left the windows
    third = [
        (victor, "back again"),
        (victor, "and again"),
        (victor, "and once more"),
        (sam, "good morning chat"),
        (fiona, "gg"),  # her hit at 10 s is still in the window, the one at 0 s is not
        (fiona, "gg wp"),
    ]
    assert send(third) == [OK, OK, limited(30.0), OK, OK, limited(9.0)]
