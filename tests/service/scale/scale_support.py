"""Helpers for the scale-out tests and bench: a seeded database, a publisher, row counts."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from chatwarden.bus.redis_streams import ChatStreams
from chatwarden.config import ServiceConfig
from chatwarden.service.scale.codec import Envelope, encode_request, with_key
from chatwarden.service.types import Actor, SendRequest
from chatwarden.services import build_services
from chatwarden.store.engine import create_engine

CHEAP_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 8, "argon2_parallelism": 1}


@dataclass(frozen=True)
class Seeded:
    channel_ids: list[int]
    senders: list[Actor]


def seed(database_url: str, channels: int, senders: int) -> Seeded:
    """Migrate, then ``channels`` channels (one owner) and ``senders`` chatters."""
    config = ServiceConfig.model_validate({"database_url": database_url, **CHEAP_HASHING})
    services = build_services(config)
    try:
        accounts = services.accounts
        owner_user = accounts.register("owner", "correct horse")
        owner = Actor(owner_user.id, owner_user.username)
        ids = [services.channels.create_channel(owner, f"ch{i}").id for i in range(channels)]
        actors = []
        for i in range(senders):
            user = accounts.register(f"chatter{i}", "correct horse")
            actors.append(Actor(user.id, user.username))
        return Seeded(ids, actors)
    finally:
        services.close()


def requests(seeded: Seeded, count: int, start: int = 0) -> list[SendRequest]:
    """``count`` distinct, harmless messages spread over the channels and senders."""
    out = []
    for i in range(start, start + count):
        actor = seeded.senders[i % len(seeded.senders)]
        channel = seeded.channel_ids[i % len(seeded.channel_ids)]
        text = f"message number {i} about the speedrun route {i * 7919 % 104729}"
        out.append(with_key(SendRequest(actor, channel, text)))
    return out


def publish(streams: ChatStreams, reqs: list[SendRequest], gateway: str = "test") -> list[str]:
    """Publish as a gateway does; the entry ids (every one accepted, else AssertionError)."""
    now = time.time()
    items = [
        (r.channel_id, encode_request(Envelope(r, gateway, str(r.idempotency_key), now)))
        for r in reqs
    ]
    ids = []
    for chunk in range(0, len(items), 500):
        for entry in streams.publish_many(items[chunk : chunk + 500]):
            assert isinstance(entry, str), entry
            ids.append(entry)
    return ids


def stored(database_url: str) -> tuple[int, int]:
    """(message rows, distinct idempotency keys) in the database."""
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            rows, keys = conn.execute(
                sa.text("SELECT count(*), count(DISTINCT idempotency_key) FROM messages")
            ).one()
        return int(rows), int(keys)
    finally:
        engine.dispose()


def stored_keys(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            result = conn.execute(
                sa.text("SELECT idempotency_key, count(*) FROM messages GROUP BY 1")
            )
            return {str(k): int(n) for k, n in result}
    finally:
        engine.dispose()
