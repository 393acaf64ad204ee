"""What keeping a channel's events for resuming sockets costs (issue 16).

Publishes ``--batches`` batches of ``--batch`` chat-message events spread over ``--channels``
channels twice on a fresh Redis key prefix: once as a bare ``PUBLISH`` of the batch (how events
travelled before), once through ``RedisBus.publish_many`` (one Lua script: ``XADD`` to each
channel's events stream with ``MAXLEN ~``, ``PEXPIRE``, then the ``PUBLISH`` with the ids).
Prints, per event, the publisher's wall time and Redis's CPU time (``INFO cpu``; other clients
of the same Redis count too, so run it on a quiet one). The keys are deleted afterwards.

  python bench/events_publish.py
  python bench/events_publish.py --redis redis://127.0.0.1:6379/0 --batches 200
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable

import redis

from chatwarden.bus.redis import RedisBus, _dumps


def redis_cpu(client: redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--channels", type=int, default=16)
    args = parser.parse_args()
    client = redis.Redis.from_url(args.redis)
    prefix = f"cwbench-{uuid.uuid4().hex[:8]}:"
    bus = RedisBus(client, prefix)
    event = {
        "id": str(uuid.uuid4()),
        "type": "channel.chat.message",
        "version": "1",
        "created_at": "2026-12-07T05:00:00+00:00",
        "event": {"message_id": str(uuid.uuid4()), "message": {"text": "a chat line " * 6}},
    }
    batch = [(f"channel:{i % args.channels}", event) for i in range(args.batch)]
    bare = _dumps([[topic, ev] for topic, ev in batch])
    runs: list[tuple[str, Callable[[], object]]] = [
        ("PUBLISH only", lambda: client.publish(prefix + "x", bare)),
        ("XADD + PUBLISH (RedisBus)", lambda: bus.publish_many(batch)),
    ]
    try:
        for label, publish in runs:
            cpu0, t0 = redis_cpu(client), time.perf_counter()
            for _ in range(args.batches):
                publish()
            wall, cpu = time.perf_counter() - t0, redis_cpu(client) - cpu0
            events = args.batches * args.batch
            print(
                f"{label:28s} {wall / events * 1e6:6.1f} us/event publisher wall, "
                f"{cpu / events * 1e6:6.1f} us/event Redis CPU"
            )
    finally:
        bus.close()
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()


if __name__ == "__main__":
    main()
