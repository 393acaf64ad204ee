"""A stored connection's status, as its runner sees it: ``connected`` (in the platform's
channel), ``disconnected`` or ``error`` (out of it, with a last error), the last message's
time and the last error. Written through ``ConnectionService.report_status`` when something
changed, at most once per interval (a busy chat is one write a second, not one per message),
and at least every ``heartbeat_s`` (``status_at`` says how fresh it is), and once more when the
runner stops; when the connection was removed meanwhile, the runner is told to stop
(``on_removed``). An error's text never carries the connection's secrets:
they are masked before it is stored (a server may echo what it was sent).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from chatwarden.connectors.base import Connector, Presence
from chatwarden.services import Services

log = logging.getLogger(__name__)

MASK = "********"


def scrub(text: str | None, secrets: Sequence[str]) -> str | None:
    """``text`` with every secret replaced by ``MASK``."""
    if text is None:
        return None
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


@dataclass(frozen=True, slots=True)
class Snapshot:
    status: str
    last_message_at: datetime | None
    last_error: str | None


class StatusReporter:
    """Reports ``connector``'s status into connection ``connection_id``."""

    def __init__(
        self,
        services: Services,
        connection_id: int,
        connector: Connector,
        runner_state: Callable[[], tuple[datetime | None, str | None]],
        secrets: Sequence[str] = (),
        interval_s: float = 1.0,
        on_removed: Callable[[], Awaitable[None]] | None = None,
        heartbeat_s: float = 10.0,
    ) -> None:
        self.services = services
        self.connection_id = connection_id
        self.connector = connector
        self.runner_state = runner_state  # the last message's time, the runner's last error
        self.secrets = tuple(secrets)
        self.interval_s = interval_s
        self.on_removed = on_removed
        self.heartbeat_s = heartbeat_s
        self._written_at = float("-inf")  # monotonic time of the last write
        self.reported: Snapshot | None = None
        self.removed = False

    def snapshot(self, *, stopping: bool = False) -> Snapshot:
        last_message_at, runner_error = self.runner_state()
        connected, error = True, runner_error
        if isinstance(self.connector, Presence):
            connected = self.connector.connected
            error = self.connector.last_error or runner_error
        error = scrub(error, self.secrets)
        if connected and not stopping:
            status = "connected"
        else:
            status = "error" if error and not stopping else "disconnected"
        return Snapshot(status, last_message_at, error)

    async def report(self, *, stopping: bool = False) -> bool:
        """Write the status if it changed since the last report; False once the connection
        is gone (removed)."""
        now = self.snapshot(stopping=stopping)
        fresh = time.monotonic() - self._written_at < self.heartbeat_s
        if self.removed or (now == self.reported and fresh):
            return not self.removed
        try:
            found = await asyncio.to_thread(
                self.services.connections.report_status,
                self.connection_id,
                now.status,
                last_message_at=now.last_message_at,
                last_error=now.last_error,
            )
        except Exception:  # the status is a report: the connector keeps running without it
            log.exception("reporting connection %d's status failed", self.connection_id)
            return True
        self.reported, self._written_at = now, time.monotonic()
        self.removed = not found
        return found

    async def watch(self) -> None:
        """Report every ``interval_s`` until cancelled, or until the connection is removed
        (then ``on_removed``)."""
        while await self.report():
            await asyncio.sleep(self.interval_s)
        log.warning("connection %d was removed: stopping its runner", self.connection_id)
        if self.on_removed is not None:
            await self.on_removed()
