"""Email verification: an account's address, the link mailed to it, and the verified flag.

A viewer adds (or changes) an address; the server mails a link with a random token (``cwe_``
+ 32 bytes); following it marks the address verified (``users.email_verified``, the flag the
trust gates and Shield Mode read). Only the token's sha256 is stored; a token works once, for
the address it was sent to, until it expires (``SmtpSettings.token_ttl_s``). Changing the
address clears the verification. Mails to one account are rate limited (``resend_interval_s``,
``mails_per_day``). Without an SMTP server nothing is mailed: the address is kept, the status
says verification is unavailable, and a site admin can still set the flag
(``AccountService.set_verified``).

The mail is sent after the token's transaction commits, on the caller's (worker) thread, with
the SMTP timeout on every step; a failure is logged (the account id and the kind of failure,
never the password) and told to the user.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from chatwarden.errors import Conflict, Forbidden, InputError, RateLimited, Unavailable
from chatwarden.service.base import Deps, ServiceBase
from chatwarden.service.platform.accounts import hash_token
from chatwarden.service.platform.mailer import MailError, SmtpMailer, verification_mail
from chatwarden.service.types import Actor, _ToDict
from chatwarden.store import accounts as account_store
from chatwarden.store import emails as store

log = logging.getLogger("chatwarden.email")

TOKEN_PREFIX = "cwe_"
MAX_EMAIL = 254
#: one @, no spaces or control characters, a dot in the domain: the server checks the rest
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f.]+$")
DAY = timedelta(days=1)
#: where the verification link points (the token is in the fragment: it never reaches a log)
VERIFY_PATH = "/verify-email#token="


class EmailTokenInvalid(InputError):
    code = "email_token_invalid"


class EmailTokenUsed(InputError):
    code = "email_token_used"


class EmailTokenExpired(InputError):
    code = "email_token_expired"


class EmailTokenStale(InputError):
    code = "email_token_stale"


@dataclass(frozen=True, slots=True)
class EmailStatus(_ToDict):
    """An account's address (None: none yet), whether it is verified, and whether this server
    can mail a link (and in how many seconds the next one may go)."""

    email: str | None
    verified: bool
    verification_available: bool
    resend_in_s: int


@dataclass(frozen=True, slots=True)
class EmailChange(_ToDict):
    """The account's status after a change, and what happened to the verification mail."""

    status: EmailStatus
    mail_sent: bool
    message: str


@dataclass(frozen=True, slots=True)
class VerifiedEmail(_ToDict):
    username: str
    email: str


def clean_email(value: object) -> str:
    """The address, trimmed; ``InputError`` naming what is wrong."""
    if not isinstance(value, str):
        raise InputError("email must be text")
    email = value.strip()
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        raise InputError(f"{email[:80]!r} is not an email address (name@example.org)")
    return email


