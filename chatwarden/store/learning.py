"""What each channel learned from its moderators: versioned states and the learning switches.

A state is never changed once written: learning, a reset and a rollback each add a version, and
``learning_controls.active_version`` says which one the engine applies. The outcomes a run
learns from are read here too: the channel's scored messages with the moderators' label (the
highest of its labels not reversed), or 0 for a delivered message nobody acted on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.schema import labels, learned_states, learning_controls, messages, users


@dataclass(frozen=True, slots=True)
class LearnedStateRow:
    id: int
    channel_id: int
    version: int
    shifts: list[dict[str, Any]]
    head: dict[str, Any] | None  # the learned head (``pipeline/learned.py``), or None
    outcomes: int
    labelled: int
    reason: str
    actor_id: int | None
    actor_name: str | None
    created_at: datetime

    def as_levels(self) -> dict[str, float]:
        """category -> shift, what ``AutoModSettings.learned`` takes."""
        return {str(s["category"]): float(s["shift"]) for s in self.shifts if s["shift"]}


@dataclass(frozen=True, slots=True)
class ControlRow:
    channel_id: int
    frozen: bool
    active_version: int | None
    seen_label_id: int
    learned_at: datetime | None


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """A scored message and what the moderators made of it (``label`` 0 or 1)."""

    decision: Mapping[str, Any]
    label: int
    labelled: bool  # by a moderator's decision or action (not silence)


_STATE = sa.select(learned_states, users.c.username.label("actor_name")).outerjoin(
    users, users.c.id == learned_states.c.actor_id
)


def _state(row: Mapping[Any, Any]) -> LearnedStateRow:
    return LearnedStateRow(
        id=row["id"],
        channel_id=row["channel_id"],
        version=row["version"],
        shifts=list(row["shifts"]),
        head=None if row["head"] is None else dict(row["head"]),
        outcomes=row["outcomes"],
        labelled=row["labelled"],
        reason=row["reason"],
        actor_id=row["actor_id"],
        actor_name=row["actor_name"],
        created_at=row["created_at"],
    )


def get_control_txn(conn: Connection, channel_id: int) -> ControlRow | None:
    row = (
        conn.execute(
            sa.select(learning_controls).where(learning_controls.c.channel_id == channel_id)
        )
        .mappings()
        .first()
    )
    return None if row is None else ControlRow(**dict(row))


def set_control_txn(conn: Connection, channel_id: int, **values: Any) -> None:
    """Update the channel's switches (created, not frozen, on first use)."""
    done = conn.execute(
        sa.update(learning_controls)
        .where(learning_controls.c.channel_id == channel_id)
        .values(**values)
    ).rowcount
    if not done:
        row = {"frozen": False, "active_version": None, "seen_label_id": 0, **values}
        conn.execute(sa.insert(learning_controls).values(channel_id=channel_id, **row))


def insert_state_txn(
    conn: Connection,
    channel_id: int,
    *,
    shifts: list[dict[str, Any]],
    outcomes: int,
    labelled: int,
    reason: str,
    actor_id: int | None,
    now: datetime,
    head: Mapping[str, Any] | None = None,
) -> LearnedStateRow:
    """A new version (one more than the newest) and make it the active one."""
    newest = conn.execute(
        sa.select(sa.func.max(learned_states.c.version)).where(
            learned_states.c.channel_id == channel_id
        )
    ).scalar_one()
    version = int(newest or 0) + 1
    conn.execute(
        sa.insert(learned_states).values(
            channel_id=channel_id,
            version=version,
            shifts=shifts,
            head=None if head is None else dict(head),
            outcomes=outcomes,
            labelled=labelled,
            reason=reason,
            actor_id=actor_id,
            created_at=now,
        )
    )
    set_control_txn(conn, channel_id, active_version=version)
    state = get_state_txn(conn, channel_id, version)
    assert state is not None
    return state


