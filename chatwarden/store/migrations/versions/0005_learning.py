"""learning: each channel's learned level shifts, versioned, and its learning switches (issue 14)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    other = target.partition(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{other}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "learned_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("shifts", sa.JSON(), nullable=False),
        sa.Column("outcomes", sa.Integer(), nullable=False),
        sa.Column("labelled", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        _ts("created_at"),
        _fk("learned_states", "channel_id", "channels.id", "CASCADE"),
        _fk("learned_states", "actor_id", "users.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_states")),
        sa.UniqueConstraint(
            "channel_id", "version", name=op.f("uq_learned_states_channel_id_version")
        ),
    )
    op.create_table(
        "learning_controls",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("active_version", sa.Integer(), nullable=True),
        sa.Column("seen_label_id", sa.Integer(), nullable=False),
        _ts("learned_at", nullable=True),
        _fk("learning_controls", "channel_id", "channels.id", "CASCADE"),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_learning_controls")),
    )


def downgrade() -> None:
    op.drop_table("learning_controls")
    op.drop_table("learned_states")
