"""mod log search: indexes for the filters by moderator and by action (issue 15)

The mod log's search reads a channel's whole history newest first; these let a filter on the
moderator or the action read only the matching entries, newest first, instead of every entry of
the channel (the target's filter has ``ix_mod_log_channel_id_target_user_id_action`` and the
date range ``ix_mod_log_channel_id_created_at``, both older).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (
    ["channel_id", "actor_id", "id"],
    ["channel_id", "action", "id"],
)


def upgrade() -> None:
    for columns in INDEXES:
        op.create_index(op.f(f"ix_mod_log_{'_'.join(columns)}"), "mod_log", columns, unique=False)


def downgrade() -> None:
    for columns in reversed(INDEXES):
        op.drop_index(op.f(f"ix_mod_log_{'_'.join(columns)}"), table_name="mod_log")
