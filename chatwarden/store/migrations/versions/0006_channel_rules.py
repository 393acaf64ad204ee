"""channel rules: a channel's short ordered list of rules, shown to viewers and offered to
moderators as reason presets for timeouts and bans (issue 15)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: a channel that never wrote rules has none (NULL reads as an empty list), so
    # existing rows need no default
    op.add_column("channels", sa.Column("rules", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("rules")
