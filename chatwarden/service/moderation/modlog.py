"""Reading the mod log. Entries are appended by the other services and never changed.

``search`` filters the whole history on the server (moderator, target user, action types, free
text, a date range) and pages it by id, so a moderator can find anything ever logged, not only
what the newest page happened to hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Connection

from chatwarden import jsoncodec
from chatwarden.errors import InputError
from chatwarden.service.base import ServiceBase
from chatwarden.service.chat.redact import redact, sees_private_terms
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, ModLogEntry
from chatwarden.store import accounts, audit
from chatwarden.store.audit import ModLogRow

#: an action's name (``ban``, ``automod.terms.add``) or a family of them (``detection.*``)
ACTION_NAME = re.compile(r"^[a-z_]+(\.[a-z_]+)*(\.\*)?$")
MAX_ACTION_LENGTH = 40  # mod_log.action is a String(40)
MAX_ACTIONS = 50
MAX_TEXT = 200
MAX_LIMIT = 1000
#: rows read per round when matches are re-checked on redacted details (a small ``limit`` with
#: many hidden matches must not cost one query per row)
RECHECK_BATCH = 100


def to_entry(row: ModLogRow, *, reveal_private: bool = False) -> ModLogEntry:
    """One mod-log row; the owner's private terms in its details are redacted unless
    ``reveal_private`` (``redact.sees_private_terms``)."""
    return ModLogEntry(
        id=row.id,
        channel_id=row.channel_id,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        action=row.action,
        target_user_id=row.target_user_id,
        target_name=row.target_name,
        message_id=row.message_id,
        reason=row.reason,
        details=redact(dict(row.details or {}), reveal_private),
        created_at=row.created_at,
    )


def _utc(value: datetime | None) -> datetime | None:
    """A date without a zone is read as UTC (the API's documented rule)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ModLogQuery:
    """What a moderator searches the mod log for; every field given must hold.

    ``actions``: any of these exact names or families (``automod.*``); ``moderator`` and
    ``user``: usernames (the moderator who acted, the user acted on); ``automatic``: True for
    entries nobody typed (AutoMod, detection, learning), False for a person's; ``text``:
    case-insensitive, literal, in the reason or the details; ``since`` <= created_at <
    ``until`` (a naive datetime is UTC); ``before_id``: the smallest id of the previous page.
    """

    actions: tuple[str, ...] = ()
    moderator: str | None = None
    user: str | None = None
    automatic: bool | None = None
    text: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    limit: int = 100

    def checked(self) -> ModLogQuery:
        """This query with naive dates as UTC and an empty text as none; ``InputError`` names
        the first problem (the web layer checks the same first, as a 422)."""
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InputError(f"limit must be 1 to {MAX_LIMIT}")
        if len(self.actions) > MAX_ACTIONS:
            raise InputError(f"at most {MAX_ACTIONS} actions")
        for action in self.actions:
            if len(action) > MAX_ACTION_LENGTH or not ACTION_NAME.match(action):
                raise InputError(f"{action!r} is not an action name (e.g. 'ban', 'automod.*')")
        text = (self.text or "").strip() or None
        if text is not None and len(text) > MAX_TEXT:
            raise InputError(f"the search text is longer than {MAX_TEXT} characters")
        since, until = _utc(self.since), _utc(self.until)
        if since is not None and until is not None and since >= until:
            raise InputError("'from' must be before 'to'")
        if self.automatic and self.moderator:
            raise InputError("automatic entries have no moderator: give one or the other")
        if self.before_id is not None and self.before_id < 1:
            raise InputError("before_id must be positive")
        return ModLogQuery(
            self.actions,
            self.moderator or None,
            self.user or None,
            self.automatic,
            text,
            since,
            until,
            self.before_id,
            self.limit,
        )


def _visible_match(entry: ModLogEntry, needle: str) -> bool:
    """Whether the text matches what this reader sees of ``entry`` (its redacted details)."""
    haystack = entry.reason.lower() + "\n" + jsoncodec.dumps(entry.details).lower()
    return needle.lower() in haystack


class ModLogService(ServiceBase):
    def list_entries(
        self,
        actor: Actor,
        channel_id: int,
        *,
        action: str | None = None,
        target_user_id: int | None = None,
        actor_id: int | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[ModLogEntry]:
        """Newest first; page with ``before_id`` (the smallest id of the previous page)."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InputError(f"limit must be 1 to {MAX_LIMIT}")
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.VIEW_MOD_LOG)
            rows = audit.list_entries_txn(
                conn,
                channel_id,
                action=action,
                target_user_id=target_user_id,
                actor_id=actor_id,
                before_id=before_id,
                limit=limit,
            )
        reveal = sees_private_terms(actor, role)
        return [to_entry(r, reveal_private=reveal) for r in rows]

    def search(self, actor: Actor, channel_id: int, query: ModLogQuery) -> list[ModLogEntry]:
        """One page of the entries matching ``query``, newest first; the next page is
        ``before_id`` = the last entry's id, and a page shorter than ``limit`` is the last.

        An unknown moderator or user name matches nothing (an empty page, not an error: the
        panel searches as the moderator types). A text search also reads the entries' details,
        which may name the owner's private terms: for a reader who may not see them, a match
        is kept only if the text is in what they do see (the redacted details), so the search
        cannot be used to guess a private term."""
        q = query.checked()
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.VIEW_MOD_LOG)
            reveal = sees_private_terms(actor, role)
            moderator_id = self._user_id(conn, q.moderator)
            user_id = self._user_id(conn, q.user)
            if (q.moderator and moderator_id is None) or (q.user and user_id is None):
                return []
            return self._page(conn, channel_id, q, moderator_id, user_id, reveal)

    @staticmethod
    def _user_id(conn: Connection, name: str | None) -> int | None:
        if name is None:
            return None
        row = accounts.get_user_by_login_txn(conn, name)
        return None if row is None else int(row.id)

    @staticmethod
    def _page(
        conn: Connection,
        channel_id: int,
        q: ModLogQuery,
        actor_id: int | None,
        target_user_id: int | None,
        reveal: bool,
    ) -> list[ModLogEntry]:
        """Read batches until the page is full: only a text search on redacted details can
        drop a row the database matched, so one batch is enough otherwise."""
        out: list[ModLogEntry] = []
        before_id = q.before_id
        recheck = not reveal and q.text is not None
        batch = max(q.limit, RECHECK_BATCH) if recheck else q.limit
        while True:
            rows = audit.list_entries_txn(
                conn,
                channel_id,
                actions=q.actions,
                actor_id=actor_id,
                target_user_id=target_user_id,
                automatic=q.automatic,
                text=q.text,
                since=q.since,
                until=q.until,
                before_id=before_id,
                limit=batch,
            )
            for row in rows:
                entry = to_entry(row, reveal_private=reveal)
                if not recheck or _visible_match(entry, q.text or ""):
                    out.append(entry)
            if len(out) >= q.limit or len(rows) < batch:
                return out[: q.limit]
            before_id = rows[-1].id
