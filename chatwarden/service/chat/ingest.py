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


class Ingest:
    """The asyncio side of group commit; bound to the loop of its first ``submit``."""

    def __init__(
        self, chat: ChatService, max_batch: int = 512, min_interval_s: float = 0.002
    ) -> None:
        self.chat = chat
        self.max_batch = max_batch
        self.min_interval_s = min_interval_s
        self._queue: deque[Pending] = deque()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.batches = 0

    def submit(self, request: SendRequest) -> asyncio.Future[SendResult]:
        """Queue one message; the future holds its ``SendResult`` or its ``ChatWardenError``."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._run())
        future: asyncio.Future[SendResult] = loop.create_future()
        self._queue.append((request, future))
        assert self._wake is not None
        self._wake.set()
        return future

    async def send(self, request: SendRequest) -> SendResult:
        return await self.submit(request)

    async def _run(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        started = loop.time() - self.min_interval_s
        while True:
            while not self._queue:
                self._wake.clear()
                await self._wake.wait()
            wait = started + self.min_interval_s - loop.time()
            if wait > 0 and len(self._queue) < self.max_batch:
                await asyncio.sleep(wait)
            started = loop.time()
            take = min(len(self._queue), self.max_batch)
            batch = [self._queue.popleft() for _ in range(take)]
            live = [(req, fut) for req, fut in batch if not fut.cancelled()]
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
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while self._queue:
            _, fut = self._queue.popleft()
            fut.cancel()
