"""Everything restarts under a live chat (issue 16's fault test): a worker SIGKILLed in the
middle of a stream and a new one started, the gateway restarted (its clients reconnect with
``?since=``), Redis restarted (its AOF keeps the streams), PostgreSQL restarted. Afterwards
every accepted message (its sender got an id) has exactly one stored decision, none is lost or
decided twice, and every connected client got every delivered message exactly once (counted).

Real processes (``chatwarden serve --bus`` and ``chatwarden worker``) over a private Redis and
a private PostgreSQL cluster that this test starts and restarts itself (private_servers.py), so
the shared servers that the rest of the suite uses in parallel are never touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from chatwarden.store.engine import create_engine
from tests.service.health.test_readiness import closed_port
from tests.service.scale.private_servers import (
    PrivatePostgres,
    PrivateRedis,
    private_postgres,
    private_redis,
)
from tests.service.scale.scale_support import CHEAP_HASHING, seed
from tests.service.scale.test_worker import ROOT, bus_env, start_worker, wait_for

PASSWORD = "correct horse"  # scale_support.seed's
BATCH = 40  # messages per phase


@dataclass
class Client:
    """One chatter's socket in ``ch0``: counts each message id it hears, keeps the last ``seq``
    and reconnects with it (``?since=``) when its socket closes or the gateway changes."""

    session: str
    seen: Counter[str] = field(default_factory=Counter)
    last_seq: str | None = None
    conn: ClientConnection | None = None
    resumes: int = 0
    sockets: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def connect(self, base: str) -> None:
        if self.conn is not None:  # first what the old socket still holds, as a client would
            try:
                while self.recv(0.2):
                    pass
            except ConnectionClosed:
                pass
            self.conn.close()
        url = base.replace("http://", "ws://") + "/api/v1/channels/ch0/chat/ws"
        if self.last_seq is not None:
            url += f"?since={self.last_seq}"
        conn = connect(
            url, additional_headers={"Cookie": f"cw_session={self.session}"}, open_timeout=10
        )
        self.conn = self.sockets.enter_context(conn)
        welcome = self.recv(10)[0]
        assert welcome["type"] == "welcome", welcome
        if self.last_seq is not None:  # what it missed comes next, from the events stream
            assert welcome.get("resumed") is True, welcome
            self.resumes += 1
        else:
            self.last_seq = welcome.get("seq")  # none while the stream is empty

    def recv(self, timeout: float) -> list[dict[str, Any]]:
        """The next frames (a ``batch`` unpacked; messages counted), or [] after ``timeout``;
        raises ConnectionClosed."""
        assert self.conn is not None
        try:
            frame: dict[str, Any] = json.loads(self.conn.recv(timeout=timeout))
        except TimeoutError:
            return []
        frames = frame["frames"] if frame.get("type") == "batch" else [frame]
        for f in frames:
            if f.get("type") == "message":
                self.seen[f["message_id"]] += 1
            if isinstance(f.get("seq"), str) and f.get("type") != "welcome":
                self.last_seq = f["seq"]
        return list(frames)

    def drain(self, base: str, until: set[str], timeout: float) -> None:
        """Read until every id in ``until`` was heard, then until 0.5 s pass quietly."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                frames = self.recv(0.5)
            except ConnectionClosed:
                self.connect(base)
                continue
            if not frames and until <= set(self.seen):
                return
        raise AssertionError(f"missing {sorted(until - set(self.seen))}")


