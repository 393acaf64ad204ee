"""proactive detection (issue 5): detection settings and Shield Mode, suspicious users,
hashed fingerprints, offences (strike ladder), ban-sharing agreements, subscribable policy lists

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_fingerprints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_fingerprints_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_fingerprints")),
        sa.UniqueConstraint(
            "user_id", "kind", "hash", name=op.f("uq_user_fingerprints_user_id_kind_hash")
        ),
    )
    op.create_index(op.f("ix_user_fingerprints_hash"), "user_fingerprints", ["hash"], unique=False)
    op.create_table(
        "channel_detection",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("shield_preset", sa.JSON(), nullable=False),
        sa.Column("shield_active", sa.Boolean(), nullable=False),
        sa.Column("shield_saved", sa.JSON(), nullable=True),
        sa.Column("shield_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shield_changed_by", sa.Integer(), nullable=True),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_detection_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shield_changed_by"],
            ["users.id"],
            name=op.f("fk_channel_detection_shield_changed_by_users"),
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_detection")),
    )
    op.create_table(
        "offences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_offences_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_offences_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offences")),
    )
    op.create_index(
        op.f("ix_offences_channel_id_user_id_created_at"),
        "offences",
        ["channel_id", "user_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "policy_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_policy_lists_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_lists")),
        sa.UniqueConstraint("name", name=op.f("uq_policy_lists_name")),
    )
    op.create_table(
        "sharing_agreements",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_sharing_agreements_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_sharing_agreements_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["channels.id"],
            name=op.f("fk_sharing_agreements_partner_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "partner_id", name=op.f("pk_sharing_agreements")),
    )
    op.create_index(
        op.f("ix_sharing_agreements_partner_id"), "sharing_agreements", ["partner_id"], unique=False
    )
    op.create_table(
        "suspicious_users",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("evasion_level", sa.String(length=16), nullable=True),
        sa.Column("evasion_score", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("shared_channel_ids", sa.JSON(), nullable=False),
        sa.Column("matched_user_id", sa.Integer(), nullable=True),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"], ["users.id"], name=op.f("fk_suspicious_users_added_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_suspicious_users_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["matched_user_id"],
            ["users.id"],
            name=op.f("fk_suspicious_users_matched_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_suspicious_users_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "user_id", name=op.f("pk_suspicious_users")),
    )
    op.create_index(
        op.f("ix_suspicious_users_channel_id_status"),
        "suspicious_users",
        ["channel_id", "status"],
        unique=False,
    )
    op.create_table(
        "policy_list_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("is_regex", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["policy_lists.id"],
            name=op.f("fk_policy_list_terms_list_id_policy_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_list_terms")),
        sa.UniqueConstraint(
            "list_id", "is_regex", "text", name=op.f("uq_policy_list_terms_list_id_is_regex_text")
        ),
    )
    op.create_table(
        "policy_subscriptions",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_policy_subscriptions_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_policy_subscriptions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["policy_lists.id"],
            name=op.f("fk_policy_subscriptions_list_id_policy_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "list_id", name=op.f("pk_policy_subscriptions")),
    )
    op.create_index(
        op.f("ix_policy_subscriptions_list_id"), "policy_subscriptions", ["list_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_policy_subscriptions_list_id"), table_name="policy_subscriptions")
    op.drop_table("policy_subscriptions")
    op.drop_table("policy_list_terms")
    op.drop_index(op.f("ix_suspicious_users_channel_id_status"), table_name="suspicious_users")
    op.drop_table("suspicious_users")
    op.drop_index(op.f("ix_sharing_agreements_partner_id"), table_name="sharing_agreements")
    op.drop_table("sharing_agreements")
    op.drop_table("policy_lists")
    op.drop_index(op.f("ix_offences_channel_id_user_id_created_at"), table_name="offences")
    op.drop_table("offences")
    op.drop_table("channel_detection")
    op.drop_index(op.f("ix_user_fingerprints_hash"), table_name="user_fingerprints")
    op.drop_table("user_fingerprints")
