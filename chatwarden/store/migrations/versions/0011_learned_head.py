"""learned head: each learned version may carry the channel's learned head (issue 14)

``learned_states.head`` holds the head ``chatwarden.learning.head`` learned with the version's
shifts (``chatwarden.pipeline.learned.Head.to_json``), or null: none yet (too little evidence),
a reset, or a version written before the head existed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("learned_states") as batch:
        batch.add_column(sa.Column("head", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("learned_states") as batch:
        batch.drop_column("head")
