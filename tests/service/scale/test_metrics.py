"""A worker's metrics (``service/scale/metrics.py``) over the real Redis and PostgreSQL: after
N messages they show N decided and nothing pending or lagging; a poisoned entry shows in the
dead-letter gauge; each stage is timed; an unreachable Redis is ``chatwarden_bus_up 0``."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from chatwarden.bus.redis_streams import ChatStreams
from chatwarden.config import ServiceConfig
from chatwarden.scaleout import build_node, worker_metrics, worker_of
from chatwarden.service.scale.metrics import WorkerMetrics
from chatwarden.service.scale.worker import WorkerStats
from tests.conftest import empty_postgres_schema
from tests.redis_support import REDIS_URL, redis_namespace
from tests.service.health.test_readiness import closed_port
from tests.service.scale.scale_support import CHEAP_HASHING, publish, requests, seed

SHARDS = 4
POISON = b'{"v": 1, "truncated'


@pytest.fixture
def ns() -> Iterator[tuple[redis.Redis, str]]:
    with redis_namespace() as pair:
        yield pair


@pytest.fixture
def pg() -> Iterator[str]:
    with empty_postgres_schema("cw_scale_metrics") as url:
        yield url


def samples(exposition: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value."""
    out = {}
    for family in text_string_to_metric_families(exposition.decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def total(values: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str) -> float:
    return sum(v for (n, _), v in values.items() if n == name)


def test_after_n_messages_decided_is_n_with_nothing_pending_or_lagging_and_a_poison_is_dead(
    ns: tuple[redis.Redis, str], pg: str
) -> None:
    seeded = seed(pg, channels=3, senders=5)
    config = ServiceConfig.model_validate(
        {
            "database_url": pg,
            **CHEAP_HASHING,
            "rate_limit_messages_per_30s": 100_000,
            "bus": {
                "url": REDIS_URL,
                "key_prefix": ns[1],
                "shards": SHARDS,
                "claim_idle_ms": 30,
                "max_deliveries": 2,
            },
        }
    )
    node = build_node(config)
    try:
        worker = worker_of(node, "metered")
        metrics = worker_metrics(node, worker)
        publish(node.streams, requests(seeded, 60))
        node.streams.publish_many([(seeded.channel_ids[0], POISON)])
        before = samples(metrics.exposition())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            worker.stats.decided < 60 or not worker.stats.dead_lettered
        ):
            worker.run_once()
            time.sleep(0.01)
        after = samples(metrics.exposition())
    finally:
        node.close()
    assert total(before, "chatwarden_stream_lag") == 61  # published, nobody read them yet
    assert total(before, "chatwarden_stream_length") == 61
    assert total(before, "chatwarden_worker_messages_decided_total") == 0
    assert after[("chatwarden_worker_messages_decided_total", ())] == 60
    assert after[("chatwarden_bus_up", ())] == 1
    for name in ("chatwarden_stream_lag", "chatwarden_stream_pending", "chatwarden_stream_length"):
        per_shard = {dict(labels)["shard"]: v for (n, labels), v in after.items() if n == name}
        assert per_shard == {str(s): 0 for s in range(SHARDS)}, name
    assert after[("chatwarden_dead_letters", ())] == 1
    assert after[("chatwarden_worker_messages_dead_lettered_total", ())] == 1
    assert after[("chatwarden_worker_messages_failed_total", ())] == 2  # its two deliveries
    assert after[("chatwarden_worker_shards", ())] == SHARDS
    for stage in ("decide", "persist", "ack"):
        count = after[("chatwarden_worker_stage_seconds_count", (("stage", stage),))]
        assert count >= 1, stage
    decide_s = after[("chatwarden_worker_stage_seconds_sum", (("stage", "decide"),))]
    assert decide_s > 0


def test_an_unreachable_redis_is_bus_up_0_without_stream_gauges() -> None:
    client = redis.Redis(port=closed_port(), socket_connect_timeout=1)
    try:
        stats = WorkerStats(decided=7)
        values = samples(WorkerMetrics(stats, ChatStreams(client, "x:", shards=2)).exposition())
    finally:
        client.close()
    assert values[("chatwarden_bus_up", ())] == 0
    assert values[("chatwarden_worker_messages_decided_total", ())] == 7
    assert not any(n.startswith("chatwarden_stream_") for n, _ in values)
    assert ("chatwarden_dead_letters", ()) not in values
