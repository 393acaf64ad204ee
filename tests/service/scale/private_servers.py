"""Throwaway Redis and PostgreSQL servers for one test, so that it can restart them without
touching the shared ones that the rest of the suite uses (running in parallel).

``private_redis``: ``redis-server`` on a free port with AOF (``--appendonly yes``) in a temporary
directory. ``private_postgres``: a cluster made by ``initdb`` (trust auth) on a free port, run
by ``pg_ctl``; PostgreSQL refuses to run as root, so under root (as ``.ci/run`` runs) it runs as
the ``postgres`` OS user through ``runuser``. Missing binaries: the test skips, saying which
(it fails instead where CI requires PostgreSQL or Redis).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.service.health.test_readiness import closed_port


def _missing(what: str, env: str) -> None:
    reason = f"{what} not found: this test starts a private server of its own"
    if os.environ.get(env) == "1":
        pytest.fail(f"{reason} ({env}=1: CI must not skip it)")
    pytest.skip(reason)


def _poll(ready: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not ready():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class PrivateRedis:
    port: int
    directory: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=5)

    def _answers(self) -> bool:
        with contextlib.suppress(redis.RedisError), self.client() as c:
            return bool(c.ping()) and c.info("persistence").get("loading") == 0
        return False

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        log = (self.directory / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        _poll(self._answers, 20, "the private Redis")

    def stop(self) -> None:
        """SIGTERM: Redis shuts down cleanly, flushing its AOF (what a restart keeps is in the
        AOF; there is no RDB snapshot: ``--save ""``)."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        _missing("redis-server", "CHATWARDEN_REQUIRE_REDIS")
    with tempfile.TemporaryDirectory(prefix="cw-redis-") as directory:
        server = PrivateRedis(closed_port(), Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@dataclass
class PrivatePostgres:
    bindir: Path
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *args: str) -> None:
        """A PostgreSQL program, as the ``postgres`` OS user when we are root."""
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def _answers(self) -> bool:
        probe = subprocess.run(
            [str(self.bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
            check=False,
        )
        return probe.returncode == 0

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} "
            "-c fsync=off -c max_connections=50 -c shared_buffers=16MB"
        )
        log = self.data / "server.log"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "start")
        _poll(self._answers, 30, "the private PostgreSQL")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        _missing("/usr/lib/postgresql/*/bin/initdb", "CHATWARDEN_REQUIRE_POSTGRES")
    root = os.geteuid() == 0
    if root and (shutil.which("runuser") is None or not _has_user("postgres")):
        _missing(
            "runuser and a postgres OS user (PostgreSQL refuses root)",
            "CHATWARDEN_REQUIRE_POSTGRES",
        )
    bindir = Path(found[-1]).parent
    with tempfile.TemporaryDirectory(prefix="cw-pg-") as directory:
        data = Path(directory) / "data"
        data.mkdir(mode=0o700)
        if root:
            postgres = pwd.getpwnam("postgres")
            os.chmod(directory, 0o755)
            os.chown(data, postgres.pw_uid, postgres.pw_gid)
        server = PrivatePostgres(bindir, data, closed_port())
        server.run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        server.start()
        try:
            yield server
        finally:
            with contextlib.suppress(subprocess.SubprocessError):
                server.stop()


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
