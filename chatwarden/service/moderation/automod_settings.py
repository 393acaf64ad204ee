"""A channel's AutoMod levels and its blocked/permitted terms (private terms: owner only).

Every change to the terms a channel's messages meet (adding or importing terms here,
subscribing to or re-importing a policy list) checks the whole set together, with the same
budget the engine is built with (``check_term_set``): what is saved always compiles.

A term may expire (``expires_in_s``, like Twitch's 1 hour to 30 days): from its
``expires_at`` on, by the injected clock, it is left out of the list, of the engine
(``engines.EngineCache`` rebuilds at the earliest expiry) and of the duplicate check; the tick
deletes it later (``purge_expired_terms``). ``add_terms`` adds several lines at once, each
line's problem reported without losing the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from chatwarden.config import ServiceConfig
from chatwarden.errors import ChatWardenError, ConfigError, Conflict, InputError, NotFound
from chatwarden.pipeline.automod import build_matcher
from chatwarden.pipeline.terms import RegexBudget, Term, TermBudgetError, dump_terms, load_terms
from chatwarden.service import events
from chatwarden.service.base import Outbox, ServiceBase
from chatwarden.service.chat.redact import sees_private_terms
from chatwarden.service.permissions import Permission
from chatwarden.service.types import (
    Actor,
    BulkTermError,
    BulkTermResult,
    ChannelTerm,
    ImportResult,
)
from chatwarden.settings import AutoModSettings, Role, TermSpec
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store import policy_lists as policy_store
from chatwarden.store.channels import ChannelRow, ChannelTermRow
from chatwarden.store.engine import is_unique_violation
from chatwarden.store.policy_lists import ListedTermRow

TermKindArg = Literal["blocked", "permitted"]
_SETTING_KEYS = ("overall_level", "levels", "vip_exempt")

MIN_TERM_EXPIRY_S = 60
MAX_TERM_EXPIRY_S = 30 * 86400
"""A term's expiry: at least a minute, at most 30 days (Twitch offers 1 hour to 30 days)."""

MAX_BULK_TERMS = 500
"""Lines one bulk add may hold (the import takes more, all or nothing)."""


