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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chatwarden.connectors.irc.parse import Line, parse_line
from chatwarden.model import Model, load_model
from chatwarden.services import Services, build_services
from tests.connectors.ngircd import OPER as OPER  # re-exported: the tests import it here
from tests.connectors.ngircd import Ngircd, free_port, ngircd_binary
from tests.service.conftest import make_config


@dataclass(frozen=True)
class IrcServer:
    host: str
    port: int


_free_port = free_port


def require_ngircd() -> str:
    path = ngircd_binary()
    if path is None:
        reason = "ngircd is not installed (apt-get install ngircd)"
        if os.environ.get("CHATWARDEN_REQUIRE_IRC") == "1":
            pytest.fail(f"{reason} (CHATWARDEN_REQUIRE_IRC=1: CI must not skip the IRC tests)")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def irc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IrcServer]:
    """ngIRCd in the foreground (``ngircd.py``), stopped (SIGTERM) at the end of the module."""
    server = Ngircd(require_ngircd(), tmp_path_factory.mktemp("ngircd"))
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield IrcServer(server.host, server.port)
    finally:
        server.stop()


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
