"""An applier's calls, sent one at a time in the order they were asked, on the connector's loop.

Shared by the appliers whose calls must keep their order (Discord's REST calls, Matrix's
client-server API calls and mute jobs). ``apply`` is called on the event loop (the runner's) or
from another thread (a bus callback): the call is put on the queue on ``loop``, where the first
one starts the worker. A call that fails is logged and kept in ``failed`` (bounded); it never
stops the ones after it. What a call is and how it is sent stay in the platform's ``apply.py``
(``_send``). Twitch's applier needs no order (one task per Helix call) and IRC writes its lines
through the client, so neither uses this.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Generic, TypeVar

C = TypeVar("C")


class SendQueue(ABC, Generic[C]):
    """The queue, its worker, ``drain`` and the stop of an applier that sends calls ``C`` in
    order; ``platform`` names it in the log lines of ``logger`` (the applier's module's)."""

    def __init__(self, platform: str, logger: logging.Logger) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.failed: list[str] = []  # the errors (bounded)
        self._platform = platform
        self._log = logger
        self._queue: asyncio.Queue[C] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._idle: asyncio.Event | None = None

    @abstractmethod
    async def _send(self, call: C) -> None:
        """Send one call (the platform's own); what it raises is logged and kept in ``failed``."""

    def _describe(self, call: C) -> str:
        """The call in the log line that says it was dropped (no event loop yet)."""
        return f"a {self._platform} call"

    async def drain(self) -> None:
        """Wait until every call asked for so far was sent (tests, shutdown)."""
        if self._queue is not None and self._idle is not None:
            while not self._queue.empty() or not self._idle.is_set():
                await asyncio.sleep(0.01)

    async def _stop_worker(self) -> None:
        """Cancel the worker (what is still queued is not sent); the applier's ``aclose``."""
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass

    def _enqueue(self, call: C) -> None:
        loop = self.loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None and (loop is None or loop is running):
            self._put(call)
        elif loop is not None:
            loop.call_soon_threadsafe(self._put, call)
        else:
            self._log.warning("no event loop; dropped %s", self._describe(call))

    def _put(self, call: C) -> None:
        if self._queue is None:
            self.loop = asyncio.get_running_loop()
            self._queue = asyncio.Queue()
            self._idle = asyncio.Event()
            self._idle.set()
            self._worker = asyncio.create_task(self._work())
        self._queue.put_nowait(call)

    async def _work(self) -> None:
        assert self._queue is not None and self._idle is not None
        while True:
            call = await self._queue.get()
            self._idle.clear()
            try:
                await self._send(call)
            except Exception as exc:  # one refused call must not stop the others
                self.failed.append(f"{type(exc).__name__}: {exc}")
                del self.failed[:-50]
                self._log.warning("%s call failed: %s: %s", self._platform, type(exc).__name__, exc)
            finally:
                if self._queue.empty():
                    self._idle.set()
