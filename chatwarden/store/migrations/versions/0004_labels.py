"""labels: moderators' decisions as training examples, with provenance (issue 14)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = (
    ["channel_id", "created_at"],
    ["sender_id", "channel_id"],
    ["message_id"],
    ["mod_log_id"],
)


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    table = target.partition(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_labels_{column}_{table}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("mod_log_id", sa.Integer(), nullable=True),
        _ts("created_at"),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("settings_version", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _ts("reversed_at", nullable=True),
        sa.Column("reversed_by", sa.Integer(), nullable=True),
        sa.Column("reversal", sa.String(length=32), nullable=True),
        _fk("channel_id", "channels.id", "CASCADE"),
        _fk("message_id", "messages.id", "CASCADE"),
        _fk("sender_id", "users.id", "CASCADE"),
        _fk("moderator_id", "users.id", "SET NULL"),
        _fk("mod_log_id", "mod_log.id", "SET NULL"),
        _fk("reversed_by", "users.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
    )
    for columns in INDEXES:
        op.create_index(op.f(f"ix_labels_{'_'.join(columns)}"), "labels", columns, unique=False)


def downgrade() -> None:
    for columns in reversed(INDEXES):
        op.drop_index(op.f(f"ix_labels_{'_'.join(columns)}"), table_name="labels")
    op.drop_table("labels")