def to_term(row: ChannelTermRow) -> ChannelTerm:
    return ChannelTerm(
        id=row.id,
        channel_id=row.channel_id,
        text=row.text,
        kind=row.kind,
        private=row.private,
        is_regex=row.is_regex,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


def check_expiry(expires_in_s: object) -> int | None:
    """``expires_in_s`` checked: None (never) or whole seconds within the bounds."""
    if expires_in_s is None:
        return None
    if (
        isinstance(expires_in_s, bool)
        or not isinstance(expires_in_s, int)
        or not MIN_TERM_EXPIRY_S <= expires_in_s <= MAX_TERM_EXPIRY_S
    ):
        raise InputError(
            f"expires_in_s must be {MIN_TERM_EXPIRY_S}-{MAX_TERM_EXPIRY_S} seconds or null "
            f"(never), got {expires_in_s!r}"
        )
    return expires_in_s


def regex_budget(config: ServiceConfig) -> RegexBudget:
    """The budget every channel's regex set must fit (``ServiceConfig``'s regex settings)."""
    return RegexBudget(
        max_terms=config.max_regex_terms_per_channel,
        max_mem=config.regex_max_mem_mib << 20,
        max_program_size=config.regex_max_program_size,
        compile_budget_s=config.regex_compile_budget_s,
    )


class TermFacts(Protocol):
    """What the engine reads of a term: a channel's own (``ChannelTermRow``), a subscribed
    list's (``ListedTermRow``), a new ``Term`` or a ``TermSpec``."""

    @property
    def text(self) -> str: ...
    @property
    def kind(self) -> Literal["blocked", "permitted"]: ...
    @property
    def private(self) -> bool: ...
    @property
    def is_regex(self) -> bool: ...


def term_rows_txn(
    conn: Connection, channel_id: int, now: datetime | None = None
) -> list[ChannelTermRow | ListedTermRow]:
    """Every term a message to the channel meets: its own (with ``now``: those not expired by
    then), then its subscribed lists'."""
    return [
        *channel_store.list_terms_txn(conn, channel_id, now=now),
        *policy_store.subscribed_terms_txn(conn, channel_id),
    ]


def to_spec(row: TermFacts) -> TermSpec:
    return TermSpec(text=row.text, kind=row.kind, private=row.private, is_regex=row.is_regex)


def check_term_set(config: ServiceConfig, rows: Iterable[TermFacts], what: str) -> None:
    """Refuse a set of terms (``rows`` shaped like channel terms) that the engine could not
    build within the budget: ``TermBudgetError`` (HTTP 400) naming ``what`` and the limit.

    The service has no global list, so a channel's set is its terms plus its lists' terms;
    ``build_matcher`` is the engine's own compile step, so passing here means it builds."""
    specs = [to_spec(r) for r in rows if r.is_regex]
    if not specs:
        return
    try:
        build_matcher(specs, budget=regex_budget(config))
    except TermBudgetError as exc:
        raise TermBudgetError(f"{what}: {exc.message}") from None


class AutoModSettingsService(ServiceBase):
    def get_settings(self, actor: Actor, channel_id: int) -> AutoModSettings:
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_AUTOMOD_SETTINGS)
        return AutoModSettings.from_mapping(dict(channel.automod_settings))

    def update_settings(
        self, actor: Actor, channel_id: int, patch: Mapping[str, Any], *, via: str | None = None
    ) -> AutoModSettings:
        """Change ``overall_level`` (a preset: resets ``levels``), ``levels`` or ``vip_exempt``;
        ``via``: where the change came from, for the mod log (a Twitch connection's pull)."""
        if not isinstance(patch, Mapping) or not patch:
            raise InputError("give at least one AutoMod setting to change")
        unknown = sorted(set(patch) - set(_SETTING_KEYS))
        if unknown:
            raise InputError(f"unknown AutoMod settings {unknown}; use {', '.join(_SETTING_KEYS)}")
        with self.transaction() as out:
            conn = out.conn
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.UPDATE_AUTOMOD_SETTINGS)
            data = dict(channel.automod_settings)
            if "overall_level" in patch and patch["overall_level"] is not None:
                data["levels"] = {}
            data.update(patch)
            try:
                settings = AutoModSettings.from_mapping(data, source="automod settings")
            except ConfigError as exc:
                raise InputError(exc.message) from None
            stored = settings.model_dump(mode="json", exclude={"terms"})
            channel_store.update_channel_txn(conn, channel_id, automod_settings=stored)
            channel_store.bump_settings_rev_txn(conn, channel_id)
            audit.append_txn(
                conn,
                channel_id=channel_id,
                actor_id=actor.user_id,
                action="automod.settings.update",
                created_at=out.now,
                details={
                    "before": dict(channel.automod_settings),
                    "after": stored,
                    **({"via": via} if via is not None else {}),
                },
            )
            out.emit(
                channel,
                events.AUTOMOD_SETTINGS_UPDATE,
                events.automod_settings_update(
                    channel,
                    moderator_id=actor.user_id,
                    moderator_name=actor.username,
                    settings=stored,
                    levels={str(k): v for k, v in settings.category_levels().items()},
                ),
            )
        return settings

    def list_terms(
        self, actor: Actor, channel_id: int, kind: TermKindArg | None = None
    ) -> list[ChannelTerm]:
        """The channel's terms that have not expired, each with its ``expires_at`` (None:
        never); private ones only for the owner (and site admins)."""
        if kind not in (None, "blocked", "permitted"):
            raise InputError(f"kind must be 'blocked' or 'permitted', got {kind!r}")
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.VIEW_AUTOMOD_SETTINGS)
            rows = channel_store.list_terms_txn(conn, channel_id, now=self.clock.now())
        see_private = sees_private_terms(actor, role)
        return [
            to_term(r)
            for r in rows
            if (kind is None or r.kind == kind) and (see_private or not r.private)
        ]

    def add_term(
        self,
        actor: Actor,
        channel_id: int,
        text: str,
        *,
        kind: TermKindArg = "blocked",
        private: bool = False,
        is_regex: bool = False,
        expires_in_s: int | None = None,
    ) -> ChannelTerm:
        """Add one term (validated like Twitch: 2-500 characters, ``*`` only at the ends),
        expiring ``expires_in_s`` seconds from now (None: never)."""
        expiry = check_expiry(expires_in_s)
        try:
            term = Term(text, kind=kind, private=private, is_regex=is_regex)
        except ChatWardenError as exc:
            raise InputError(exc.message) from None
        with self.transaction() as out:
            channel, _ = self._check_txn(out.conn, actor, channel_id, private)
            existing = self._live_terms_txn(out, channel_id)
            if any(_same(term, r) for r in existing):
                raise Conflict(f"the {kind} term {term.text!r} is already in the list")
            self._check_quota(len(existing) + 1)
            if term.is_regex:
                self._check_set_txn(out.conn, channel_id, [term])
            row = self._insert_txn(out, channel, actor, term, expires_at=_at(out.now, expiry))
            self._announce(out, channel, actor, "add", [term])
        return to_term(row)

    def add_terms(
        self,
        actor: Actor,
        channel_id: int,
        texts: Sequence[str],
        *,
        kind: TermKindArg = "blocked",
        private: bool = False,
        is_regex: bool = False,
        expires_in_s: int | None = None,
    ) -> BulkTermResult:
        """Add several terms of one kind at once (one transaction, one mod-log entry per term).

        A line that is invalid, already in the list or repeated is reported in ``errors`` (its
        1-based line) and the others are added; a quota or regex budget the whole set would
        exceed rejects the call, as for one term."""
        expiry = check_expiry(expires_in_s)
        if not isinstance(texts, Sequence) or isinstance(texts, str) or not texts:
            raise InputError("give at least one term")
        if len(texts) > MAX_BULK_TERMS:
            raise InputError(f"at most {MAX_BULK_TERMS} terms at once, got {len(texts)}")
        with self.transaction() as out:
            channel, _ = self._check_txn(out.conn, actor, channel_id, private)
            existing = self._live_terms_txn(out, channel_id)
            errors: list[BulkTermError] = []
            new: list[Term] = []
            first_line: dict[Any, int] = {}
            for line, text in enumerate(texts, start=1):
                try:
                    term = Term(text, kind=kind, private=private, is_regex=is_regex)
                except ChatWardenError as exc:
                    errors.append(BulkTermError(line, str(text)[:500], exc.message))
                    continue
                if term.key in first_line:
                    problem = f"the same term as line {first_line[term.key]}"
                elif any(_same(term, r) for r in existing):
                    problem = f"the {kind} term {term.text!r} is already in the list"
                else:
                    first_line[term.key] = line
                    new.append(term)
                    continue
                errors.append(BulkTermError(line, term.text, problem))
            self._check_quota(len(existing) + len(new))
            if is_regex and new:
                self._check_set_txn(out.conn, channel_id, new)
            expires_at = _at(out.now, expiry)
            rows = [self._insert_txn(out, channel, actor, t, expires_at=expires_at) for t in new]
            if new:
                self._announce(out, channel, actor, "add", new)
        return BulkTermResult(added=[to_term(r) for r in rows], errors=errors)

    def purge_expired_terms(self) -> int:
        """Delete every channel's expired terms (they stopped applying when they expired) and
        bump those channels' settings revisions, so caches keyed by it (shadow mode's engines)
        drop them too; how many. Called by the tick."""
        with self.transaction() as out:
            rows = channel_store.delete_expired_terms_txn(out.conn, out.now)
            for channel_id in sorted({r.channel_id for r in rows}):
                channel_store.bump_settings_rev_txn(out.conn, channel_id)
        return len(rows)

    def remove_term(self, actor: Actor, channel_id: int, term_id: int) -> None:
        with self.transaction() as out:
            row = channel_store.get_term_txn(out.conn, term_id)
            if row is None or row.channel_id != channel_id:
                raise NotFound(f"no term with id {term_id} in this channel")
            channel, role = self._check_txn(out.conn, actor, channel_id, row.private)
            channel_store.delete_term_txn(out.conn, term_id)
            channel_store.bump_settings_rev_txn(out.conn, channel_id)
            audit.append_txn(
                out.conn,
                channel_id=channel_id,
                actor_id=actor.user_id,
                action="automod.terms.remove",
                created_at=out.now,
                details=_term_details(row),
            )
            term = Term(row.text, kind=row.kind, private=row.private, is_regex=row.is_regex)
            self._announce(out, channel, actor, "remove", [term])

    def import_terms(
        self, actor: Actor, channel_id: int, data: str, fmt: Literal["csv", "json"] | None = None
    ) -> ImportResult:
        """Add every term in a CSV/JSON export; terms already present are skipped. All or nothing:
        one bad row rejects the file (``InputError`` names the line)."""
        if not isinstance(data, str):
            raise InputError("terms data must be text")
        terms = load_terms(data, fmt, regex_budget=regex_budget(self.config))
        with self.transaction() as out:
            channel, _ = self._check_txn(out.conn, actor, channel_id, any(t.private for t in terms))
            existing = self._live_terms_txn(out, channel_id)
            new = [t for t in terms if not any(_same(t, r) for r in existing)]
            self._check_quota(len(existing) + len(new))
            if any(t.is_regex for t in new):
                self._check_set_txn(out.conn, channel_id, new)
            for term in new:
                self._insert_txn(out, channel, actor, term, log=False)
            if new:
                audit.append_txn(
                    out.conn,
                    channel_id=channel_id,
                    actor_id=actor.user_id,
                    action="automod.terms.import",
                    created_at=out.now,
                    details={"added": len(new), "skipped": len(terms) - len(new)},
                )
                self._announce(out, channel, actor, "add", new)
        return ImportResult(added=len(new), skipped=len(terms) - len(new))

    def export_terms(self, actor: Actor, channel_id: int, fmt: Literal["csv", "json"]) -> str:
        """The terms this actor may see, in a format ``import_terms`` reads back."""
        rows = self.list_terms(actor, channel_id)
        terms = [
            Term(r.text, kind=r.kind, private=r.private, is_regex=r.is_regex)  # type: ignore[arg-type]
            for r in rows
        ]
        return dump_terms(terms, fmt)

    # -- helpers -----------------------------------------------------------------------------

    def _check_quota(self, count: int) -> None:
        limit = self.config.max_terms_per_channel
        if count > limit:
            raise InputError(f"a channel can have at most {limit} terms (this would make {count})")

    @staticmethod
    def _live_terms_txn(out: Outbox, channel_id: int) -> list[ChannelTermRow]:
        """The channel's terms after deleting its expired ones (an expired term is gone: the
        same term can be added again, and it no longer counts towards the quota)."""
        channel_store.delete_expired_terms_txn(out.conn, out.now, channel_id)
        return channel_store.list_terms_txn(out.conn, channel_id)

    def _check_set_txn(self, conn: Connection, channel_id: int, new: list[Term]) -> None:
        rows: list[TermFacts] = [*term_rows_txn(conn, channel_id), *new]
        check_term_set(self.config, rows, "this channel's terms with its policy lists")

    def _check_txn(
        self, conn: Connection, actor: Actor, channel_id: int, private: bool
    ) -> tuple[ChannelRow, Role]:
        channel = self.channel_txn(conn, channel_id)
        perm = Permission.MANAGE_PRIVATE_TERMS if private else Permission.MANAGE_TERMS
        return channel, self.require_txn(conn, actor, channel, perm)

    def _insert_txn(
        self,
        out: Outbox,
        channel: ChannelRow,
        actor: Actor,
        term: Term,
        log: bool = True,
        expires_at: datetime | None = None,
    ) -> ChannelTermRow:
        try:
            term_id = channel_store.insert_term_txn(
                out.conn,
                channel_id=channel.id,
                text=term.text,
                kind=term.kind,
                private=term.private,
                is_regex=term.is_regex,
                created_by=actor.user_id,
                created_at=out.now,
                expires_at=expires_at,
            )
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise Conflict(
                    f"the {term.kind} term {term.text!r} is already in the list"
                ) from None
            raise
        channel_store.bump_settings_rev_txn(out.conn, channel.id)
        row = channel_store.get_term_txn(out.conn, term_id)
        assert row is not None
        if log:
            audit.append_txn(
                out.conn,
                channel_id=channel.id,
                actor_id=actor.user_id,
                action="automod.terms.add",
                created_at=out.now,
                details=_term_details(row),
            )
        return row

    def _announce(
        self, out: Outbox, channel: ChannelRow, actor: Actor, verb: str, terms: list[Term]
    ) -> None:
        for kind in ("blocked", "permitted"):
            chosen = [t for t in terms if t.kind == kind]
            if not chosen:
                continue
            out.emit(
                channel,
                events.AUTOMOD_TERMS_UPDATE,
                events.automod_terms_update(
                    channel,
                    moderator_id=actor.user_id,
                    moderator_name=actor.username,
                    action=f"{verb}_{kind}",
                    terms=[t.text for t in chosen if not t.private],
                ),
            )
            detail = events.automod_terms_detail(
                verb, kind, [t.text for t in chosen if not t.private]
            )
            out.moderated(channel, actor, f"{verb}_{kind}_term", detail)


def _at(now: datetime, expires_in_s: int | None) -> datetime | None:
    return None if expires_in_s is None else now + timedelta(seconds=expires_in_s)


def _same(term: Term, row: ChannelTermRow) -> bool:
    if row.kind != term.kind or row.is_regex != term.is_regex:
        return False
    try:
        other = Term(row.text, kind=row.kind, is_regex=row.is_regex)
    except ChatWardenError:
        return row.text == term.text
    return bool(other.key == term.key)


def _term_details(row: ChannelTermRow) -> dict[str, Any]:
    """What the mod log keeps about a term; readers other than the owner get a private term's
    text redacted (``redact.redact``). ``expires_at`` None: never expires."""
    expires_at = row.expires_at
    return {
        "term_id": row.id,
        "kind": row.kind,
        "private": row.private,
        "is_regex": row.is_regex,
        "text": row.text,
        "expires_at": None if expires_at is None else expires_at.isoformat(),
    }