@dataclass
class Deployment:
    redis: PrivateRedis
    pg: PrivatePostgres
    env: dict[str, str]
    logs: Path
    gateway: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    base: str = ""
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> answer frame
    clients: list[Client] = field(default_factory=list)

    def start_gateway(self, n: int) -> None:
        port = closed_port()
        with (self.logs / f"gateway{n}.log").open("wb") as out:
            self.gateway = subprocess.Popen(
                [sys.executable, "-m", "chatwarden", "serve", "--port", str(port)],
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _ready(self.base), 45, f"gateway {n}")

    def start_worker(self, n: int) -> None:
        self.worker = start_worker(self.env, f"w{n}", self.logs / f"worker{n}.log")

    def stored(self) -> list[tuple[str, str, str]]:
        """(idempotency key, public id, status) of every stored message."""
        engine = create_engine(self.pg.url, pool_size=1, max_overflow=0)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.text("SELECT idempotency_key, public_id, status FROM messages")
                )
                return [(str(k), str(i), str(s)) for k, i, s in rows]
        finally:
            engine.dispose()

    def send(self, sender: Client, texts: dict[str, str], timeout: float = 45) -> None:
        """Send ``texts`` (key -> text) and resend each that got no id (an error such as
        ``decision_pending``, or a closed socket) with the same key until it gets one."""
        todo = {k: t for k, t in texts.items() if k not in self.accepted}
        deadline = time.monotonic() + timeout
        in_flight: set[str] = set()
        errors: list[dict[str, Any]] = []
        while todo:
            assert time.monotonic() < deadline, f"no answer for {len(todo)}: {errors[-3:]}"
            try:
                assert sender.conn is not None
                for key in todo.keys() - in_flight:
                    sender.conn.send(json.dumps({"type": "send", "text": todo[key],
                                                 "idempotency_key": key}))  # fmt: skip
                    in_flight.add(key)
                frames = sender.recv(1.0)
            except ConnectionClosed:
                in_flight.clear()
                _retry(lambda: sender.connect(self.base), deadline)
                continue
            for frame in frames:
                key = frame.get("idempotency_key")
                if key not in todo or frame["type"] == "message":
                    continue
                if frame["type"] == "error":  # not accepted yet: the same key again, shortly
                    in_flight.discard(key)
                    errors.append(frame)
                else:
                    assert frame["message_id"], frame
                    self.accepted[key] = frame
                    del todo[key]
            if errors and todo.keys() - in_flight:
                time.sleep(0.2)


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _retry(action: Any, deadline: float) -> None:
    while True:
        try:
            action()
            return
        except (OSError, ConnectionClosed, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _texts(phase: str, count: int = BATCH) -> dict[str, str]:
    return {
        uuid.uuid4().hex: f"{phase} message {n} about the speedrun route {n * 7919 % 104729}"
        for n in range(count)
    }


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    with private_redis() as redis_server, private_postgres() as pg:
        seed(pg.url, channels=1, senders=3)
        env = bus_env(
            pg.url,
            "cw:",
            CHATWARDEN_BUS_URL=redis_server.url,
            CHATWARDEN_BUS_WORKER_BATCH="4",  # many small batches: the kill lands mid-stream
            CHATWARDEN_BUS_ANSWER_TIMEOUT_S="3",
            CHATWARDEN_SECRET_KEY="restart-test-secret-" + "x" * 32,
            **{f"CHATWARDEN_{k.upper()}": str(v) for k, v in CHEAP_HASHING.items()},
        )
        d = Deployment(redis_server, pg, env, tmp_path)
        try:
            yield d
        finally:
            for client in d.clients:
                client.sockets.close()
            _stop(d.gateway)
            _stop(d.worker)


def _login(base: str, username: str) -> str:
    r = httpx.post(
        f"{base}/api/v1/sessions", json={"username": username, "password": PASSWORD}, timeout=10
    )
    assert r.status_code == 201, r.text
    return str(r.cookies["cw_session"])


def _subscribers(d: Deployment) -> int:
    """Subscribers to the events channel (each gateway and worker holds one)."""
    with d.redis.client() as c:
        return int(dict(c.pubsub_numsub("cw:events"))[b"cw:events"])


def test_worker_kill_and_gateway_redis_postgres_restarts_lose_and_repeat_nothing(
    deployment: Deployment,
) -> None:
    d = deployment
    started = time.monotonic()
    d.start_worker(1)
    d.start_gateway(1)
    sender, bob, carol = (Client(_login(d.base, f"chatter{n}")) for n in range(3))
    clients = d.clients = [sender, bob, carol]
    for client in clients:
        client.connect(d.base)
    wait_for(lambda: _subscribers(d) >= 2, 30, "the worker and the gateway on the events channel")
    d.send(sender, _texts("warm-up", 8))

    # 1. SIGKILL the worker in the middle of a stream, then start another
    burst = _texts("killed")
    for key, text in burst.items():
        assert sender.conn is not None
        sender.conn.send(json.dumps({"type": "send", "text": text, "idempotency_key": key}))
    before = len(d.accepted)
    wait_for(lambda: len(d.stored()) >= before + 4, 30, "the worker to store a few of the burst")
    assert d.worker is not None
    d.worker.send_signal(signal.SIGKILL)
    d.worker.wait(5)
    killed_at = len(d.stored()) - before
    d.start_worker(2)
    d.send(sender, burst)
    # 2. restart the gateway with sends in flight; every client comes back with ?since=
    restart = _texts("gateway")
    for key, text in list(restart.items())[: BATCH // 2]:
        assert sender.conn is not None
        sender.conn.send(json.dumps({"type": "send", "text": text, "idempotency_key": key}))
    _stop(d.gateway)
    d.start_gateway(2)
    for client in clients:
        client.connect(d.base)
    d.send(sender, restart)
    # 3. restart Redis (the AOF keeps the streams, the groups and the events streams)
    d.redis.restart()
    wait_for(lambda: _subscribers(d) >= 2, 30, "the worker and the gateway back on Redis")
    d.send(sender, _texts("redis"))
    # 4. restart PostgreSQL
    d.pg.restart()
    d.send(sender, _texts("postgres"))

    stored = d.stored()
    by_key = Counter(key for key, _, _ in stored)
    assert {k: n for k, n in by_key.items() if n != 1} == {}  # nothing decided twice
    assert set(by_key) == set(d.accepted)  # no accepted message lost, nothing extra
    ids = {key: public_id for key, public_id, _ in stored}
    assert {k: a["message_id"] for k, a in d.accepted.items()} == ids
    delivered = {a["message_id"] for a in d.accepted.values() if a["status"] == "delivered"}
    assert len(delivered) >= 4 * BATCH  # harmless texts: (almost) all delivered
    for client in clients:
        client.drain(d.base, delivered, 30)
        duplicates = {m: n for m, n in client.seen.items() if n != 1}
        assert duplicates == {}
        assert set(client.seen) == delivered
    assert bob.resumes >= 1 and carol.resumes >= 1
    assert 0 < killed_at < BATCH, "the kill did not land mid-stream; the test proves less"
    assert time.monotonic() - started < 120
    # the listeners waited with back-off while Redis was down (not thousands of retries a second)
    for log in d.logs.glob("*.log"):
        assert log.read_text().count("; reconnecting") < 100, log.name