def wait_s(sent: Sequence[datetime], now: datetime, interval_s: int, per_day: int) -> int:
    """Seconds until another mail may go, given when the last day's mails went (oldest
    first): ``interval_s`` after the last one, and fewer than ``per_day`` in any 24 hours."""
    due = now
    if sent:
        due = max(due, sent[-1] + timedelta(seconds=interval_s))
    if len(sent) >= per_day:
        due = max(due, sent[len(sent) - per_day] + DAY)
    return int(-(-(due - now).total_seconds() // 1))  # rounded up


class EmailService(ServiceBase):
    def __init__(self, deps: Deps, mailer: SmtpMailer | None = None) -> None:
        super().__init__(deps)
        self.settings = deps.config.smtp
        self.mailer = mailer
        if mailer is None:
            log.info(
                "email verification unavailable: no SMTP server is configured "
                "(CHATWARDEN_SMTP_HOST); site admins can still mark addresses verified"
            )

    @property
    def available(self) -> bool:
        return self.mailer is not None

    def status(self, actor: Actor) -> EmailStatus:
        _require_session(actor)
        with self.db.read() as conn:
            return self._status_txn(conn, actor.user_id, self.clock.now())

    def change_email(self, actor: Actor, email: str) -> EmailChange:
        """Set the account's address; a new one is unverified and gets a link (if it can)."""
        _require_session(actor)
        email = clean_email(email)
        now = self.clock.now()
        with self.db.write() as conn:
            current = store.get_email_txn(conn, actor.user_id)
            if current is not None and current.email.casefold() == email.casefold():
                status = self._status_txn(conn, actor.user_id, now)
                return EmailChange(status, False, "That is already your address.")
            store.set_email_txn(conn, actor.user_id, email, now)
            account_store.update_user_txn(conn, actor.user_id, email_verified=False)
            token = None
            if self.mailer is not None and self._wait_txn(conn, actor.user_id, now) == 0:
                token = self._new_token_txn(conn, actor.user_id, email, now)
        if self.mailer is None:
            message = (
                "Address saved. This server cannot send verification mail (no mail server is "
                "set up); ask a site admin to verify your address."
            )
            return EmailChange(self.status(actor), False, message)
        if token is None:
            return EmailChange(
                self.status(actor), False, "Address saved. Too many mails lately: use Resend later."
            )
        try:
            self._mail(actor, email, token)
        except Unavailable as exc:
            return EmailChange(self.status(actor), False, f"Address saved, but {exc.message}")
        return EmailChange(self.status(actor), True, f"We sent a verification link to {email}.")

    def resend(self, actor: Actor) -> EmailStatus:
        """Mail a new link to the account's unverified address (rate limited)."""
        _require_session(actor)
        if self.mailer is None:  # not a fault of the server's (no 5xx): it was set up so
            raise Conflict(
                "email verification is not available: this server has no mail server set up; "
                "ask a site admin to verify your address"
            )
        now = self.clock.now()
        with self.db.write() as conn:
            current = store.get_email_txn(conn, actor.user_id)
            if current is None:
                raise Conflict("add an email address first")
            if self.user_txn(conn, actor.user_id).email_verified:
                raise Conflict("your email address is already verified")
            wait = self._wait_txn(conn, actor.user_id, now)
            if wait:
                raise RateLimited(
                    f"a verification mail was sent recently; try again in {wait} s", wait
                )
            email = current.email
            token = self._new_token_txn(conn, actor.user_id, email, now)
        self._mail(actor, email, token)
        return self.status(actor)

    def verify(self, token: str) -> VerifiedEmail:
        """Follow a link: mark its address verified. Refused (with a reason) when the token is
        unknown, used, expired, or for an address the account no longer has."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            raise EmailTokenInvalid(_INVALID)
        now = self.clock.now()
        with self.db.write() as conn:
            row = store.get_token_txn(conn, hash_token(token))
            if row is None:
                raise EmailTokenInvalid(_INVALID)
            if row.used_at is not None:
                raise EmailTokenUsed("this verification link was already used")
            if row.expires_at <= now:
                raise EmailTokenExpired(
                    "this verification link has expired; log in and use Resend to get a new one"
                )
            current = store.get_email_txn(conn, row.user_id)
            if current is None or current.email.casefold() != row.email.casefold():
                raise EmailTokenStale(
                    "this verification link is for an address the account no longer uses"
                )
            if not store.use_token_txn(conn, row.id, now):
                raise EmailTokenUsed("this verification link was already used")
            store.mark_email_verified_txn(conn, row.user_id, now)
            account_store.update_user_txn(conn, row.user_id, email_verified=True)
            user = self.user_txn(conn, row.user_id)
        log.info("user %d verified their email address", row.user_id)
        return VerifiedEmail(user.username, current.email)

    # -- steps --------------------------------------------------------------------------------

    def _status_txn(self, conn: Connection, user_id: int, now: datetime) -> EmailStatus:
        row = store.get_email_txn(conn, user_id)
        user = self.user_txn(conn, user_id)
        wait = self._wait_txn(conn, user_id, now) if self.mailer is not None else 0
        return EmailStatus(
            email=None if row is None else row.email,
            verified=bool(user.email_verified),
            verification_available=self.mailer is not None,
            resend_in_s=wait,
        )

    def _wait_txn(self, conn: Connection, user_id: int, now: datetime) -> int:
        sent = store.sent_since_txn(conn, user_id, now - DAY)
        s = self.settings
        return wait_s(sent, now, s.resend_interval_s, s.mails_per_day)

    def _new_token_txn(self, conn: Connection, user_id: int, email: str, now: datetime) -> str:
        store.delete_old_tokens_txn(conn, user_id, now - DAY)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        store.insert_token_txn(
            conn,
            user_id=user_id,
            email=email,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(seconds=self.settings.token_ttl_s),
        )
        return token

    def _mail(self, actor: Actor, email: str, token: str) -> None:
        if self.mailer is None:
            raise Unavailable("email verification is not available on this server")
        link = self.settings.public_base_url + VERIFY_PATH + token
        msg = verification_mail(
            self.settings,
            to=email,
            username=actor.username,
            link=link,
            ttl_s=self.settings.token_ttl_s,
        )
        try:
            self.mailer.send(msg)
        except MailError as exc:
            log.warning("verification mail for user %d not sent: %s", actor.user_id, exc)
            raise Unavailable(
                "the verification mail could not be sent (the mail server failed); try Resend later"
            ) from None


_INVALID = (
    "this verification link is not valid: open the whole link from the mail, or log in and "
    "use Resend to get a new one"
)


def _require_session(actor: Actor) -> None:
    """An API token (a bot) neither reads nor changes the account's address."""
    if actor.scopes is not None:
        raise Forbidden("the email address can only be managed from a logged-in session")
