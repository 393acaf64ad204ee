"""A real local SMTP server for the email tests (aiosmtpd on 127.0.0.1, a free port).

``mail_server()`` yields a ``MailServer``: the port, the mails received (parsed), and
``wait_for(to)`` that returns the next mail to an address. ``refuse = True`` makes it answer
554 to every mail. No mocks: the code under test talks SMTP to it over TCP.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://\S+/verify-email#token=(cwe_[A-Za-z0-9_-]+)")


@dataclass
class MailServer:
    port: int = 0
    refuse: bool = False
    mails: list[EmailMessage] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "554 5.7.1 refused by the test"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        with self._cond:
            self.mails.append(msg)
            self._cond.notify_all()
        return "250 OK"

    def wait_for(self, to: str, timeout: float = 10.0, after: int = 0) -> EmailMessage:
        """The first mail to ``to`` among those after the first ``after`` received."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for msg in self.mails[after:]:
                    if msg["To"] == to:
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no mail to {to} within {timeout} s: {self.mails}")
                self._cond.wait(left)


def body_of(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(msg: EmailMessage) -> tuple[str, str]:
    """``(link, token)`` of the verification link in the mail."""
    found = LINK.search(body_of(msg))
    assert found is not None, body_of(msg)
    return found.group(0), found.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.port = free_port()
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def smtp_settings(port: int, **overrides: Any) -> dict[str, Any]:
    """The ``smtp`` section for a server on 127.0.0.1:``port`` (plain SMTP, no login)."""
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from_address": "chatwarden@example.org",
        "public_base_url": "https://chat.example.org",
        "timeout_s": 5,
        **overrides,
    }
