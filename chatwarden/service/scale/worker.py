"""The worker loop: decide and store the messages of the shards this worker holds.

One pass (``Worker.run_once``): refresh the shard leases; take over entries left pending too
long by a dead or failing worker (dead-lettering those already tried ``max_deliveries`` times);
read new entries; run them through ``ChatService.send_messages`` (the same decision path as one
process: chat rules, AutoMod, detection, one transaction, events after the commit); answer the
gateways; and only then acknowledge the entries.

Why no message is decided twice: every entry carries an idempotency key, and the messages
table is unique on (channel, sender, key). A worker killed after the commit but before the
acknowledgement leaves the entry pending; its next owner sends it again and
``send_messages`` finds the stored row and answers with a replay, writing nothing. Why none is
lost: an entry leaves its stream only by XACK+XDEL after the commit, or to the dead-letter
stream.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chatwarden.bus.redis_streams import ChatStreams, Entry, ShardLeases
from chatwarden.errors import ChatWardenError
from chatwarden.service.chat.send import ChatService
from chatwarden.service.scale.codec import Envelope, decode_request, encode_answer
from chatwarden.service.types import SendResult

log = logging.getLogger(__name__)


@dataclass
class WorkerStats:
    decided: int = 0  # entries answered and acknowledged (replays included)
    replayed: int = 0  # of which redeliveries of an already stored message
    failed: int = 0  # entries left pending after a failure (retried, then dead-lettered)
    reclaimed: int = 0
    dead_lettered: int = 0
    errors: int = 0  # passes that failed (Redis or the database unreachable) and were retried
    shards: set[int] = field(default_factory=set)


class Worker:
    def __init__(
        self,
        chat: ChatService,
        streams: ChatStreams,
        leases: ShardLeases,
        *,
        batch: int = 256,
        block_ms: int = 200,
    ) -> None:
        self.chat = chat
        self.streams = streams
        self.leases = leases
        self.name = leases.owner
        self.batch = batch
        self.block_ms = block_ms
        self.stats = WorkerStats()
        #: told each batch's ``ack`` seconds (answers and XACK+XDEL; service/scale/metrics.py)
        self.stage_observer: Callable[[str, float], None] | None = None
        self._next_refresh = 0.0
        self._next_reclaim = 0.0

    def run(self, stop: threading.Event, retry_s: float = 1.0) -> None:
        """Pass after pass until ``stop`` is set, then give the shards back. A pass that fails
        (Redis or the database unreachable) is logged and tried again after ``retry_s``: the
        entries it held stay pending, nothing is lost, and the process keeps its place."""
        try:
            while not stop.is_set():
                try:
                    self.run_once()
                except Exception:
                    self.stats.errors += 1
                    log.exception("a worker pass failed; trying again in %.1f s", retry_s)
                    stop.wait(retry_s)
        finally:
            try:
                self.leases.release_all()
            except Exception:  # Redis gone: the leases expire by themselves
                log.warning(
                    "could not give the shards back; they expire in %d ms", self.leases.ttl_ms
                )

    def run_once(self) -> int:
        """One pass; the number of entries acknowledged."""
        now = time.monotonic()
        if now >= self._next_refresh:
            self.stats.shards = self.leases.refresh()
            self._next_refresh = now + self.leases.ttl_ms / 3000
        shards = sorted(self.stats.shards)
        if not shards:
            time.sleep(self.block_ms / 1000)
            return 0
        entries: list[Entry] = []
        if now >= self._next_reclaim:  # cheap, but not on every pass
            self._next_reclaim = now + min(1.0, self.streams.claim_idle_ms / 4000)
            for shard in shards:
                claimed, dead = self.streams.reclaim(shard, self.name, self.batch)
                entries += claimed
                self.stats.reclaimed += len(claimed)
                self.stats.dead_lettered += dead
        block = None if entries else self.block_ms  # (0 would wait forever)
        per_shard = -(-self.batch // len(shards))  # Redis's COUNT is per stream
        entries += self.streams.read(shards, self.name, per_shard, block)
        return self.process(entries)

    def process(self, entries: list[Entry]) -> int:
        """Decide, store, answer, then acknowledge; an entry that fails stays pending."""
        if not entries:
            return 0
        todo: list[tuple[Entry, Envelope]] = []
        for entry in entries:
            try:
                todo.append((entry, decode_request(entry.data)))
            except (ValueError, KeyError, TypeError):
                self.stats.failed += 1
                log.warning("entry %s of shard %d is not a chat message", entry.id, entry.shard)
        done = self._decide(todo)
        answers: dict[str, list[Any]] = {}
        decided_at = time.time()
        for (_, env), result in done:
            answer = encode_answer(env.ref, result, env.sent_at, decided_at)
            answers.setdefault(env.gateway, []).append(answer)
            if isinstance(result, SendResult) and result.replayed:
                self.stats.replayed += 1
        # the decisions are committed: answering first costs nothing if we die now (the
        # redelivery answers again, as a replay), acknowledging first could lose an answer
        started = time.perf_counter()
        self.streams.reply(answers)
        self.streams.ack(entry for (entry, _), _ in done)
        if self.stage_observer is not None:
            self.stage_observer("ack", time.perf_counter() - started)
        self.stats.decided += len(done)
        return len(done)

    def _decide(
        self, todo: list[tuple[Entry, Envelope]]
    ) -> list[tuple[tuple[Entry, Envelope], SendResult | ChatWardenError]]:
        """The whole batch in one ``send_messages``; if it fails, one by one, so only the
        entry that fails stays pending."""
        if not todo:
            return []
        try:
            results = self.chat.send_messages([env.request for _, env in todo])
            return list(zip(todo, results, strict=True))
        except Exception:
            if len(todo) == 1:
                self.stats.failed += 1
                log.exception("deciding entry %s failed; it stays pending", todo[0][0].id)
                return []
            log.warning("a batch of %d failed; deciding its entries one by one", len(todo))
        out = []
        for item in todo:
            out += self._decide([item])
        return out
