"""Accounts: registration (argon2id), sessions, scoped API tokens, verification flags, admins.

Session and API tokens are random; only their sha256 is stored, so a database leak does not
leak usable tokens. Sessions start ``cws_`` and API tokens ``cwt_``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from chatwarden.bus import CREDENTIALS_TOPIC
from chatwarden.errors import Conflict, Forbidden, InputError, NotFound, Unauthorized
from chatwarden.service.base import Deps, ServiceBase, to_user
from chatwarden.service.permissions import SCOPES
from chatwarden.service.types import Actor, ApiTokenInfo, NewApiToken, SessionToken, User
from chatwarden.store import accounts as store
from chatwarden.store.engine import is_unique_violation

USERNAME = re.compile(r"^[A-Za-z0-9_]{3,25}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
SESSION_PREFIX = "cws_"
API_PREFIX = "cwt_"
#: the scope an API token needs to list or revoke its account's tokens (a session has it)
TOKENS_SCOPE = "tokens:manage"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService(ServiceBase):
    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self._hasher = PasswordHasher(
            time_cost=deps.config.argon2_time_cost,
            memory_cost=deps.config.argon2_memory_kib,
            parallelism=deps.config.argon2_parallelism,
        )
        # verifying an unknown user costs the same as a known one (no user enumeration by timing)
        self._dummy_hash = self._hasher.hash(secrets.token_hex(8))
        self._last_purge: datetime | None = None

    def register(self, username: str, password: str) -> User:
        """Create an account. Usernames: 3-25 letters, digits or ``_``, unique ignoring case."""
        if not isinstance(username, str) or not USERNAME.match(username):
            raise InputError("username must be 3-25 characters: letters, digits or '_'")
        if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InputError(f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
        password_hash = self._hasher.hash(password)
        now = self.clock.now()
        try:
            with self.db.write() as conn:
                user_id = store.insert_user_txn(
                    conn, username=username, password_hash=password_hash, created_at=now
                )
                row = self.user_txn(conn, user_id)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise Conflict(f"the username {username!r} is taken") from None
            raise
        return to_user(row)

    def login(self, username: str, password: str) -> SessionToken:
        """Check the password and open a session; ``Unauthorized`` on bad credentials."""
        with self.db.read() as conn:
            row = store.get_user_by_login_txn(conn, str(username))
        stored = row.password_hash if row is not None else self._dummy_hash
        try:
            self._hasher.verify(stored, str(password))
        except (VerificationError, InvalidHashError):
            raise Unauthorized("wrong username or password") from None
        if row is None:
            raise Unauthorized("wrong username or password")
        token = SESSION_PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now()
        expires_at = now + timedelta(seconds=self.config.session_ttl_seconds)
        with self.db.write() as conn:
            if self._hasher.check_needs_rehash(stored):
                store.set_password_hash_txn(conn, row.id, self._hasher.hash(str(password)))
            store.insert_session_txn(
                conn,
                user_id=row.id,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=expires_at,
            )
        return SessionToken(token=token, user=to_user(row), expires_at=expires_at)

    def authenticate(self, token: str) -> Actor:
        """The actor behind a session or API token; ``Unauthorized`` if unknown/expired/revoked."""
        return self.authenticate_until(token)[0]

    def authenticate_until(self, token: str) -> tuple[Actor, datetime | None]:
        """``authenticate``, and when the credential expires (None: an API token without expiry).

        A socket holds on to this: it ends at the expiry, or at once when ``logout`` or
        ``revoke_api_token`` publishes the credential's end on ``CREDENTIALS_TOPIC``.
        """
        if not isinstance(token, str) or not token:
            raise Unauthorized("no session or token given")
        now = self.clock.now()
        digest = hash_token(token)
        with self.db.read() as conn:
            if token.startswith(SESSION_PREFIX):
                session = store.get_session_txn(conn, digest)
                if session is None:
                    raise Unauthorized("unknown session; log in again")
                if session.expires_at <= now:
                    raise Unauthorized("session expired; log in again")
                user = self.user_txn(conn, session.user_id)
                actor = Actor(user.id, user.username, bool(user.is_admin), None)
                return actor, session.expires_at
            if token.startswith(API_PREFIX):
                row = store.get_api_token_txn(conn, digest)
                if row is None:
                    raise Unauthorized("unknown API token")
                if row.revoked_at is not None:
                    raise Unauthorized("API token revoked")
                if row.expires_at is not None and row.expires_at <= now:
                    raise Unauthorized("API token expired")
                user = self.user_txn(conn, row.user_id)
                scopes = frozenset(row.scopes)
                actor = Actor(user.id, user.username, bool(user.is_admin), scopes)
                return actor, row.expires_at
        raise Unauthorized("malformed token")

    def purge_expired_sessions(self, every_s: float = 60.0) -> int:
        """Delete expired sessions (they are refused anyway); at most once per ``every_s``."""
        now = self.clock.now()
        if self._last_purge is not None and (now - self._last_purge).total_seconds() < every_s:
            return 0
        self._last_purge = now
        with self.db.write() as conn:
            return store.delete_expired_sessions_txn(conn, now)

    def logout(self, token: str) -> None:
        digest = hash_token(str(token))
        with self.db.write() as conn:
            store.delete_session_txn(conn, digest)
        self._ended(digest, "logged out")

    def _ended(self, digest: str, reason: str) -> None:
        """Tell open sockets (after the commit) that the credential ``digest`` is gone."""
        self.bus.publish(
            CREDENTIALS_TOPIC, {"type": "credential_ended", "credential": digest, "reason": reason}
        )

    def create_api_token(
        self, actor: Actor, name: str, scopes: Iterable[str], expires_in_s: int | None = None
    ) -> NewApiToken:
        """A token for bots and integrations, limited to ``scopes`` (see ``permissions.SCOPES``)."""
        if actor.scopes is not None:
            raise Forbidden("API tokens can only be created from a logged-in session")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
            raise InputError("token name must be 1-100 characters")
        wanted = sorted(set(scopes))
        unknown = [s for s in wanted if s not in SCOPES]
        if unknown or not wanted:
            raise InputError(
                f"unknown or missing scopes {unknown}; choose from {', '.join(SCOPES)}"
            )
        if expires_in_s is not None and expires_in_s <= 0:
            raise InputError("expires_in_s must be positive")
        token = API_PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now()
        expires_at = None if expires_in_s is None else now + timedelta(seconds=expires_in_s)
        with self.db.write() as conn:
            token_id = store.insert_api_token_txn(
                conn,
                user_id=actor.user_id,
                name=name.strip(),
                token_hash=hash_token(token),
                scopes=wanted,
                created_at=now,
                expires_at=expires_at,
            )
        info = ApiTokenInfo(token_id, name.strip(), tuple(wanted), now, expires_at, False)
        return NewApiToken(token=token, info=info)

    def list_api_tokens(self, actor: Actor) -> list[ApiTokenInfo]:
        """The account's tokens (a session, or a token with the ``tokens:manage`` scope)."""
        _require_tokens_scope(actor, "list")
        with self.db.read() as conn:
            rows = store.list_api_tokens_txn(conn, actor.user_id)
        return [
            ApiTokenInfo(
                r.id,
                r.name,
                tuple(r.scopes),
                r.created_at,
                r.expires_at,
                r.revoked_at is not None,
            )
            for r in rows
        ]

    def revoke_api_token(self, actor: Actor, token_id: int) -> None:
        """Revoke one of the account's tokens (a session, or a token with ``tokens:manage``)."""
        _require_tokens_scope(actor, "revoke")
        with self.db.write() as conn:
            row = store.get_api_token_by_id_txn(conn, token_id)
            if row is None or (row.user_id != actor.user_id and not actor.is_admin):
                raise NotFound(f"no API token with id {token_id}")
            store.revoke_api_token_txn(conn, token_id, self.clock.now())
        self._ended(row.token_hash, "API token revoked")

    def get_user(self, user_id: int) -> User:
        with self.db.read() as conn:
            return to_user(self.user_txn(conn, user_id))

    def get_user_by_name(self, username: str) -> User:
        with self.db.read() as conn:
            row = store.get_user_by_login_txn(conn, str(username))
        if row is None:
            raise NotFound(f"no user named {username!r}")
        return to_user(row)

    def set_verified(
        self, actor: Actor, user_id: int, *, email: bool | None = None, phone: bool | None = None
    ) -> User:
        """Mark email/phone verified (site admins only; no real email or SMS here)."""
        if not actor.is_admin:
            raise Forbidden("only site admins can set verification flags")
        values = {}
        if email is not None:
            values["email_verified"] = bool(email)
        if phone is not None:
            values["phone_verified"] = bool(phone)
        with self.db.write() as conn:
            self.user_txn(conn, user_id)
            if values:
                store.update_user_txn(conn, user_id, **values)
            return to_user(self.user_txn(conn, user_id))

    def make_admin(self, user_id: int, admin: bool = True) -> User:
        """Grant or remove site admin. Unchecked: for the CLI and bootstrap only."""
        with self.db.write() as conn:
            self.user_txn(conn, user_id)
            store.update_user_txn(conn, user_id, is_admin=bool(admin))
            return to_user(self.user_txn(conn, user_id))


def _require_tokens_scope(actor: Actor, verb: str) -> None:
    """A leaked bot token must not list or revoke its account's other tokens."""
    if not actor.has_scope(TOKENS_SCOPE):
        raise Forbidden(f"this token lacks the {TOKENS_SCOPE!r} scope needed to {verb} API tokens")
