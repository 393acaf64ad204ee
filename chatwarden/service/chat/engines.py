"""Each channel's AutoMod engine: built, cached and run so that no channel can hurt another.

* An engine is built per channel, within the regex budget (``automod_settings.regex_budget``),
  and cached by the channel's settings revision in a bounded LRU. A build that fails is cached
  too (until the terms change), so a broken channel costs one build, not one per message.
* A channel whose engine cannot be built, or whose engine fails on a message, still gets one
  decision per message: held for review, with the reason in ``Decision.meta`` (never a term's
  text: some are private). Other channels' messages never see the error.
* Engines run in chunks and their CPU time is measured; one that averages more than
  ``automod_slow_ms_per_message`` over its first 16 messages (tried one at a time) or any
  later window of 256 is switched off like a failed build, so a channel's own terms bound
  what its messages cost everyone else. A channel that was switched off before is judged on
  its next engine's first 4 messages, so changing the terms over and over buys little.
* An engine is built from the terms that have not expired at the time it is asked for (the
  injected clock's, passed in as ``now``) and is good until the earliest expiry among them:
  an expired term stops applying at once, with no purge needed first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy.engine import Connection

from chatwarden.categories import Category
from chatwarden.config import ServiceConfig
from chatwarden.decision import Action, Decision
from chatwarden.errors import InputError
from chatwarden.model import Model
from chatwarden.pipeline import AutoMod
from chatwarden.pipeline.terms import TermBudgetError
from chatwarden.service.moderation.automod_settings import (
    TermFacts,
    regex_budget,
    term_rows_txn,
    to_spec,
)
from chatwarden.service.types import emote_set_of
from chatwarden.settings import AutoModSettings, Role
from chatwarden.store import learning as learning_store
from chatwarden.store.channels import ChannelRow

log = logging.getLogger(__name__)

CHUNK = 32
"""Messages checked between two looks at an engine's cost (one at a time while on trial)."""

WINDOW = 256
"""An engine's cost is averaged over windows of this many messages."""

MIN_MESSAGES = 16
"""Messages an engine is judged on before it can be switched off for being slow."""

REPEAT_MIN_MESSAGES = 4
"""The same, for a channel whose engine was switched off before (its new terms on probation)."""

UNAVAILABLE_VERSION = "unavailable"

EngineKey = tuple[int, tuple[str, ...]]


def load_automod_settings(channel: ChannelRow, term_rows: Sequence[TermFacts]) -> AutoModSettings:
    settings = AutoModSettings.from_mapping(
        {**channel.automod_settings, "terms": [to_spec(t) for t in term_rows]},
        source=f"channel {channel.name}",
    )
    emotes = emote_set_of(channel)
    return settings.model_copy(update={"emotes": frozenset(emotes)}) if emotes else settings


def channel_settings_txn(
    conn: Connection, channel: ChannelRow, term_rows: Sequence[TermFacts]
) -> AutoModSettings:
    """The settings a channel's engines run: the owner's, its terms and emotes, and what the
    channel learned from its moderators (the active learned version, ``store/learning.py``: its
    shifts and its head)."""
    settings = load_automod_settings(channel, term_rows)
    state = learning_store.active_state_txn(conn, channel.id)
    learned = {} if state is None else state.as_levels()
    head = None if state is None else state.head
    if not learned and head is None:
        return settings
    return settings.model_copy(
        update={"learned": cast(dict[Category, float], learned), "learned_head": head}
    )


def with_channel_state(settings: AutoModSettings, live: AutoModSettings) -> AutoModSettings:
    """``settings`` (a proposal or a shadow candidate made from the live settings' dump) with
    what the channel has that is not a setting: its emotes and what it learned from its
    moderators (neither is in the dump)."""
    return settings.model_copy(
        update={
            "emotes": live.emotes,
            "learned": live.learned,
            "learned_head": live.learned_head,
        }
    )


def describe_build_error(exc: Exception) -> str:
    """Why an engine could not be built, safe for anyone who reads the mod log."""
    if isinstance(exc, TermBudgetError):  # counts and limits only, never a term
        return f"AutoMod cannot run this channel's terms: {exc.message}"
    return (
        f"AutoMod cannot run this channel's terms ({type(exc).__name__}); "
        "the owner should review the regex terms"
    )


@dataclass(slots=True)
class Engine:
    """One channel's engine (or why there is none) and what it has cost lately."""

    channel_id: int
    key: EngineKey
    automod: AutoMod | None
    error: str | None = None
    messages: int = 0
    cpu_s: float = 0.0
    min_messages: int = MIN_MESSAGES
    valid_until: datetime | None = None
    """The earliest expiry among its terms: from then on it is rebuilt (None: never)."""

    def is_current(self, key: EngineKey, now: datetime) -> bool:
        return self.key == key and (self.valid_until is None or now < self.valid_until)

    def require(self) -> AutoMod:
        """The engine, or ``InputError`` saying why there is none (for the pre-check)."""
        if self.automod is None:
            raise InputError(self.error or "AutoMod is unavailable in this channel")
        return self.automod