def get_state_txn(conn: Connection, channel_id: int, version: int) -> LearnedStateRow | None:
    row = (
        conn.execute(
            _STATE.where(
                learned_states.c.channel_id == channel_id, learned_states.c.version == version
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else _state(row)


def list_states_txn(conn: Connection, channel_id: int, limit: int = 20) -> list[LearnedStateRow]:
    """The newest versions first."""
    query = (
        _STATE.where(learned_states.c.channel_id == channel_id)
        .order_by(learned_states.c.version.desc())
        .limit(limit)
    )
    return [_state(r) for r in conn.execute(query).mappings()]


def active_state_txn(conn: Connection, channel_id: int) -> LearnedStateRow | None:
    control = get_control_txn(conn, channel_id)
    if control is None or control.active_version is None:
        return None
    return get_state_txn(conn, channel_id, control.active_version)


def last_reset_at_txn(conn: Connection, channel_id: int) -> datetime | None:
    """When the channel's learning was last reset (learning reads nothing older)."""
    found: datetime | None = conn.execute(
        sa.select(sa.func.max(learned_states.c.created_at)).where(
            learned_states.c.channel_id == channel_id, learned_states.c.reason == "reset"
        )
    ).scalar_one()
    return found


def newest_label_id_txn(conn: Connection, channel_id: int) -> int:
    found = conn.execute(
        sa.select(sa.func.max(labels.c.id)).where(labels.c.channel_id == channel_id)
    ).scalar_one()
    return int(found or 0)


def channels_with_new_labels_txn(conn: Connection, limit: int) -> list[int]:
    """Channels with labels newer than their last run saw, learning not frozen."""
    newest = (
        sa.select(labels.c.channel_id, sa.func.max(labels.c.id).label("newest"))
        .group_by(labels.c.channel_id)
        .subquery()
    )
    query = (
        sa.select(newest.c.channel_id)
        .outerjoin(learning_controls, learning_controls.c.channel_id == newest.c.channel_id)
        .where(
            newest.c.newest > sa.func.coalesce(learning_controls.c.seen_label_id, 0),
            sa.func.coalesce(learning_controls.c.frozen, sa.false()) == sa.false(),
        )
        .order_by(newest.c.channel_id)
        .limit(limit)
    )
    return [int(cid) for cid in conn.execute(query).scalars()]


def outcome_rows_txn(
    conn: Connection, channel_id: int, *, since: datetime, silent_before: datetime, limit: int
) -> list[OutcomeRow]:
    """The channel's newest ``limit`` scored messages since ``since`` with a label, or
    delivered before ``silent_before`` with none (moderators had time to act and did not)."""
    label = (
        sa.select(sa.func.max(labels.c.label))
        .where(labels.c.message_id == messages.c.id, labels.c.reversed_at.is_(None))
        .scalar_subquery()
    )
    query = (
        sa.select(
            messages.c.decision, messages.c.status, messages.c.created_at, label.label("label")
        )
        .where(
            messages.c.channel_id == channel_id,
            messages.c.created_at >= since,
            messages.c.decision.is_not(None),
        )
        .order_by(messages.c.id.desc())
        .limit(limit)
    )
    out = []
    for row in conn.execute(query).mappings():
        decision = row["decision"]
        if not decision or "categories" not in decision or decision.get("exempt"):
            continue
        if row["label"] is not None:
            out.append(OutcomeRow(decision, int(row["label"]), True))
        elif row["status"] == "delivered" and row["created_at"] < silent_before:
            out.append(OutcomeRow(decision, 0, False))
    return out


def acted_texts_txn(
    conn: Connection, channel_id: int, *, since: datetime, limit: int
) -> list[tuple[str, int]]:
    """(text, sender) of the newest messages moderators judged violations (labels not
    reversed) since ``since``, one per message."""
    query = (
        sa.select(labels.c.message_id, sa.func.min(labels.c.text), sa.func.min(labels.c.sender_id))
        .where(
            labels.c.channel_id == channel_id,
            labels.c.label == 1,
            labels.c.reversed_at.is_(None),
            labels.c.created_at >= since,
        )
        .group_by(labels.c.message_id)
        .order_by(labels.c.message_id.desc())
        .limit(limit)
    )
    return [(str(text), int(sender)) for _, text, sender in conn.execute(query)]


def stood_texts_txn(
    conn: Connection, channel_id: int, *, since: datetime, silent_before: datetime, limit: int
) -> list[tuple[str, int]]:
    """(text, sender) of the newest delivered messages no moderator acted on, delivered
    between ``since`` and ``silent_before``."""
    labelled = sa.select(labels.c.id).where(labels.c.message_id == messages.c.id).exists()
    query = (
        sa.select(messages.c.text, messages.c.sender_id)
        .where(
            messages.c.channel_id == channel_id,
            messages.c.status == "delivered",
            messages.c.created_at >= since,
            messages.c.created_at < silent_before,
            ~labelled,
        )
        .order_by(messages.c.id.desc())
        .limit(limit)
    )
    return [(str(text), int(sender)) for text, sender in conn.execute(query)]
