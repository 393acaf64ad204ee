"""The tables (one ``MetaData``). Migrations in ``migrations/versions`` must build exactly this."""

from __future__ import annotations

import sqlalchemy as sa

from chatwarden.store.columns import UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(), nullable=nullable)


def _fk(
    name: str, target: str, nullable: bool = False, ondelete: str | None = None
) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(25), nullable=False),
    sa.Column("login", sa.String(25), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    _ts("created_at"),
    sa.Column("email_verified", sa.Boolean, nullable=False, default=False),
    sa.Column("phone_verified", sa.Boolean, nullable=False, default=False),
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("user_id", "users.id", ondelete="CASCADE"),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    _ts("created_at"),
    _ts("expires_at"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("user_id", "users.id", ondelete="CASCADE"),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("scopes", sa.JSON, nullable=False),
    _ts("created_at"),
    _ts("expires_at", nullable=True),
    _ts("revoked_at", nullable=True),
)

server_secrets = sa.Table(
    "server_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

channels = sa.Table(
    "channels",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(25), nullable=False, unique=True),
    _fk("owner_id", "users.id"),
    _ts("created_at"),
    sa.Column("chat_settings", sa.JSON, nullable=False),
    sa.Column("automod_settings", sa.JSON, nullable=False),
    # bumped on every AutoMod settings or terms change: engines are cached per (channel, rev)
    sa.Column("settings_rev", sa.Integer, nullable=False, default=0),
)

# One row per (channel, user) that has any relation to the channel. ``role`` holds the granted
# role (owner, lead_moderator, moderator, vip) or 'viewer'; follower/subscriber come from
# ``followed_at``/``subscribed``. Bans, timeouts and the pending warning are kept here too so
# that sending a message needs one lookup; their history is in ``mod_log``.
channel_roles = sa.Table(
    "channel_roles",
    metadata,
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _fk("user_id", "users.id", ondelete="CASCADE"),
    sa.Column("role", sa.String(20), nullable=False, default="viewer"),
    _ts("followed_at", nullable=True),
    sa.Column("subscribed", sa.Boolean, nullable=False, default=False),
    sa.Column("banned", sa.Boolean, nullable=False, default=False),
    _ts("timeout_until", nullable=True),
    _ts("warned_at", nullable=True),
    sa.Column("warning_reason", sa.Text, nullable=True),
    sa.PrimaryKeyConstraint("channel_id", "user_id"),
    sa.Index(None, "user_id"),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("public_id", sa.String(36), nullable=False, unique=True),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _fk("sender_id", "users.id", ondelete="CASCADE"),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("initial_status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(64), nullable=True),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("idempotency_key", sa.String(64), nullable=True),
    _ts("created_at"),
    _ts("delivered_at", nullable=True),
    _ts("deliver_after", nullable=True),
    sa.Column("decision", sa.JSON, nullable=True),
    sa.UniqueConstraint("channel_id", "sender_id", "idempotency_key"),
    sa.Index(None, "channel_id", "status", "id"),
    sa.Index(None, "channel_id", "sender_id", "id"),
    sa.Index(None, "status", "deliver_after"),
)

review_items = sa.Table(
    "review_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("message_id", "messages.id", ondelete="CASCADE"),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    sa.Column("status", sa.String(16), nullable=False),
    _ts("held_at"),
    _ts("expires_at"),
    _fk("resolved_by", "users.id", nullable=True),
    _ts("resolved_at", nullable=True),
    sa.UniqueConstraint("message_id"),
    sa.Index(None, "channel_id", "status"),
    sa.Index(None, "status", "expires_at"),
)

mod_log = sa.Table(
    "mod_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _fk("actor_id", "users.id", nullable=True),
    sa.Column("action", sa.String(40), nullable=False),
    _fk("target_user_id", "users.id", nullable=True),
    sa.Column("message_id", sa.String(36), nullable=True),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("details", sa.JSON, nullable=False),
    _ts("created_at"),
    sa.Index(None, "channel_id", "id"),
    sa.Index(None, "channel_id", "target_user_id", "action"),
)

channel_terms = sa.Table(
    "channel_terms",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    sa.Column("text", sa.String(500), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("private", sa.Boolean, nullable=False, default=False),
    sa.Column("is_regex", sa.Boolean, nullable=False, default=False),
    _fk("created_by", "users.id", nullable=True),
    _ts("created_at"),
    sa.UniqueConstraint("channel_id", "kind", "is_regex", "text"),
)

notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _fk("user_id", "users.id", ondelete="CASCADE"),
    _fk("author_id", "users.id"),
    sa.Column("text", sa.Text, nullable=False),
    _ts("created_at"),
    sa.Index(None, "channel_id", "user_id"),
)

unban_requests = sa.Table(
    "unban_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _fk("user_id", "users.id", ondelete="CASCADE"),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    _ts("created_at"),
    _fk("resolved_by", "users.id", nullable=True),
    _ts("resolved_at", nullable=True),
    sa.Column("resolution_note", sa.Text, nullable=False, default=""),
    sa.Column("private_note", sa.Text, nullable=False, default=""),
    sa.Index(None, "channel_id", "status"),
    # at most one pending request per user and channel
    sa.Index(
        "uq_unban_requests_pending",
        "channel_id",
        "user_id",
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    ),
)

webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("secret", sa.String(100), nullable=False),
    sa.Column("types", sa.JSON, nullable=False),
    _fk("created_by", "users.id"),
    _ts("created_at"),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Index(None, "channel_id"),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("subscription_id", "webhook_subscriptions.id", ondelete="CASCADE"),
    sa.Column("message_id", sa.String(36), nullable=False, unique=True),
    sa.Column("event_type", sa.String(60), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    _ts("next_attempt_at", nullable=True),
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    _ts("created_at"),
    _ts("delivered_at", nullable=True),
    sa.Index(None, "status", "next_attempt_at"),
    sa.Index(None, "subscription_id", "id"),
)

# -- proactive detection (issue 5; migration 0002) ----------------------------------------------


# -- channel health analytics and shadow mode (issue 6; migration 0003) ----------------------------


ALL_TABLES = tuple(metadata.sorted_tables)