class EngineCache:
    """Per-channel AutoMod engines, least recently used dropped beyond ``size``."""

    def __init__(self, model: Model, config: ServiceConfig) -> None:
        self.model = model
        self.config = config
        self.size = config.automod_engine_cache_size
        self.slow_s = config.automod_slow_ms_per_message / 1000
        self._engines: OrderedDict[int, Engine] = OrderedDict()
        self._slow: OrderedDict[int, None] = OrderedDict()  # channels switched off before
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._engines)

    def get(self, conn: Connection, channel: ChannelRow, now: datetime) -> Engine:
        """The channel's engine for its current settings and the terms not expired by ``now``;
        built (or its failure cached) once until they change."""
        # chat-mode changes (the emote set) do not bump the settings revision
        key: EngineKey = (channel.settings_rev, emote_set_of(channel))
        cid = channel.id
        with self._lock:
            engine = self._engines.get(cid)
            if engine is not None and engine.is_current(key, now):
                self._engines.move_to_end(cid)
                return engine
        rows = term_rows_txn(conn, cid, now)
        expiries = [r.expires_at for r in rows if r.expires_at is not None]
        try:
            settings = channel_settings_txn(conn, channel, rows)
            automod = AutoMod(settings, model=self.model, regex_budget=regex_budget(self.config))
            engine = Engine(cid, key, automod)
        except Exception as exc:  # isolate: this channel only, cached until its terms change
            log.warning("channel %s: AutoMod engine not built: %r", cid, exc)
            engine = Engine(cid, key, None, describe_build_error(exc))
        engine.valid_until = min(expiries, default=None)
        with self._lock:
            if cid in self._slow:
                engine.min_messages = REPEAT_MIN_MESSAGES
            self._engines[cid] = engine
            self._engines.move_to_end(cid)
            while len(self._engines) > self.size:
                self._engines.popitem(last=False)
        return engine

    def check(
        self, engine: Engine, texts: Sequence[str], roles: Sequence[Role | str | None]
    ) -> list[Decision]:
        """One decision per text, whatever happens: an engine that is missing, fails or is
        switched off for being too slow holds the message for review instead."""
        decisions: list[Decision] = []
        start = 0
        while start < len(texts):
            # a new engine is tried one message at a time: a slow one is caught in a few
            end = start + (1 if engine.messages < engine.min_messages else CHUNK)
            chunk, chunk_roles = texts[start:end], roles[start:end]
            start = end
            automod = engine.automod
            if automod is None:
                decisions.extend(self.unavailable(t, engine.error or "") for t in chunk)
                continue
            began = time.thread_time()
            try:
                decisions.extend(automod.check_batch(chunk, roles=chunk_roles))
            except Exception:  # one message's failure is that message's only
                decisions.extend(self._one_by_one(automod, chunk, chunk_roles))
            if self._account(engine, len(chunk), time.thread_time() - began):
                with self._lock:
                    self._slow[engine.channel_id] = None
                    self._slow.move_to_end(engine.channel_id)
                    while len(self._slow) > self.size:
                        self._slow.popitem(last=False)
        return decisions

    def unavailable(self, text: str, reason: str) -> Decision:
        """Held for review because AutoMod could not check the message; ``reason`` says why."""
        return Decision(
            action=Action.HOLD,
            text=text,
            normalised=text,
            harm=0.0,
            categories={},
            reasons=(),
            model_version=self.model.version,
            settings_version=UNAVAILABLE_VERSION,
            meta={"automod_error": reason},
        )

    def _one_by_one(
        self, automod: AutoMod, texts: Sequence[str], roles: Sequence[Role | str | None]
    ) -> list[Decision]:
        out = []
        for text, role in zip(texts, roles, strict=True):
            try:
                out.append(automod.check(text, role=role))
            except Exception as exc:
                log.warning("AutoMod failed on a message: %r", exc)
                reason = f"AutoMod failed on this message ({type(exc).__name__})"
                out.append(self.unavailable(text, reason))
        return out

    def _account(self, engine: Engine, messages: int, cpu_s: float) -> bool:
        """Count what the engine cost; True when that switched it off."""
        if engine.messages >= WINDOW:
            engine.messages, engine.cpu_s = 0, 0.0
        engine.messages += messages
        engine.cpu_s += cpu_s
        # the average over at least min_messages, the untried ones counted as free: a slow
        # engine is switched off once it has spent min_messages x the budget, whatever the count
        per_message = engine.cpu_s / max(engine.messages, engine.min_messages)
        if per_message > self.slow_s:
            log.warning("AutoMod engine too slow (%.1f ms per message): off", per_message * 1e3)
            engine.automod = None
            engine.error = (
                f"AutoMod is off in this channel until its terms change: it took "
                f"{engine.cpu_s / engine.messages * 1e3:.1f} ms per message (at most "
                f"{self.config.automod_slow_ms_per_message:g} ms); simplify the regex terms"
            )
            return True
        return False
