"""A stored connection's status, as its runner sees it: ``connected`` (in the platform's
channel), ``disconnected`` or ``error`` (out of it, with a last error), the last message's
time and the last error. Written through ``ConnectionService.report_status`` when something
changed, at most once per interval (a busy chat is one write a second, not one per message),
and once more when the runner stops. An error's text never carries the connection's secrets:
they are masked before it is stored (a server may echo what it was sent).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
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
    ) -> None:
        self.services = services
        self.connection_id = connection_id
        self.connector = connector
        self.runner_state = runner_state  # the last message's time, the runner's last error
        self.secrets = tuple(secrets)
        self.interval_s = interval_s
        self.reported: Snapshot | None = None

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

    async def report(self, *, stopping: bool = False) -> None:
        """Write the status if it changed since the last report."""
        now = self.snapshot(stopping=stopping)
        if now == self.reported:
            return
        try:
            await asyncio.to_thread(
                self.services.connections.report_status,
                self.connection_id,
                now.status,
                last_message_at=now.last_message_at,
                last_error=now.last_error,
            )
            self.reported = now
        except Exception:  # the status is a report: the connector keeps running without it
            log.exception("reporting connection %d's status failed", self.connection_id)

    async def watch(self) -> None:
        """Report every ``interval_s`` until cancelled."""
        while True:
            await self.report()
            await asyncio.sleep(self.interval_s)
