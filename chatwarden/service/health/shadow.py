"""Shadow mode: a candidate AutoMod configuration (settings and/or model) runs beside the live
one on live traffic, without effects.

The live chat path pays nothing: ``evaluate()`` runs in ``Services.tick()`` over messages
already stored (each with its live decision) since the channel's cursor, asks the candidate,
and stores one result per message. The results and the cursor's move (compare-and-set) commit
together, so several processes may run it at once. Moderators' verdicts are read later, from
the messages' statuses (see ``chatwarden.analytics.shadow.moderator_verdict``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from chatwarden.analytics import ShadowFact, moderator_verdict, summarise
from chatwarden.analytics.series import RESOLUTIONS, STEP, Resolution, bucket_starts, floor_to
from chatwarden.config import AnalyticsSettings
from chatwarden.errors import ChatWardenError, InputError
from chatwarden.model import Model, load_model
from chatwarden.pipeline import AutoMod
from chatwarden.service.base import Deps, Membership, ServiceBase, effective_role
from chatwarden.service.chat.engines import channel_settings_txn, with_channel_state
from chatwarden.service.chat.redact import redact, sees_private_terms
from chatwarden.service.health.opsmetrics import OpsMetrics
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, emote_set_of
from chatwarden.settings import AutoModSettings
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store import shadow as store
from chatwarden.store.channels import ChannelRow
from chatwarden.store.engine import is_unique_violation
from chatwarden.store.shadow import ShadowConfigRow, ShadowResultRow

log = logging.getLogger("chatwarden.shadow")

#: the settings a candidate may change; absent keys keep the live value (``terms`` replaces
#: the channel's terms when given)
CANDIDATE_KEYS = frozenset({"overall_level", "levels", "vip_exempt", "terms"})
MAX_SAMPLES = 20
#: the live decision's action, from the message's status when it was decided
LIVE_ACTION = {"held": "hold", "blocked": "block", "delivered": "allow", "delayed": "allow"}


class ShadowService(ServiceBase):
    def __init__(
        self,
        deps: Deps,
        models: Mapping[str, Model],
        metrics: OpsMetrics,
        settings: AnalyticsSettings | None = None,
        *,
        batch: int = 2000,
    ) -> None:
        super().__init__(deps)
        settings = settings if settings is not None else deps.config.analytics
        self.models = dict(models)  # loaded; more by name from settings.shadow_models
        self.model_paths = {k: Path(v) for k, v in settings.shadow_models.items()}
        self.metrics = metrics
        self.grace_s = settings.grace_s
        self.interval_s = settings.shadow_interval_s
        self.batch = batch
        self._last_run: datetime | None = None
        self._engines: dict[int, tuple[tuple[int, int, tuple[str, ...]], AutoMod]] = {}

    # -- configuration (lead moderator / owner) ----------------------------------------------

    @property
    def model_names(self) -> list[str]:
        """The candidate models this server offers."""
        return sorted(set(self.models) | set(self.model_paths))

    def _model(self, name: str) -> Model:
        if name not in self.models:
            self.models[name] = load_model(self.model_paths[name])  # ModelError if broken
        return self.models[name]

    def get_config(self, actor: Actor, channel_id: int) -> dict[str, Any] | None:
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.VIEW_HEALTH)
            row = store.get_config_txn(conn, channel_id)
        return None if row is None else redact(_config_dict(row), sees_private_terms(actor, role))

    def configure(
        self,
        actor: Actor,
        channel_id: int,
        *,
        candidate_settings: Mapping[str, Any] | None = None,
        candidate_model: str | None = None,
        enabled: bool = True,
    ) -> dict[str, Any]:
        """Set the channel's candidate (settings patch and/or a model name from the server's
        registry) and start evaluating messages stored from now on."""
        if candidate_settings is None and candidate_model is None:
            raise InputError("give candidate_settings, candidate_model or both")
        patch = dict(candidate_settings) if candidate_settings is not None else None
        if patch is not None:
            unknown = sorted(set(patch) - CANDIDATE_KEYS)
            if unknown:
                raise InputError(
                    f"candidate_settings: unknown key(s) {', '.join(unknown)};"
                    f" allowed: {', '.join(sorted(CANDIDATE_KEYS))}"
                )
        if candidate_model is not None and candidate_model not in self.model_names:
            raise InputError(
                f"unknown candidate_model {candidate_model!r};"
                f" this server has: {', '.join(self.model_names)}"
            )
        with self.transaction() as out:
            conn, now = out.conn, out.now
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.MANAGE_SHADOW)
            terms = channel_store.list_terms_txn(conn, channel_id)
            live = channel_settings_txn(conn, channel, terms)
            if patch is not None:
                candidate = _candidate(live, patch)  # validates: InputError names the key
                patch = {k: v for k, v in candidate.model_dump(mode="json").items() if k in patch}
            store.upsert_config_txn(
                conn,
                channel_id,
                enabled=bool(enabled),
                candidate_settings=patch,
                candidate_model=candidate_model,
                cursor_at=now,
                cursor_message_id=store.max_message_id_txn(conn, channel_id),
                updated_by=actor.user_id,
                updated_at=now,
            )
            row = store.get_config_txn(conn, channel_id)
            assert row is not None
            audit.append_txn(
                conn,
                channel_id=channel_id,
                actor_id=actor.user_id,
                action="shadow.update" if enabled else "shadow.disable",
                created_at=now,
                details=_config_dict(row),
            )
        return redact(_config_dict(row), sees_private_terms(actor, role))

    def disable(self, actor: Actor, channel_id: int) -> dict[str, Any] | None:
        with self.transaction() as out:
            conn, now = out.conn, out.now
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.MANAGE_SHADOW)
            if store.get_config_txn(conn, channel_id) is None:
                return None
            store.update_config_txn(
                conn, channel_id, enabled=False, updated_by=actor.user_id, updated_at=now
            )
            row = store.get_config_txn(conn, channel_id)
            assert row is not None
            audit.append_txn(
                conn,
                channel_id=channel_id,
                actor_id=actor.user_id,
                action="shadow.disable",
                created_at=now,
                details=_config_dict(row),
            )
        return redact(_config_dict(row), sees_private_terms(actor, role))

    # -- evaluation (Services.tick) ------------------------------------------------------------

    def evaluate(self, *, force: bool = False) -> int:
        """Run every enabled candidate over its channel's new messages (up to ``batch`` per
        channel per call); returns how many messages were evaluated. Runs at most once per
        ``interval_s`` unless ``force``d: the engine is much cheaper per message in larger
        batches."""
        now = self.clock.now()
        if not force and self._last_run is not None:
            if (now - self._last_run).total_seconds() < self.interval_s:
                return 0
        self._last_run = now
        until = now - timedelta(seconds=self.grace_s)
        with self.db.read() as conn:
            configs = store.enabled_configs_txn(conn)
        done = 0
        for config in configs:
            try:
                done += self._evaluate_channel(config, until)
            except ChatWardenError as exc:  # e.g. a candidate model that does not load
                log.warning("shadow candidate of channel %s skipped: %s", config.channel_id, exc)
        if done:
            self.metrics.shadow_evaluated.inc(done)
        return done

    def _evaluate_channel(self, config: ShadowConfigRow, until: datetime) -> int:
        cid, rev = config.channel_id, config.rev
        cursor = (config.cursor_at, config.cursor_message_id)
        with self.db.read() as conn:
            rows = store.new_messages_txn(conn, cid, cursor, until, self.batch)
            if not rows:
                return 0
            channel = self.channel_txn(conn, cid)
            engine = self._engine(conn, channel, config)
        roles = [
            effective_role(
                channel,
                r.sender_id,
                Membership(r.role, bool(r.subscribed), r.followed_at) if r.role else None,
            )
            for r in rows
        ]
        decisions = engine.check_batch([r.text for r in rows], roles=roles)
        results = []
        for row, decision in zip(rows, decisions, strict=True):
            live = LIVE_ACTION.get(row.initial_status, "allow")
            cand = decision.action.value
            results.append(
                {
                    "channel_id": cid,
                    "message_id": row.id,
                    "rev": rev,
                    "created_at": row.created_at,
                    "live_action": live,
                    "candidate_action": cand,
                    "candidate_reasons": (
                        None if live == cand else decision.to_dict(reveal_private=False)["reasons"]
                    ),
                }
            )
        try:
            with self.db.write() as conn:
                last = (rows[-1].created_at, rows[-1].id)
                if not store.advance_cursor_txn(conn, cid, rev, cursor, last):
                    return 0
                store.insert_results_txn(conn, results)
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            return 0
        return len(results)

    def _engine(self, conn: Any, channel: ChannelRow, config: ShadowConfigRow) -> AutoMod:
        key = (config.rev, channel.settings_rev, emote_set_of(channel))
        cached = self._engines.get(channel.id)
        if cached is not None and cached[0] == key:
            return cached[1]
        live = channel_settings_txn(conn, channel, channel_store.list_terms_txn(conn, channel.id))
        patch = config.candidate_settings
        settings = _candidate(live, patch) if patch is not None else live
        name = config.candidate_model
        model = self._model(name if name is not None else "bundled")
        engine = AutoMod(settings, model=model)
        self._engines[channel.id] = (key, engine)
        return engine

    # -- results -------------------------------------------------------------------------------

    def results(
        self,
        actor: Actor,
        channel_id: int,
        start: datetime | None = None,
        end: datetime | None = None,
        resolution: str = "hour",
    ) -> dict[str, Any]:
        """How often the candidate disagreed with the live policy, and how each agreed with
        the moderators, over messages created in ``[start, end)`` (default: the last 24 h),
        with a per-bucket series and the newest disagreements as samples."""
        res, start, end = _window(resolution, start, end, self.clock.now())
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_HEALTH)
            config = store.get_config_txn(conn, channel_id)
            rows = (
                []
                if config is None
                else store.results_between_txn(conn, channel_id, config.rev, start, end)
            )
        facts: dict[datetime, list[ShadowFact]] = {s: [] for s in bucket_starts(start, end, res)}
        every: list[ShadowFact] = []
        samples: list[dict[str, Any]] = []
        for row in rows:
            fact = _fact(row)
            every.append(fact)
            facts.setdefault(floor_to(row.created_at, res), []).append(fact)
            if fact.live_action != fact.candidate_action:
                samples.append(_sample(row, fact))
        return {
            "channel": channel.name,
            "config": None if config is None else _config_dict(config),
            "resolution": res,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "summary": summarise(every).to_dict(),
            "buckets": [
                {"start": when.isoformat(), **summarise(items).to_dict()}
                for when, items in sorted(facts.items())
            ],
            "samples": samples[-MAX_SAMPLES:][::-1],
        }


def _window(
    resolution: str, start: datetime | None, end: datetime | None, now: datetime
) -> tuple[Resolution, datetime, datetime]:
    """The checked resolution and ``[start, end)`` of a results query (default: the last
    24 h up to ``now``)."""
    if resolution not in RESOLUTIONS:
        raise InputError(f"resolution must be one of {', '.join(RESOLUTIONS)}")
    res: Resolution = resolution
    end = end if end is not None else now
    start = start if start is not None else end - timedelta(days=1)
    if start >= end:
        raise InputError("start must be before end")
    if (end - start) / STEP[res] > 7 * 24 * 60:
        raise InputError("too many buckets; use a coarser resolution")
    return res, start, end


def _fact(row: ShadowResultRow) -> ShadowFact:
    """What the live policy, the candidate and the moderators did with one message."""
    return ShadowFact(
        row.live_action, row.candidate_action, moderator_verdict(row.initial_status, row.status)
    )


def _sample(row: ShadowResultRow, fact: ShadowFact) -> dict[str, Any]:
    """A message the candidate and the live policy disagreed on, as the results show it."""
    return {
        "message_id": row.public_id,
        "sender_name": row.sender_name,
        "text": row.text,
        "created_at": row.created_at.isoformat(),
        "live_action": fact.live_action,
        "candidate_action": fact.candidate_action,
        "verdict": fact.verdict,
        "candidate_reasons": row.candidate_reasons or [],
    }


def _candidate(live: AutoModSettings, patch: Mapping[str, Any]) -> AutoModSettings:
    data = live.model_dump(mode="json")
    if patch.get("overall_level") is not None:
        data["levels"] = {}  # a preset resets the levels, as in the live settings update
    data.update(patch)
    try:
        candidate = AutoModSettings.from_mapping(data, source="candidate_settings")
    except ChatWardenError as exc:
        raise InputError(str(exc)) from None
    return with_channel_state(candidate, live)


def _config_dict(row: ShadowConfigRow) -> dict[str, Any]:
    return {
        "enabled": row.enabled,
        "candidate_settings": row.candidate_settings,
        "candidate_model": row.candidate_model,
        "rev": row.rev,
        "updated_by": row.updated_by,
        "updated_at": row.updated_at.isoformat(),
    }
