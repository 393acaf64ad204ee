"""Group commit for chat: many senders, one worker-thread call per batch.

``Ingest.submit`` (on the event loop) queues a ``SendRequest`` and returns a future. One task
drains the queue: everything waiting (up to ``max_batch``) goes to ``ChatService.send_messages``
in a worker thread, which checks, decides and stores the whole batch in one transaction and
publishes after the commit; then each future gets its own result. While one batch is being
stored the next one gathers, so batches grow with the load; batches start at most every
``min_interval_s`` (a few ms), which keeps them large enough under moderate load that the
per-batch costs (a transaction, one frame per listening socket) stay small, while an idle
server still answers a lone message at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from chatwarden.errors import ChatWardenError
from chatwarden.service.chat.send import ChatService
from chatwarden.service.types import SendRequest, SendResult

log = logging.getLogger(__name__)

Pending = tuple[SendRequest, "asyncio.Future[SendResult]"]


class SendQueue:
    """Senders' requests queued on the event loop and drained by one task (``_run``), which a
    first ``submit`` starts (and restarts if it ended); the group-commit ``Ingest`` here and the
    scale-out gateway's ``StreamIngest`` differ only in what ``_run`` does with a batch."""

    def __init__(self, max_batch: int) -> None:
        self.max_batch = max_batch
        self._queue: deque[Pending] = deque()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def _starting(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the loop when the draining task (re)starts."""

    def submit(self, request: SendRequest) -> asyncio.Future[SendResult]:
        """Queue one message; the future holds its ``SendResult`` or its ``ChatWardenError``."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._starting(loop)
            self._task = loop.create_task(self._run())
        future: asyncio.Future[SendResult] = loop.create_future()
        self._queue.append((request, future))
        assert self._wake is not None
        self._wake.set()
        return future

    async def send(self, request: SendRequest) -> SendResult:
        return await self.submit(request)

    async def _work(self) -> None:
        """Wait until something is queued."""
        assert self._wake is not None
        while not self._queue:
            self._wake.clear()
            await self._wake.wait()

    def _take(self) -> list[Pending]:
        """The next batch: everything queued, up to ``max_batch``."""
        take = min(len(self._queue), self.max_batch)
        return [self._queue.popleft() for _ in range(take)]

    async def _stop(self) -> None:
        """Stop the draining task; futures still queued are cancelled."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while self._queue:
            _, fut = self._queue.popleft()
            fut.cancel()

    async def _run(self) -> None:  # pragma: no cover - each subclass drains its own way
        raise NotImplementedError


class Ingest(SendQueue):
    """The asyncio side of group commit; bound to the loop of its first ``submit``."""

    def __init__(
        self, chat: ChatService, max_batch: int = 512, min_interval_s: float = 0.002
    ) -> None:
        super().__init__(max_batch)
        self.chat = chat
        self.min_interval_s = min_interval_s
        self.batches = 0

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time() - self.min_interval_s
        while True:
            await self._work()
            wait = started + self.min_interval_s - loop.time()
            if wait > 0 and len(self._queue) < self.max_batch:
                await asyncio.sleep(wait)
            started = loop.time()
            live = [(req, fut) for req, fut in self._take() if not fut.cancelled()]
            if not live:
                continue
            try:
                results = await asyncio.to_thread(self.chat.send_messages, [req for req, _ in live])
            except Exception as exc:  # the database failed: every sender hears it
                log.exception("storing a batch of %d messages failed", len(live))
                for _, fut in live:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            self.batches += 1
            for (_, fut), result in zip(live, results, strict=True):
                if fut.done():
                    continue
                if isinstance(result, ChatWardenError):
                    fut.set_exception(result)
                else:
                    fut.set_result(result)

    async def close(self) -> None:
        """Stop the worker task (messages still queued get a ``CancelledError``)."""
        await self._stop()
