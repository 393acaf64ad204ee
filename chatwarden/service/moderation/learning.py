"""A channel's AutoMod learns from its moderators, in bounds, in the open (issue 14).

``learn_due`` (the tick) finds channels with labels their last run has not seen, reads each
one's outcomes (``store/learning.py``: its scored messages of the last ``WINDOW``, labelled by
the moderators or let stand), runs the pure learners (``chatwarden.learning.learn_shifts``, then
``chatwarden.learning.head.learn_head`` at the shifted lines) and, when what it learned changed
(a shift, whether the head applies, or one of its weights by ``HEAD_STEP`` or more), writes a new
version, makes it active and bumps the channel's settings revision so every engine (live chat,
the policy preview, shadow mode) rebuilds with ``AutoModSettings.learned`` and
``learned_head``. Each change is in the mod log (``automod.learning.update``, by
nobody: learning is automatic).

The owner and lead moderators see what was learned and why (``state``), and can freeze it
(nothing new is learned; the active version stays), reset it (no shift; learning starts again
from what moderators do after the reset) or roll back to an earlier version (which becomes the
newest; learning resumes with the next new label unless frozen). Each of these is in the mod
log with who did it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from chatwarden.categories import CATEGORIES, Category
from chatwarden.errors import NotFound
from chatwarden.learning import LevelShifts, Outcome, learn_shifts
from chatwarden.learning.head import Head, channel_lines, learn_head
from chatwarden.learning.suggest import Example, Suggestion, suggest_terms
from chatwarden.model import Model
from chatwarden.service.base import Deps, Outbox, ServiceBase
from chatwarden.service.moderation.labels import REACTION_WINDOW
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor
from chatwarden.settings import AutoModSettings
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store import learning as store
from chatwarden.store.learning import ControlRow, LearnedStateRow

#: how far back a run reads a channel's messages
WINDOW = timedelta(days=30)
#: the most messages a run reads (the newest)
MAX_OUTCOMES = 50_000
#: channels one run learns for at most
CHANNELS_PER_TICK = 5
#: the most messages moderators acted on, and let stand, that suggestions read
SUGGEST_FROM = 2_000
#: the tick looks for channels with new labels at most this often
EVERY = timedelta(seconds=60)
#: a learned head is a new version when one of its weights moved this far (or it starts or
#: stops applying); smaller moves wait, so a busy channel is not a new version every minute
HEAD_STEP = 0.1


@dataclass(frozen=True, slots=True)
class LearningState:
    """What a channel learned, as its owner and lead moderators see it."""

    frozen: bool
    active: LearnedStateRow | None
    history: list[LearnedStateRow]
    learned_at: str | None

    def to_dict(self) -> dict[str, Any]:
        def state(s: LearnedStateRow) -> dict[str, Any]:
            d = asdict(s)
            d["created_at"] = s.created_at.isoformat()
            # what a moderator reads, not the weights
            d["head"] = None if s.head is None else {"summary": describe_head(s.head)}
            return d

        return {
            "frozen": self.frozen,
            "active": None if self.active is None else state(self.active),
            "history": [state(s) for s in self.history],
            "learned_at": self.learned_at,
        }


def _categories(decision: Mapping[str, Any]) -> dict[Category, float]:
    cats = decision.get("categories") or {}
    return {c: float(cats.get(c) or 0.0) for c in CATEGORIES}


def _head_key(head: Mapping[str, Any] | None) -> tuple[float, ...] | None:
    """What decides whether a new head is a new version: its weights, to ``HEAD_STEP``."""
    if head is None:
        return None
    return tuple(round(float(w) / HEAD_STEP) for w in head["weights"].values())


def shifts_json(learned: LevelShifts) -> list[dict[str, Any]]:
    return [
        {
            "category": s.category,
            "level": s.level,
            "shift": s.shift,
            "evidence": s.evidence,
            "violations": s.violations,
            "explanation": s.explanation,
        }
        for s in learned.shifts
    ]


def describe_head(head: Mapping[str, Any]) -> str:
    """One line on a stored head for the mod log and Mod View (a broken one says so)."""
    try:
        return Head.from_json(head).describe()
    except ValueError as exc:
        return f"not applied: {exc}"


class LearningService(ServiceBase):
    def __init__(self, deps: Deps, model: Model) -> None:
        super().__init__(deps)
        self.model = model
        self._next_run = self.clock.now()

    # ---- automatic ---------------------------------------------------------------------

    def learn_due(self, *, force: bool = False) -> int:
        """Learn for the channels with new labels (a few per run, a run every ``EVERY``
        unless ``force``); how many channels' learned state changed."""
        now = self.clock.now()
        if not force and now < self._next_run:
            return 0
        self._next_run = now + EVERY
        with self.db.read() as conn:
            due = store.channels_with_new_labels_txn(conn, CHANNELS_PER_TICK)
        return sum(1 for cid in due if self.learn_channel(cid) is not None)

    def learn_channel(self, channel_id: int) -> LearnedStateRow | None:
        """One run for one channel; the new active version, or None when nothing changed
        (or learning is frozen)."""
        with self.transaction() as out:
            conn, now = out.conn, out.now
            control = store.get_control_txn(conn, channel_id)
            if control is not None and control.frozen:
                return None
            channel = self.channel_txn(conn, channel_id)
            newest = store.newest_label_id_txn(conn, channel_id)
            reset_at = store.last_reset_at_txn(conn, channel_id)
            since = max(now - WINDOW, reset_at) if reset_at is not None else now - WINDOW
            rows = store.outcome_rows_txn(
                conn,
                channel_id,
                since=since,
                silent_before=now - REACTION_WINDOW,
                limit=MAX_OUTCOMES,
            )
            levels = AutoModSettings.from_mapping(
                dict(channel.automod_settings), source=f"channel {channel.name}"
            ).category_levels()
            outcomes = [
                Outcome(_categories(r.decision), float(r.decision.get("harm") or 0.0), r.label)
                for r in rows
            ]
            learned = learn_shifts(outcomes, levels, self.model.thresholds)
            lines = channel_lines(levels, self.model.thresholds, learned.as_levels())
            found = learn_head(outcomes, lines)
            head = found.to_json() if found.active else None
            active = store.active_state_txn(conn, channel_id)
            store.set_control_txn(conn, channel_id, seen_label_id=newest, learned_at=now)
            current = {} if active is None else active.as_levels()
            old_head = None if active is None else active.head
            if learned.as_levels() == current and _head_key(head) == _head_key(old_head):
                return None
            state = store.insert_state_txn(
                conn,
                channel_id,
                shifts=shifts_json(learned),
                head=head,
                outcomes=len(outcomes),
                labelled=sum(1 for r in rows if r.labelled),
                reason="learned",
                actor_id=None,
                now=now,
            )
            self._changed(out, channel_id, None, "automod.learning.update", state)
        return state

    # ---- suggested terms ---------------------------------------------------------------

    def suggestions(self, actor: Actor, channel_id: int) -> list[Suggestion]:
        """Phrases and link domains moderators acted on again and again (``learning/
        suggest.py``), for a moderator to add as blocked terms; for whoever manages terms."""
        now = self.clock.now()
        since = now - WINDOW
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.MANAGE_TERMS)
            acted = store.acted_texts_txn(conn, channel_id, since=since, limit=SUGGEST_FROM)
            stood = store.stood_texts_txn(
                conn,
                channel_id,
                since=since,
                silent_before=now - REACTION_WINDOW,
                limit=SUGGEST_FROM,
            )
            terms = [t.text for t in channel_store.list_terms_txn(conn, channel_id)]
        examples = [Example(text, sender, True) for text, sender in acted]
        examples += [Example(text, sender, False) for text, sender in stood]
        return suggest_terms(examples, existing=terms)

    # ---- the owner's and lead moderators' controls ---------------------------------------

    def state(self, actor: Actor, channel_id: int) -> LearningState:
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.UPDATE_AUTOMOD_SETTINGS)
            control = store.get_control_txn(conn, channel_id)
            active = store.active_state_txn(conn, channel_id)
            history = store.list_states_txn(conn, channel_id)
        return _view(control, active, history)

    def freeze(self, actor: Actor, channel_id: int, frozen: bool) -> LearningState:
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            self.require_txn(out.conn, actor, channel, Permission.UPDATE_AUTOMOD_SETTINGS)
            store.set_control_txn(out.conn, channel_id, frozen=frozen)
            audit.append_txn(
                out.conn,
                channel_id=channel_id,
                actor_id=actor.user_id,
                action="automod.learning." + ("freeze" if frozen else "unfreeze"),
                created_at=out.now,
            )
        return self.state(actor, channel_id)

    def reset(self, actor: Actor, channel_id: int) -> LearningState:
        """No shift and no head from now on; learning starts again from what moderators do
        next."""
        return self._new_version(actor, channel_id, [], "reset", "automod.learning.reset")

    def rollback(self, actor: Actor, channel_id: int, version: int) -> LearningState:
        """Apply an earlier version again (as the newest version)."""
        return self._new_version(
            actor, channel_id, None, "rollback", "automod.learning.rollback", version
        )

    def _new_version(
        self,
        actor: Actor,
        channel_id: int,
        shifts: list[dict[str, Any]] | None,
        reason: str,
        action: str,
        from_version: int | None = None,
    ) -> LearningState:
        """A version set by hand: ``shifts`` (and no head), or those of ``from_version`` (and
        its head)."""
        with self.transaction() as out:
            conn = out.conn
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.UPDATE_AUTOMOD_SETTINGS)
            head = None
            if shifts is None:
                assert from_version is not None
                old = store.get_state_txn(conn, channel_id, from_version)
                if old is None:
                    raise NotFound(f"no learned version {from_version} in this channel")
                shifts, head = old.shifts, old.head
            state = store.insert_state_txn(
                conn,
                channel_id,
                shifts=shifts,
                head=head,
                outcomes=0,
                labelled=0,
                reason=reason,
                actor_id=actor.user_id,
                now=out.now,
            )
            newest = store.newest_label_id_txn(conn, channel_id)
            store.set_control_txn(conn, channel_id, seen_label_id=newest)
            self._changed(out, channel_id, actor.user_id, action, state, from_version)
        return self.state(actor, channel_id)

    def _changed(
        self,
        out: Outbox,
        channel_id: int,
        actor_id: int | None,
        action: str,
        state: LearnedStateRow,
        from_version: int | None = None,
    ) -> None:
        """The engines rebuild with the new state; the mod log says what changed and why."""
        channel_store.bump_settings_rev_txn(out.conn, channel_id)
        details: dict[str, Any] = {
            "version": state.version,
            "shifts": {s["category"]: s["shift"] for s in state.shifts},
            "why": [s["explanation"] for s in state.shifts],
            "head": None if state.head is None else describe_head(state.head),
        }
        if from_version is not None:
            details["from_version"] = from_version
        audit.append_txn(
            out.conn,
            channel_id=channel_id,
            actor_id=actor_id,
            action=action,
            created_at=out.now,
            details=details,
        )


def _view(
    control: ControlRow | None, active: LearnedStateRow | None, history: list[LearnedStateRow]
) -> LearningState:
    learned_at = None if control is None or control.learned_at is None else control.learned_at
    return LearningState(
        frozen=bool(control and control.frozen),
        active=active,
        history=history,
        learned_at=None if learned_at is None else learned_at.isoformat(),
    )
