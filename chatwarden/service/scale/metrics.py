"""A worker's Prometheus metrics (``chatwarden worker --metrics-port``), one registry each.

Counted by this worker (from ``WorkerStats`` at scrape time): messages decided, replays,
failures, reclaims, dead-letterings, failed passes, shards held. Timed by this worker: each
batch's stages (``decide``: validation, rules, AutoMod and detection; ``persist``: the one
transaction that stores the batch; ``ack``: answering the gateways and XACK+XDEL). Read from
Redis at scrape time, for the whole deployment (so every worker reports the same values: take
``max`` per shard, not ``sum``): each shard's stream length, consumer-group lag and pending
entries, and the dead-letter stream's length; one pipelined round trip of 2 x shards + 1
commands, whatever the backlog. If Redis does not answer, ``chatwarden_bus_up`` is 0 and the
Redis gauges are left out of that scrape.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import redis
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from chatwarden.bus.redis_streams import ChatStreams
from chatwarden.service.scale.worker import WorkerStats

log = logging.getLogger(__name__)

STAGES = ("decide", "persist", "ack")
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

#: WorkerStats field -> (metric name without ``_total``, help)
COUNTERS = {
    "decided": (
        "chatwarden_worker_messages_decided",
        "Messages this worker decided, stored and acknowledged (replays included).",
    ),
    "replayed": (
        "chatwarden_worker_messages_replayed",
        "Of those, redeliveries whose decision was already stored (answered, nothing written).",
    ),
    "failed": (
        "chatwarden_worker_messages_failed",
        "Failed attempts to decide an entry (left pending and retried, in the end dead-lettered).",
    ),
    "reclaimed": (
        "chatwarden_worker_messages_reclaimed",
        "Entries this worker took over from a dead or failing worker (XAUTOCLAIM).",
    ),
    "dead_lettered": (
        "chatwarden_worker_messages_dead_lettered",
        "Entries this worker moved to the dead-letter stream (max_deliveries attempts alone).",
    ),
    "errors": (
        "chatwarden_worker_pass_errors",
        "Worker passes that failed (Redis or the database unreachable) and were retried.",
    ),
}


class _WorkerCollector(Collector):
    def __init__(self, stats: WorkerStats, streams: ChatStreams) -> None:
        self._stats, self._streams = stats, streams

    def collect(self) -> Iterator[Metric]:
        for field, (name, doc) in COUNTERS.items():
            yield CounterMetricFamily(name, doc, value=getattr(self._stats, field))
        yield GaugeMetricFamily(
            "chatwarden_worker_shards",
            "Shards this worker holds a lease on.",
            value=len(self._stats.shards),
        )
        yield from self._from_redis()

    def _from_redis(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("chatwarden_bus_up", "1 if Redis answered this scrape, else 0.")
        try:
            shards = self._streams.stats()
            dead = self._streams.dead_letter_count()
        except redis.RedisError as exc:
            log.warning("metrics: Redis does not answer: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        length = GaugeMetricFamily(
            "chatwarden_stream_length",
            "Entries in the shard's stream: accepted, not yet acknowledged (the backlog).",
            labels=["shard"],
        )
        lag = GaugeMetricFamily(
            "chatwarden_stream_lag",
            "Entries in the shard's stream not yet delivered to any worker (consumer-group lag).",
            labels=["shard"],
        )
        pending = GaugeMetricFamily(
            "chatwarden_stream_pending",
            "Entries delivered to a worker and not yet acknowledged (XPENDING).",
            labels=["shard"],
        )
        for s in shards:
            length.add_metric([str(s.shard)], s.length)
            lag.add_metric([str(s.shard)], s.lag)
            pending.add_metric([str(s.shard)], s.pending)
        yield length
        yield lag
        yield pending
        yield GaugeMetricFamily(
            "chatwarden_dead_letters",
            "Entries in the dead-letter stream (max_deliveries attempts alone failed; see "
            "docs/scaling.md to inspect them).",
            value=dead,
        )


class WorkerMetrics:
    """The registry of one worker: ``observe(stage, seconds)`` times a stage of a batch."""

    def __init__(self, stats: WorkerStats, streams: ChatStreams) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.stage_seconds = Histogram(
            "chatwarden_worker_stage_seconds",
            "Time one batch spent in a stage: decide, persist, ack.",
            ["stage"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        for stage in STAGES:  # every stage has a series from the start
            self.stage_seconds.labels(stage)
        self.registry.register(_WorkerCollector(stats, streams))

    def observe(self, stage: str, seconds: float) -> None:
        self.stage_seconds.labels(stage).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
