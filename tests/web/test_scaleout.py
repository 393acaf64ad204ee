"""A gateway (``serve --bus``) end to end over real HTTP and WebSockets, with a worker in
another ``Services`` (as in another process) over the real Redis and PostgreSQL: a send from
one socket is decided by the worker, answered to the sender, and reaches another socket."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import httpx
import pytest
import redis

from chatwarden.config import ServiceConfig
from chatwarden.scaleout import build_node, gateway_ingest, worker_of
from chatwarden.service.types import Actor
from chatwarden.web import create_app
from tests.conftest import empty_postgres_schema
from tests.redis_support import REDIS_URL, redis_namespace
from tests.web.harness import PASSWORD, LiveServer, Person


@pytest.fixture
def ns() -> Iterator[tuple[redis.Redis, str]]:
    with redis_namespace() as pair:
        yield pair


@pytest.fixture
def pg() -> Iterator[str]:
    with empty_postgres_schema("cw_web_scale") as url:
        yield url


def test_a_message_through_the_gateway_is_decided_by_the_worker_and_fanned_out(
    ns: tuple[redis.Redis, str], pg: str
) -> None:
    config = ServiceConfig.model_validate(
        {
            "database_url": pg,
            "argon2_time_cost": 1,
            "argon2_memory_kib": 64,
            "secret_key": "test-secret-key-" + "x" * 32,
            "bus": {"url": REDIS_URL, "key_prefix": ns[1], "shards": 2},
        }
    )
    gateway, worker_node = build_node(config), build_node(config)
    worker = worker_of(worker_node, "w")
    worker.block_ms = 20
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            worker.run_once()

    thread = threading.Thread(target=work)
    accounts = gateway.services.accounts
    owner = accounts.register("owner", PASSWORD)
    gateway.services.channels.create_channel(Actor(owner.id, owner.username), "main")
    for name in ("alice", "bob"):
        accounts.register(name, PASSWORD)
    thread.start()
    try:
        app = create_app(gateway.services, ingest=gateway_ingest(gateway))
        with LiveServer(app) as server, contextlib.ExitStack() as stack:
            base = f"http://127.0.0.1:{server.port}"
            people = {
                name: Person(
                    name,
                    stack.enter_context(httpx.Client(base_url=base, timeout=10)),
                    f"ws://127.0.0.1:{server.port}",
                    stack,
                )
                for name in ("alice", "bob")
            }
            for person in people.values():
                person.login()
            alice, bob = people["alice"].chat("main"), people["bob"].chat("main")
            answer = people["alice"].say(alice, "hello from behind the gateway", key="k1")
            assert (answer["type"], answer["status"], answer["replayed"]) == (
                "sent",
                "delivered",
                False,
            )
            heard = bob.expect_type("message", timeout=10, text="hello from behind the gateway")
            again = people["alice"].say(alice, "hello from behind the gateway", key="k1")
            assert (again["message_id"], again["replayed"]) == (answer["message_id"], True)
            bob.quiet(lambda f: f.get("type") == "message")  # the replay is not sent twice
    finally:
        stop.set()
        thread.join()
        worker_node.close()
        gateway.close()
    assert (heard["message_id"], heard["sender"]) == (answer["message_id"], "alice")
    assert worker.stats.decided == 2 and worker.stats.replayed == 1
