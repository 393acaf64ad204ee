"""Connector fixtures: a real IRC server (Debian's ngIRCd on loopback, a random port), another
chatter's bare client, and the services on SQLite.

Skipped, saying why, where ``ngircd`` is not installed; CI sets CHATWARDEN_REQUIRE_IRC=1 (and
``.ci/run`` installs it), so there the tests fail instead of skipping.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chatwarden.connectors.irc.parse import Line, parse_line
from chatwarden.model import Model, load_model
from chatwarden.services import Services, build_services
from tests.service.conftest import make_config

OPER = ("cwbot", "oper-secret-for-tests")


@dataclass(frozen=True)
class IrcServer:
    host: str
    port: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(port: int) -> str:
    return f"""[Global]
    Name = irc.chatwarden.test
    Info = ChatWarden connector tests
    AdminInfo1 = ChatWarden tests
    AdminInfo2 = loopback only
    AdminEMail = nobody@example.invalid
    Listen = 127.0.0.1
    Ports = {port}
    MotdPhrase = ChatWarden connector tests
[Limits]
    PingTimeout = 120
    PongTimeout = 20
    MaxNickLength = 30
    MaxConnectionsIP = 0
[Options]
    PAM = no
    Ident = no
    DNS = no
    OperCanUseMode = yes
    ConnectIPv6 = no
[Operator]
    Name = {OPER[0]}
    Password = {OPER[1]}
"""


def require_ngircd() -> str:
    path = shutil.which("ngircd") or (
        "/usr/sbin/ngircd" if os.access("/usr/sbin/ngircd", os.X_OK) else None
    )
    if path is None:
        reason = "ngircd is not installed (apt-get install ngircd)"
        if os.environ.get("CHATWARDEN_REQUIRE_IRC") == "1":
            pytest.fail(f"{reason} (CHATWARDEN_REQUIRE_IRC=1: CI must not skip the IRC tests)")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def irc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IrcServer]:
    """ngIRCd in the foreground, stopped (SIGTERM) at the end of the module."""
    binary = require_ngircd()
    folder: Path = tmp_path_factory.mktemp("ngircd")
    port = _free_port()
    conf = folder / "ngircd.conf"
    conf.write_text(_config(port))
    log = (folder / "ngircd.log").open("w")
    proc = subprocess.Popen(
        [binary, "--nodaemon", "--config", str(conf)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    output = (folder / "ngircd.log").read_text()
                    pytest.fail(f"ngircd did not start on port {port}:\n{output}")
                time.sleep(0.05)
        yield IrcServer("127.0.0.1", port)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


class RawClient:
    """Another chatter: a bare socket client that records every line it reads."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.lines: list[Line] = []
        self._seen = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, server: IrcServer, nick: str) -> RawClient:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        client = cls(reader, writer)
        client.send(f"NICK {nick}")
        client.send(f"USER {nick} 0 * :{nick}")
        await client.wait_for(lambda line: line.command == "001")
        return client

    def send(self, line: str) -> None:
        self.writer.write(line.encode() + b"\r\n")

    async def _read(self) -> None:
        while raw := await self.reader.readline():
            line = parse_line(raw.decode("utf-8", "replace"))
            if line.command == "PING":
                self.send(f"PONG :{line.param(0)}")
            self.lines.append(line)
            self._seen.set()

    async def wait_for(self, pred: object, timeout: float = 5.0) -> Line:
        assert callable(pred)

        async def wait() -> Line:
            while True:
                for line in self.lines:
                    if pred(line):
                        return line
                self._seen.clear()
                await self._seen.wait()

        return await asyncio.wait_for(wait(), timeout)

    async def join(self, channel: str) -> None:
        self.send(f"JOIN {channel}")
        await self.wait_for(lambda line: line.command == "366" and line.param(1) == channel)

    def say(self, channel: str, text: str) -> None:
        self.send(f"PRIVMSG {channel} :{text}")

    async def close(self) -> None:
        self.send("QUIT :bye")
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@pytest.fixture(scope="session")
def model() -> Model:
    return load_model()


@pytest.fixture
def services(_sqlite_template: Path, tmp_path: Path, model: Model) -> Iterator[Services]:
    """Services on a fresh SQLite copy of the migrated template, with the real clock (the IRC
    server runs in real time)."""
    path = tmp_path / "chatwarden.db"
    shutil.copyfile(_sqlite_template, path)
    svc = build_services(make_config(f"sqlite:///{path}"), model=model, migrate=False)
    try:
        yield svc
    finally:
        svc.close()
