"""channel health analytics and shadow mode (issue 6)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _int(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "analytics_minutes",
        _int("channel_id"),
        _ts("minute"),
        _int("messages"),
        _int("chatters"),
        _int("repeated"),
        sa.Column("entropy_sum", sa.Float(), nullable=False),
        _int("emote_only"),
        _int("allowed"),
        _int("held"),
        _int("blocked"),
        sa.Column("category_findings", sa.JSON(), nullable=False),
        sa.Column("held_by_category", sa.JSON(), nullable=False),
        _int("resolved_allowed"),
        _int("resolved_denied"),
        _int("expired"),
        sa.Column("decision_seconds", sa.JSON(), nullable=False),
        _int("mod_actions"),
        sa.Column("mod_actions_by_actor", sa.JSON(), nullable=False),
        _int("first_time_chatters"),
        _int("raid_events"),
        _int("bot_wave_events"),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_analytics_minutes_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "minute", name=op.f("pk_analytics_minutes")),
    )
    op.create_table(
        "analytics_watermarks",
        _int("channel_id"),
        _ts("rolled_until"),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_analytics_watermarks_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_analytics_watermarks")),
    )
    op.create_table(
        "analytics_first_chatters",
        _int("channel_id"),
        _int("user_id"),
        _ts("first_at"),
        _ts("returned_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_analytics_first_chatters_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_analytics_first_chatters_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "user_id", name=op.f("pk_analytics_first_chatters")),
    )
    op.create_index(
        op.f("ix_analytics_first_chatters_channel_id_first_at"),
        "analytics_first_chatters",
        ["channel_id", "first_at"],
        unique=False,
    )
    op.create_table(
        "shadow_configs",
        _int("channel_id"),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("candidate_settings", sa.JSON(), nullable=True),
        sa.Column("candidate_model", sa.String(length=64), nullable=True),
        _int("rev"),
        _ts("cursor_at"),
        _int("cursor_message_id"),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_shadow_configs_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_shadow_configs_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_shadow_configs")),
    )
    op.create_table(
        "shadow_results",
        sa.Column("id", sa.Integer(), nullable=False),
        _int("channel_id"),
        _int("message_id"),
        _int("rev"),
        _ts("created_at"),
        sa.Column("live_action", sa.String(length=8), nullable=False),
        sa.Column("candidate_action", sa.String(length=8), nullable=False),
        sa.Column("candidate_reasons", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_shadow_results_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_shadow_results_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_results")),
        sa.UniqueConstraint("message_id", "rev", name=op.f("uq_shadow_results_message_id_rev")),
    )
    op.create_index(
        op.f("ix_shadow_results_channel_id_rev_created_at"),
        "shadow_results",
        ["channel_id", "rev", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_messages_channel_id_created_at", "messages", ["channel_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_review_items_channel_id_resolved_at",
        "review_items",
        ["channel_id", "resolved_at"],
        unique=False,
    )
    op.create_index(
        "ix_mod_log_channel_id_created_at", "mod_log", ["channel_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_mod_log_channel_id_created_at", table_name="mod_log")
    op.drop_index("ix_review_items_channel_id_resolved_at", table_name="review_items")
    op.drop_index("ix_messages_channel_id_created_at", table_name="messages")
    op.drop_index(op.f("ix_shadow_results_channel_id_rev_created_at"), table_name="shadow_results")
    op.drop_table("shadow_results")
    op.drop_table("shadow_configs")
    op.drop_index(
        op.f("ix_analytics_first_chatters_channel_id_first_at"),
        table_name="analytics_first_chatters",
    )
    op.drop_table("analytics_first_chatters")
    op.drop_table("analytics_watermarks")
    op.drop_table("analytics_minutes")
