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

#: an account's email address (one at most; ``users.email_verified`` stays the flag the trust
#: gates read): kept apart from ``users`` so no user listing can carry it
user_emails = sa.Table(
    "user_emails",
    metadata,
    _fk("user_id", "users.id", ondelete="CASCADE"),
    sa.Column("email", sa.String(254), nullable=False),
    _ts("changed_at"),
    _ts("verified_at", nullable=True),
    sa.PrimaryKeyConstraint("user_id"),
)

#: verification links sent by mail: only the sha256 of the token is stored; a token is for
#: one address (a changed address makes it stale), used once, and expires
email_tokens = sa.Table(
    "email_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("user_id", "users.id", ondelete="CASCADE"),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    _ts("created_at"),
    _ts("expires_at"),
    _ts("used_at", nullable=True),
    sa.Index(None, "user_id", "created_at"),
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
    # the channel's rules (a JSON list of short strings, owner and lead moderators write them;
    # NULL: none yet): viewers read them, moderators pick them as timeout and ban reasons
    sa.Column("rules", sa.JSON, nullable=True),
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
    # the mod log's search (``audit.list_entries_txn``) by moderator and by action (by date:
    # ``ix_mod_log_channel_id_created_at`` at the end of this module)
    sa.Index(None, "channel_id", "actor_id", "id"),
    sa.Index(None, "channel_id", "action", "id"),
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
    # NULL: never expires; otherwise the term stops applying at this instant (migration 0008)
    _ts("expires_at", nullable=True),
    sa.UniqueConstraint("channel_id", "kind", "is_regex", "text"),
    # the tick's purge of expired terms
    sa.Index(None, "expires_at"),
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

# One row per channel that changed any detection setting (absent: the defaults). ``settings``
# holds the typed ``DetectionSettings`` (service/detection/settings.py); ``rev`` is bumped on
# every change so the in-process detectors are rebuilt. Shield Mode: ``shield_preset`` is the
# saved strict preset, ``shield_saved`` the chat modes + AutoMod settings it replaced.
channel_detection = sa.Table(
    "channel_detection",
    metadata,
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("shield_preset", sa.JSON, nullable=False),
    sa.Column("shield_active", sa.Boolean, nullable=False, default=False),
    sa.Column("shield_saved", sa.JSON, nullable=True),
    _ts("shield_changed_at", nullable=True),
    _fk("shield_changed_by", "users.id", nullable=True),
    sa.Column("rev", sa.Integer, nullable=False, default=0),
    _ts("updated_at"),
    sa.PrimaryKeyConstraint("channel_id"),
)

# Suspicious users per channel: ``status`` monitored | restricted | cleared (a cleared row stays
# so the automatic checks do not flag the user again); ``source`` manual | auto | shared.
suspicious_users = sa.Table(
    "suspicious_users",
    metadata,
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _fk("user_id", "users.id", ondelete="CASCADE"),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("evasion_level", sa.String(16), nullable=True),
    sa.Column("evasion_score", sa.Float, nullable=True),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("shared_channel_ids", sa.JSON, nullable=False),
    _fk("matched_user_id", "users.id", nullable=True, ondelete="SET NULL"),
    _fk("added_by", "users.id", nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    sa.PrimaryKeyConstraint("channel_id", "user_id"),
    sa.Index(None, "channel_id", "status"),
)

# Device/network fingerprints a client sent at ingest, stored only as HMAC-SHA256 (server secret).
user_fingerprints = sa.Table(
    "user_fingerprints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("user_id", "users.id", ondelete="CASCADE"),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    _ts("first_seen"),
    _ts("last_seen"),
    sa.UniqueConstraint("user_id", "kind", "hash"),
    sa.Index(None, "hash"),
)

# Offences counted by the strike ladder (they expire by age, per the channel's settings).
offences = sa.Table(
    "offences",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _fk("user_id", "users.id", ondelete="CASCADE"),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("message_id", sa.String(36), nullable=True),
    _ts("created_at"),
    sa.Index(None, "channel_id", "user_id", "created_at"),
)

# ``channel_id`` agrees to share ban information with ``partner_id``; sharing needs both rows.
sharing_agreements = sa.Table(
    "sharing_agreements",
    metadata,
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _fk("partner_id", "channels.id", ondelete="CASCADE"),
    _fk("created_by", "users.id"),
    _ts("created_at"),
    sa.PrimaryKeyConstraint("channel_id", "partner_id"),
    sa.Index(None, "partner_id"),
)

# Community-curated blocked-term lists: curated by one channel's leads, subscribable by any.
policy_lists = sa.Table(
    "policy_lists",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False, default=""),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _ts("created_at"),
    _ts("updated_at"),
)

policy_list_terms = sa.Table(
    "policy_list_terms",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("list_id", "policy_lists.id", ondelete="CASCADE"),
    sa.Column("text", sa.String(500), nullable=False),
    sa.Column("is_regex", sa.Boolean, nullable=False, default=False),
    sa.UniqueConstraint("list_id", "is_regex", "text"),
)

policy_subscriptions = sa.Table(
    "policy_subscriptions",
    metadata,
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _fk("list_id", "policy_lists.id", ondelete="CASCADE"),
    _fk("created_by", "users.id"),
    _ts("created_at"),
    sa.PrimaryKeyConstraint("channel_id", "list_id"),
    sa.Index(None, "list_id"),
)


# -- channel health analytics and shadow mode (issue 6; migration 0003) ----------------------------

# One row per channel-minute with activity: additive counts (chatwarden.analytics.rollup).
analytics_minutes = sa.Table(
    "analytics_minutes",
    metadata,
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _ts("minute"),
    sa.Column("messages", sa.Integer, nullable=False, default=0),
    sa.Column("chatters", sa.Integer, nullable=False, default=0),
    sa.Column("repeated", sa.Integer, nullable=False, default=0),
    sa.Column("entropy_sum", sa.Float, nullable=False, default=0.0),
    sa.Column("emote_only", sa.Integer, nullable=False, default=0),
    sa.Column("allowed", sa.Integer, nullable=False, default=0),
    sa.Column("held", sa.Integer, nullable=False, default=0),
    sa.Column("blocked", sa.Integer, nullable=False, default=0),
    sa.Column("category_findings", sa.JSON, nullable=False),
    sa.Column("held_by_category", sa.JSON, nullable=False),
    sa.Column("resolved_allowed", sa.Integer, nullable=False, default=0),
    sa.Column("resolved_denied", sa.Integer, nullable=False, default=0),
    sa.Column("expired", sa.Integer, nullable=False, default=0),
    sa.Column("decision_seconds", sa.JSON, nullable=False),
    sa.Column("mod_actions", sa.Integer, nullable=False, default=0),
    sa.Column("mod_actions_by_actor", sa.JSON, nullable=False),
    sa.Column("first_time_chatters", sa.Integer, nullable=False, default=0),
    sa.Column("raid_events", sa.Integer, nullable=False, default=0),
    sa.Column("bot_wave_events", sa.Integer, nullable=False, default=0),
    sa.PrimaryKeyConstraint("channel_id", "minute"),
)

# Per channel: every minute before ``rolled_until`` is rolled up (compare-and-set in the same
# transaction as the rows, so two processes never roll the same minutes).
analytics_watermarks = sa.Table(
    "analytics_watermarks",
    metadata,
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _ts("rolled_until"),
    sa.PrimaryKeyConstraint("channel_id"),
)

# First message of each chatter in a channel, and their first message >= 1 h later within N days.
analytics_first_chatters = sa.Table(
    "analytics_first_chatters",
    metadata,
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _fk("user_id", "users.id", ondelete="CASCADE"),
    _ts("first_at"),
    _ts("returned_at", nullable=True),
    sa.PrimaryKeyConstraint("channel_id", "user_id"),
    sa.Index(None, "channel_id", "first_at"),
)

# Shadow mode: one candidate per channel; ``rev`` bumps on every change, results carry it.
shadow_configs = sa.Table(
    "shadow_configs",
    metadata,
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("candidate_settings", sa.JSON, nullable=True),
    sa.Column("candidate_model", sa.String(64), nullable=True),
    sa.Column("rev", sa.Integer, nullable=False, default=1),
    # evaluated up to this message: (created_at, id) of the last one
    _ts("cursor_at"),
    sa.Column("cursor_message_id", sa.Integer, nullable=False, default=0),
    _fk("updated_by", "users.id", nullable=True),
    _ts("updated_at"),
    sa.PrimaryKeyConstraint("channel_id"),
)

shadow_results = sa.Table(
    "shadow_results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _fk("message_id", "messages.id", ondelete="CASCADE"),
    sa.Column("rev", sa.Integer, nullable=False),
    _ts("created_at"),
    sa.Column("live_action", sa.String(8), nullable=False),
    sa.Column("candidate_action", sa.String(8), nullable=False),
    sa.Column("candidate_reasons", sa.JSON, nullable=True),
    sa.UniqueConstraint("message_id", "rev"),
    sa.Index(None, "channel_id", "rev", "created_at"),
)

# -- labels: moderators' decisions as training examples (issue 14; migration 0004) ------------

# One row per moderator decision on one message: ``label`` 1 = judged a violation, 0 = judged
# fine; ``source`` says which decision (``review.allow``, ``action.ban``, ...); ``mod_log_id`` is
# the mod-log entry written in the same transaction. ``decision``, ``text`` and the versions are
# copies of what the moderator saw. An approved unban request sets ``reversed_*``; the row stays.
labels = sa.Table(
    "labels",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    _fk("message_id", "messages.id", ondelete="CASCADE"),
    _fk("sender_id", "users.id", ondelete="CASCADE"),
    sa.Column("label", sa.Integer, nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    _fk("moderator_id", "users.id", nullable=True, ondelete="SET NULL"),
    _fk("mod_log_id", "mod_log.id", nullable=True, ondelete="SET NULL"),
    _ts("created_at"),
    sa.Column("model_version", sa.String(64), nullable=False),
    sa.Column("settings_version", sa.String(64), nullable=False),
    sa.Column("decision", sa.JSON, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    _ts("reversed_at", nullable=True),
    _fk("reversed_by", "users.id", nullable=True, ondelete="SET NULL"),
    sa.Column("reversal", sa.String(32), nullable=True),
    sa.Index(None, "channel_id", "created_at"),
    sa.Index(None, "sender_id", "channel_id"),
    sa.Index(None, "message_id"),
    sa.Index(None, "mod_log_id"),
)

#: What each channel learned from its moderators (``chatwarden.learning``): one row per version,
#: never changed; the active one is ``learning_controls.active_version``.
learned_states = sa.Table(
    "learned_states",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("shifts", sa.JSON, nullable=False),  # [{category, level, shift, evidence, ...}]
    sa.Column("head", sa.JSON, nullable=True),  # the learned head (pipeline/learned.py) or null
    sa.Column("outcomes", sa.Integer, nullable=False),
    sa.Column("labelled", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(16), nullable=False),  # learned | reset | rollback
    _fk("actor_id", "users.id", nullable=True, ondelete="SET NULL"),
    _ts("created_at"),
    sa.UniqueConstraint("channel_id", "version"),
)

#: A channel's learning switches: frozen (nothing new is learned), the active version, and the
#: newest label the last run saw (a run happens only when there is something new).
learning_controls = sa.Table(
    "learning_controls",
    metadata,
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    sa.Column("frozen", sa.Boolean, nullable=False),
    sa.Column("active_version", sa.Integer, nullable=True),
    sa.Column("seen_label_id", sa.Integer, nullable=False),
    _ts("learned_at", nullable=True),
    sa.PrimaryKeyConstraint("channel_id"),
)

#: A channel's connection to a chat on another platform (issue 17): where (``target``: an IRC
#: server's host:port, a Matrix homeserver; ``room``: the IRC channel, the room), as whom
#: (``account``), the platform's other options, the credential as a Fernet token
#: (``store/secretbox.py``; NULL when there is none: never plaintext), and what its runner last
#: reported (``status``: connected, disconnected or error).
connections = sa.Table(
    "connections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("channel_id", "channels.id", ondelete="CASCADE"),
    sa.Column("platform", sa.String(16), nullable=False),  # irc | twitch | matrix | discord
    sa.Column("target", sa.String(255), nullable=False),
    sa.Column("room", sa.String(255), nullable=False),
    sa.Column("account", sa.String(255), nullable=False),
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("credential", sa.Text, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    _ts("status_at", nullable=True),
    _ts("last_message_at", nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    _fk("created_by", "users.id", nullable=True, ondelete="SET NULL"),
    _ts("created_at"),
    sa.Index(None, "channel_id"),
)

# Range reads of finished minutes (the roll-up reads a channel's rows by time).
sa.Index("ix_messages_channel_id_created_at", messages.c.channel_id, messages.c.created_at)
sa.Index(
    "ix_review_items_channel_id_resolved_at", review_items.c.channel_id, review_items.c.resolved_at
)
sa.Index("ix_mod_log_channel_id_created_at", mod_log.c.channel_id, mod_log.c.created_at)


ALL_TABLES = tuple(metadata.sorted_tables)
