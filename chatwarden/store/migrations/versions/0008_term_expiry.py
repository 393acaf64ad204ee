"""term expiry: a blocked or permitted term may expire, like Twitch's (issue 15)

``channel_terms.expires_at`` is NULL for a term that never expires; a term whose ``expires_at``
is at or before the clock's now stops applying at once (the check reads the injected clock) and
the channel's tick purges it later.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: existing terms never expire
    op.add_column(
        "channel_terms", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        op.f("ix_channel_terms_expires_at"), "channel_terms", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_channel_terms_expires_at"), table_name="channel_terms")
    with op.batch_alter_table("channel_terms") as batch:
        batch.drop_column("expires_at")
