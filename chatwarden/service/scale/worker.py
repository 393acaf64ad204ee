"""The worker loop: decide and store the messages of the shards this worker holds.

One pass (``Worker.run_once``): refresh the shard leases; take over entries left pending too
long by a dead or failing worker (and, once per shard, at once, those pending under this
worker's own name: a process that had the name before this one); read new entries; run them
through ``ChatService.send_messages`` (the same decision path as one process: chat rules,
AutoMod, detection, one transaction, events after the commit); answer the gateways; and only
then acknowledge the entries.

Why no message is decided twice: every entry carries an idempotency key, and the messages
table is unique on (channel, sender, key). A worker killed after the commit but before the
acknowledgement leaves the entry pending; its next owner sends it again and
``send_messages`` finds the stored row and answers with a replay, writing nothing. Why none is
lost: an entry leaves its stream only by XACK+XDEL after the commit, or to the dead-letter
stream.

Poison messages: entries delivered before are decided in small batches (``RETRY_BATCH`` at
their second delivery), then alone (from the third), each small batch acknowledged before the
next, so a worker killed again loses little and the one entry that kills it or fails is
isolated. Only attempts alone count towards ``max_deliveries`` (counted in Redis before the
attempt, so one that ends the process counts): a worker that crash-loops adds deliveries to
every entry it held, but attempts alone only to the entry it was deciding, so innocent
entries are decided on their retry and only a real poison message is dead-lettered.
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

#: entries at their second delivery are decided in batches of at most this many; from the
#: third, one at a time
RETRY_BATCH = 16


@dataclass
class WorkerStats:
    decided: int = 0  # entries answered and acknowledged (replays included)
    replayed: int = 0  # of which redeliveries of an already stored message
    failed: int = 0  # failed attempts (the entry stays pending, is retried, then dead-lettered)
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
        self._reclaim_from = 0  # the shard the next takeover pass starts at (fairness)
        self._resumed: set[int] = set()  # shards whose entries pending under our name we took

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
            entries = self._take_over(shards)
        block = None if entries else self.block_ms  # (0 would wait forever)
        per_shard = -(-self.batch // len(shards))  # Redis's COUNT is per stream
        entries += self.streams.read(shards, self.name, per_shard, block)
        return self.process(entries)

    def _take_over(self, shards: list[int]) -> list[Entry]:
        """At most ``batch`` entries in all (not per shard): first those pending under our own
        name on a shard we have not resumed yet, then those idle past ``claim_idle_ms``,
        starting at a different shard each pass so that none waits behind the others."""
        budget = self.batch
        entries: list[Entry] = []
        for shard in shards:
            if shard in self._resumed or budget <= 0:
                continue
            resumed = self.streams.resume(shard, self.name, budget)
            if len(resumed) < budget:
                self._resumed.add(shard)  # all of them (else the rest next pass)
            entries += resumed
            budget -= len(resumed)
        start = self._reclaim_from % len(shards)
        self._reclaim_from += 1
        for shard in shards[start:] + shards[:start]:
            if budget <= 0:
                break
            claimed = self.streams.reclaim(shard, self.name, budget)
            entries += claimed
            budget -= len(claimed)
        self.stats.reclaimed += len(entries)
        return entries

    def process(self, entries: list[Entry]) -> int:
        """Decide, store, answer, then acknowledge; an entry that fails stays pending. Entries
        delivered before go first, in small batches (second delivery) or alone (later), each
        acknowledged before the next; the new ones then as one batch."""
        if not entries:
            return 0
        second = [e for e in entries if e.deliveries == 2]
        done = 0
        for i in range(0, len(second), RETRY_BATCH):
            done += self._finish(second[i : i + RETRY_BATCH])
        for entry in entries:
            if entry.deliveries > 2:
                done += self._finish([entry])
        return done + self._finish([e for e in entries if e.deliveries < 2])

    def _finish(self, entries: list[Entry]) -> int:
        if not entries:
            return 0
        todo: list[tuple[Entry, Envelope]] = []
        for entry in entries:
            try:
                todo.append((entry, decode_request(entry.data)))
            except (ValueError, KeyError, TypeError):
                log.warning("entry %s of shard %d is not a chat message", entry.id, entry.shard)
                self._failed(entry, self.streams.count_attempt(entry))
        done = self._decide(todo)
        if not done:
            return 0
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
        """The batch in one ``send_messages``; if it fails, each entry alone, so only the entry
        that fails stays pending. An entry delivered before is decided alone at once."""
        if not todo:
            return []
        if len(todo) == 1 and todo[0][0].deliveries > 1:
            return self._decide_alone(todo[0])
        try:
            results = self.chat.send_messages([env.request for _, env in todo])
            return list(zip(todo, results, strict=True))
        except Exception:
            if len(todo) == 1:  # a new entry alone: that was its attempt
                log.exception("deciding entry %s failed", todo[0][0].id)
                self._failed(todo[0][0], self.streams.count_attempt(todo[0][0]))
                return []
            log.warning("a batch of %d failed; deciding its entries one by one", len(todo))
        out = []
        for item in todo:
            out += self._decide_alone(item)
        return out

    def _decide_alone(
        self, item: tuple[Entry, Envelope]
    ) -> list[tuple[tuple[Entry, Envelope], SendResult | ChatWardenError]]:
        entry, env = item
        attempts = self.streams.count_attempt(entry)  # before: an attempt that kills us counts
        if attempts > self.streams.max_deliveries:  # the last one ended its process
            self._dead_letter(entry, attempts - 1)
            return []
        try:
            return [(item, self.chat.send_messages([env.request])[0])]
        except Exception:
            log.exception("deciding entry %s alone failed", entry.id)
            self._failed(entry, attempts)
            return []

    def _failed(self, entry: Entry, attempts: int) -> None:
        """An attempt to decide ``entry`` alone failed: it stays pending (taken over again
        after ``claim_idle_ms``), or goes to the dead letters after ``max_deliveries``."""
        self.stats.failed += 1
        if attempts >= self.streams.max_deliveries:
            self._dead_letter(entry, attempts)
        else:
            log.warning(
                "entry %s of shard %d failed alone (attempt %d of %d); it stays pending",
                entry.id,
                entry.shard,
                attempts,
                self.streams.max_deliveries,
            )

    def _dead_letter(self, entry: Entry, attempts: int) -> None:
        self.streams.dead_letter(entry, attempts)
        self.stats.dead_lettered += 1
