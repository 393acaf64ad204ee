"""The composition root's scale-out half (issue 16): a gateway's or a worker's parts over Redis.

``build_services`` stays the one place that wires the services; this module only opens Redis
from ``config.bus`` and hands ``build_services`` the Redis bus and shared state, then builds
what a gateway (``StreamIngest``) or a worker (``Worker``) adds. Without ``config.bus.url``
nothing here runs and a server is one process, as before.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import redis

from chatwarden.bus.redis import RedisBus, connect
from chatwarden.bus.redis_state import RedisChatState
from chatwarden.bus.redis_streams import ChatStreams, ShardLeases
from chatwarden.config import BusSettings, ServiceConfig
from chatwarden.errors import ConfigError
from chatwarden.ids import new_uuid
from chatwarden.service.health.readiness import Readiness, readiness_of
from chatwarden.service.scale.gateway import StreamIngest
from chatwarden.service.scale.metrics import WorkerMetrics
from chatwarden.service.scale.worker import Worker
from chatwarden.services import Services, build_services


@dataclass
class Node:
    """A gateway's or a worker's services and Redis parts; ``close()`` ends them all."""

    services: Services
    client: redis.Redis
    bus: RedisBus
    streams: ChatStreams

    def close(self) -> None:
        self.bus.close()
        self.services.close()
        self.client.close()


def streams_of(client: redis.Redis, bus: BusSettings) -> ChatStreams:
    streams = ChatStreams(
        client,
        bus.key_prefix,
        shards=bus.shards,
        max_len=bus.stream_max_len,
        claim_idle_ms=bus.claim_idle_ms,
        max_deliveries=bus.max_deliveries,
    )
    streams.ensure_groups()
    return streams


def build_node(config: ServiceConfig) -> Node:
    """Open Redis (``ConfigError`` naming the URL if unreachable) and build the services with
    the Redis bus and shared chat state."""
    if not config.bus.url:
        raise ConfigError("no bus URL: set --bus redis://host:port or CHATWARDEN_BUS_URL")
    client = connect(config.bus.url)
    prefix = config.bus.key_prefix
    bus = RedisBus(
        client,
        prefix,
        events_max_len=config.bus.events_max_len,
        events_ttl_s=config.bus.events_ttl_s,
    )
    try:
        services = build_services(config, bus=bus, state=RedisChatState(client, prefix))
        streams = streams_of(client, config.bus)
    except BaseException:
        bus.close()
        client.close()
        raise
    return Node(services, client, bus, streams)


def gateway_ingest(node: Node) -> StreamIngest:
    """What a gateway's web edge submits chat sends to."""
    bus = node.services.config.bus
    return StreamIngest(node.streams, answer_timeout_s=bus.answer_timeout_s)


def worker_of(node: Node, name: str | None = None) -> Worker:
    """A worker named ``name`` (default host-pid-random: names must be unique)."""
    bus = node.services.config.bus
    owner = name or f"{socket.gethostname()}-{os.getpid()}-{new_uuid()[:8]}"
    leases = ShardLeases(node.client, bus.key_prefix, bus.shards, owner, bus.lease_ttl_ms)
    return Worker(node.services.chat, node.streams, leases, batch=bus.worker_batch)


def worker_metrics(node: Node, worker: Worker) -> WorkerMetrics:
    """``worker``'s Prometheus registry, its stages timed from now on."""
    metrics = WorkerMetrics(worker.stats, node.streams)
    worker.stage_observer = metrics.observe
    node.services.chat.stage_observer = metrics.observe
    return metrics


def node_readiness(node: Node) -> Readiness:
    """The database and Redis, as ``/readyz`` checks them."""
    return readiness_of(node.services.db, node.services.config.bus.url)
