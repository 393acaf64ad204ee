"""A private ngIRCd on loopback: the connector tests' IRC server (``conftest.irc_server``) and
``bench/connectors.py``'s, which also kills and restarts it on the same port (the soak).

No pytest here, so the bench can import it (``python -m bench.connectors`` from the
repository root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import IO

OPER = ("cwbot", "oper-secret-for-tests")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ngircd_binary() -> str | None:
    """The ``ngircd`` program, or None where it is not installed."""
    return shutil.which("ngircd") or (
        "/usr/sbin/ngircd" if os.access("/usr/sbin/ngircd", os.X_OK) else None
    )


def ngircd_config(port: int, oper: tuple[str, str] = OPER) -> str:
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
    Name = {oper[0]}
    Password = {oper[1]}
"""


class Ngircd:
    """ngIRCd in the foreground on ``port`` (a free one by default), its output in
    ``folder/ngircd.log``. ``start`` again after ``kill`` restarts it on the same port."""

    def __init__(
        self, binary: str, folder: Path, port: int | None = None, oper: tuple[str, str] = OPER
    ) -> None:
        self.binary = binary
        self.folder = folder
        self.host = "127.0.0.1"
        self.port = port if port is not None else free_port()
        self.conf = folder / "ngircd.conf"
        self.conf.write_text(ngircd_config(self.port, oper))
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[str] | None = None

    def start(self, timeout_s: float = 10.0) -> None:
        """Start it and wait until it listens; RuntimeError, with its output, if it does not."""
        self._log = (self.folder / "ngircd.log").open("a")
        self.proc = subprocess.Popen(
            [self.binary, "--nodaemon", "--config", str(self.conf)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    output = (self.folder / "ngircd.log").read_text()
                    problem = f"ngircd did not start on port {self.port}:\n{output}"
                    raise RuntimeError(problem) from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the server dies at once, every connection with it."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        self._close_log()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 5 s."""
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
