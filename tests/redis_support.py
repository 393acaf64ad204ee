"""A private key prefix on the real Redis for one test, deleted afterwards.

Redis: CHATWARDEN_TEST_REDIS_URL (default redis://127.0.0.1:6379/0). Unreachable: the test
skips, saying why (it fails instead when CHATWARDEN_REQUIRE_REDIS=1, as in CI).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

REDIS_URL = os.environ.get("CHATWARDEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextlib.contextmanager
def redis_namespace() -> Iterator[tuple[redis.Redis, str]]:
    """A client and a unique prefix (``cwtest-<hex>:``); every key under it is deleted after."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        reason = f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}"
        if os.environ.get("CHATWARDEN_REQUIRE_REDIS") == "1":
            pytest.fail(f"{reason} (CHATWARDEN_REQUIRE_REDIS=1: CI must not skip it)")
        pytest.skip(reason)
    prefix = f"cwtest-{uuid.uuid4().hex[:12]}:"
    try:
        yield client, prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


class RoundTrips:
    """A client on the test Redis that counts its round trips (socket writes: one per
    command, one per pipeline) whose bytes name a key containing ``marker``."""

    def __init__(self, marker: str) -> None:
        self.count = 0
        needle = marker.encode()
        trips = self

        class Counting(redis.Connection):
            def send_packed_command(self, command: Any, check_health: bool = True) -> None:
                chunks = [command] if isinstance(command, bytes | str) else command
                data = b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in chunks)
                if needle in data:
                    trips.count += 1
                super().send_packed_command(command, check_health)

        pool = redis.ConnectionPool.from_url(REDIS_URL, connection_class=Counting)
        self.client = redis.Redis(connection_pool=pool)
