"""The gateway's ingest: accepted sends go to the streams; the workers' answers come back.

``StreamIngest`` has ``Ingest``'s interface (``submit``/``send``/``close``), so the web edge
is the same in one process and in many. ``submit`` queues the request; one task appends
everything waiting in one Redis round trip (``ChatStreams.publish_many``, in a thread), like
group commit; a full shard fails that sender's future with ``StreamFull`` at once (never a
silent drop). The answer arrives on this gateway's reply channel and resolves the future.
A worker that takes longer than ``answer_timeout_s`` leaves the sender a ``DecisionPending``
error: the message is accepted and will be decided, and a resend with the same idempotency key
returns its result.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Any, NamedTuple

from chatwarden.bus.redis_streams import ChatStreams, ReplyListener
from chatwarden.errors import ChatWardenError, InputError, RateLimited
from chatwarden.ids import new_uuid7
from chatwarden.service.chat.ingest import Pending, SendQueue
from chatwarden.service.scale.codec import Envelope, decode_answer, encode_request, with_key
from chatwarden.service.types import SendResult

log = logging.getLogger(__name__)


class DecisionPending(RateLimited):
    """Accepted, but no answer in time: resend with the same idempotency key for the result.

    A ``RateLimited`` (HTTP 429 with Retry-After), because what the sender should do is what a
    client does on 429: wait, then send the same request again (the key makes it a replay)."""

    code = "decision_pending"


class _Send(NamedTuple):
    """One encoded request on its way to the streams."""

    ref: str  # the answer's reference
    future: asyncio.Future[SendResult]
    channel_id: int
    payload: bytes


class StreamIngest(SendQueue):
    """Publish sends to the streams and await the workers' answers (one per gateway process)."""

    def __init__(
        self,
        streams: ChatStreams,
        gateway: str | None = None,
        *,
        max_batch: int = 512,
        answer_timeout_s: float = 30.0,
    ) -> None:
        super().__init__(max_batch)
        self.streams = streams
        self.gateway = gateway or new_uuid7()
        self.answer_timeout_s = answer_timeout_s
        self._waiting: dict[str, asyncio.Future[SendResult]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: ReplyListener | None = None
        self.published = 0
        self.latencies: deque[float] = deque(maxlen=100_000)  # send -> decision, seconds

    def _starting(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        if self._listener is None:
            self._listener = ReplyListener(self.streams, self.gateway, self._on_answers)

    async def _run(self) -> None:
        while True:
            await self._work()
            sends = self._encode(self._take())
            if sends:
                await self._publish(sends)

    def _encode(self, batch: list[Pending]) -> list[_Send]:
        """The batch's live requests, keyed and encoded; one orjson refuses fails at once."""
        now = time.time()
        sends: list[_Send] = []
        for req, fut in batch:
            if fut.cancelled():
                continue
            req, ref = with_key(req), new_uuid7()
            try:
                payload = encode_request(Envelope(req, self.gateway, ref, now))
            except TypeError:  # orjson refuses it: a lone surrogate in the text
                fut.set_exception(InputError("message text must be valid Unicode"))
                continue
            sends.append(_Send(ref, fut, req.channel_id, payload))
        return sends

    async def _publish(self, sends: list[_Send]) -> None:
        """Append the sends in one round trip; each waits for its answer (or its expiry)."""
        for send in sends:
            self._waiting[send.ref] = send.future  # before publishing: a fast answer finds it
        items = [(send.channel_id, send.payload) for send in sends]
        try:
            ids = await asyncio.to_thread(self.streams.publish_many, items)
        except Exception as exc:  # Redis is down: nothing was accepted
            log.exception("publishing %d messages failed", len(sends))
            for send in sends:
                self._fail(send, exc)
            return
        for send, entry in zip(sends, ids, strict=True):
            if isinstance(entry, ChatWardenError):
                self._fail(send, entry)
            else:
                self.published += 1
                asyncio.get_running_loop().call_later(self.answer_timeout_s, self._expire, send.ref)

    def _fail(self, send: _Send, exc: Exception) -> None:
        """The send was not accepted: it waits no longer and its sender gets ``exc``."""
        self._waiting.pop(send.ref, None)
        if not send.future.done():
            send.future.set_exception(exc)

    def _on_answers(self, items: list[Any]) -> None:
        """On the listener thread: hand the answers to the loop."""
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed
                loop.call_soon_threadsafe(self._resolve, items)

    def _resolve(self, items: list[Any]) -> None:
        now = time.time()
        for item in items:
            try:
                ref, sent_at, _, result = decode_answer(item)
            except (ValueError, KeyError, TypeError):
                log.warning("ignored a malformed answer")
                continue
            fut = self._waiting.pop(ref, None)
            if fut is None or fut.done():
                continue  # answered twice (a redelivery) or expired
            self.latencies.append(now - sent_at)
            if isinstance(result, ChatWardenError):
                fut.set_exception(result)
            else:
                fut.set_result(result)

    def _expire(self, ref: str) -> None:
        fut = self._waiting.pop(ref, None)
        if fut is not None and not fut.done():
            fut.set_exception(
                DecisionPending(
                    "your message was accepted and is still being checked; send it again "
                    "with the same idempotency key to see the result",
                    retry_after_s=1.0,
                )
            )

    async def close(self) -> None:
        await self._stop()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for fut in self._waiting.values():
            fut.cancel()
        self._waiting.clear()
