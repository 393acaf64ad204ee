"""Subscribable policy lists: blocked terms a community curates, with import and export.

A list belongs to the channel whose leads curate it. Any channel's leads can subscribe; the
list's terms then block in that channel as if they were its own (public) blocked terms, and
updates reach every subscriber (their AutoMod engines are rebuilt). Anyone may read and
export a list.

A list's regex terms count in every subscriber's regex budget: creating or re-importing a list
checks it alone and with each subscriber's own terms and other lists, and subscribing checks
the channel's set with the list's; anything that would not compile together is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError

from chatwarden.errors import Conflict, InputError, NotFound
from chatwarden.pipeline.terms import RegexBudget, Term, dump_terms, load_terms
from chatwarden.service.base import Outbox, ServiceBase, clean_text
from chatwarden.service.detection.settings import announce_txn
from chatwarden.service.moderation.automod_settings import (
    check_term_set,
    regex_budget,
    term_rows_txn,
)
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, _ToDict
from chatwarden.settings import TermSpec
from chatwarden.store import channels as channel_store
from chatwarden.store import policy_lists as store
from chatwarden.store.channels import ChannelRow
from chatwarden.store.engine import is_unique_violation
from chatwarden.store.policy_lists import PolicyListRow

MAX_LIST_TERMS = 5000
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
Fmt = Literal["csv", "json"]


@dataclass(frozen=True, slots=True)
class PolicyList(_ToDict):
    id: int
    name: str
    description: str
    channel_id: int  # the curating channel
    channel_name: str
    terms: int
    created_at: datetime
    updated_at: datetime


def _to_list(row: PolicyListRow, terms: int) -> PolicyList:
    return PolicyList(
        id=row.id,
        name=row.name,
        description=row.description,
        channel_id=row.channel_id,
        channel_name=row.channel_name,
        terms=terms,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def parse_terms(
    data: str, fmt: Fmt | None, budget: RegexBudget | None = None
) -> list[tuple[str, bool]]:
    """Blocked terms from a CSV/JSON terms export (``load_terms``' formats) or from a list
    export ``{"name", "description", "terms": [...]}``; permitted terms are refused."""
    if not isinstance(data, str):
        raise InputError("terms data must be text")
    text = data.strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise InputError(f"not valid JSON: {exc}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("terms"), list):
            raise InputError('a list export is an object with a "terms" array')
        text, fmt = json.dumps(doc["terms"]), "json"
    terms = load_terms(text, fmt, regex_budget=budget)
    if any(t.kind != "blocked" for t in terms):
        raise InputError("policy lists hold blocked terms only")
    if len(terms) > MAX_LIST_TERMS:
        raise InputError(f"a policy list can have at most {MAX_LIST_TERMS} terms")
    return [(t.text, t.is_regex) for t in terms]


def _rows(terms: list[tuple[str, bool]]) -> list[TermSpec]:
    return [TermSpec(text=text, is_regex=is_regex) for text, is_regex in terms]


class PolicyListService(ServiceBase):
    # -- reading (anyone) ---------------------------------------------------------------------

    def list_all(self) -> list[PolicyList]:
        with self.db.read() as conn:
            counts = store.term_counts_txn(conn)
            return [_to_list(r, counts.get(r.id, 0)) for r in store.all_lists_txn(conn)]

    def get(self, list_id: int) -> PolicyList:
        with self.db.read() as conn:
            row = self._row(conn, list_id)
            return _to_list(row, len(store.list_terms_txn(conn, list_id)))

    def export(self, list_id: int, fmt: Fmt | Literal["list"] = "list") -> str:
        """``list``: ``{"name", "description", "terms"}`` JSON (what ``create``/``import`` read);
        ``csv``/``json``: the channel-terms formats."""
        with self.db.read() as conn:
            row = self._row(conn, list_id)
            terms = [
                Term(r.text, kind="blocked", is_regex=r.is_regex)
                for r in store.list_terms_txn(conn, list_id)
            ]
        if fmt == "list":
            body = json.loads(dump_terms(terms, "json")) if terms else []
            doc = {"name": row.name, "description": row.description, "terms": body}
            return json.dumps(doc, ensure_ascii=False, indent=1)
        return dump_terms(terms, fmt)

    # -- curating (the curating channel's leads) -------------------------------------------------

    def create(
        self,
        actor: Actor,
        channel_id: int,
        name: str,
        description: str = "",
        data: str | None = None,
        fmt: Fmt | None = None,
    ) -> PolicyList:
        name = str(name).strip().lower()
        if not _NAME.match(name):
            raise InputError("name must be 2-64 characters: a-z, 0-9, '_' or '-'")
        description = clean_text(description, "description", 1000)
        terms = parse_terms(data, fmt, regex_budget(self.config)) if data else []
        check_term_set(self.config, _rows(terms), f"policy list {name!r}")
        try:
            with self.transaction() as out:
                channel = self.channel_txn(out.conn, channel_id)
                self.require_txn(out.conn, actor, channel, Permission.MANAGE_POLICY_LISTS)
                list_id = store.insert_list_txn(
                    out.conn,
                    name=name,
                    description=description,
                    channel_id=channel_id,
                    now=out.now,
                )
                store.replace_terms_txn(out.conn, list_id, terms)
                announce_txn(
                    out,
                    channel,
                    actor,
                    "policy_lists",
                    "policy_list.create",
                    {"list": name, "terms": len(terms)},
                )
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise Conflict(f"a policy list named {name!r} exists") from None
            raise
        return self.get(list_id)

    def import_terms(
        self, actor: Actor, list_id: int, data: str, fmt: Fmt | None = None
    ) -> PolicyList:
        """Replace the list's terms (all or nothing); subscribers get the new terms at once."""
        terms = parse_terms(data, fmt, regex_budget(self.config))
        with self.transaction() as out:
            row, channel = self._curate_txn(out, actor, list_id)
            before = len(store.list_terms_txn(out.conn, list_id))
            check_term_set(self.config, _rows(terms), f"policy list {row.name!r}")
            store.replace_terms_txn(out.conn, list_id, terms)
            for cid in store.subscribers_txn(out.conn, list_id):  # the new terms, as they will be
                name = self.channel_txn(out.conn, cid).name
                check_term_set(
                    self.config,
                    term_rows_txn(out.conn, cid),
                    f"subscribing channel {name!r} with the new terms",
                )
            store.touch_list_txn(out.conn, list_id, out.now)
            self._refresh_subscribers_txn(out, list_id)
            announce_txn(
                out,
                channel,
                actor,
                "policy_lists",
                "policy_list.import",
                {"list": row.name, "terms_before": before, "terms_after": len(terms)},
            )
        return self.get(list_id)

    def delete(self, actor: Actor, list_id: int) -> None:
        with self.transaction() as out:
            row, channel = self._curate_txn(out, actor, list_id)
            self._refresh_subscribers_txn(out, list_id)
            store.delete_list_txn(out.conn, list_id)
            announce_txn(
                out, channel, actor, "policy_lists", "policy_list.delete", {"list": row.name}
            )

    # -- subscribing (any channel's leads) ------------------------------------------------------

    def subscriptions(self, actor: Actor, channel_id: int) -> list[PolicyList]:
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_DETECTION)
            ids = set(store.subscribed_list_ids_txn(conn, channel_id))
            counts = store.term_counts_txn(conn)
            rows = [r for r in store.all_lists_txn(conn) if r.id in ids]
        return [_to_list(r, counts.get(r.id, 0)) for r in rows]

    def subscribe(self, actor: Actor, channel_id: int, list_id: int) -> PolicyList:
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            self.require_txn(out.conn, actor, channel, Permission.MANAGE_POLICY_LISTS)
            row = self._row(out.conn, list_id)
            if not store.subscribe_txn(out.conn, channel_id, list_id, actor.user_id, out.now):
                raise Conflict(f"already subscribed to {row.name!r}")
            check_term_set(  # rolled back with the subscription when over the budget
                self.config,
                term_rows_txn(out.conn, channel_id),
                f"this channel's terms with policy list {row.name!r}",
            )
            channel_store.bump_settings_rev_txn(out.conn, channel_id)
            announce_txn(
                out, channel, actor, "policy_lists", "policy_list.subscribe", {"list": row.name}
            )
        return self.get(list_id)

    def unsubscribe(self, actor: Actor, channel_id: int, list_id: int) -> None:
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            self.require_txn(out.conn, actor, channel, Permission.MANAGE_POLICY_LISTS)
            row = self._row(out.conn, list_id)
            if not store.unsubscribe_txn(out.conn, channel_id, list_id):
                raise NotFound(f"not subscribed to {row.name!r}")
            channel_store.bump_settings_rev_txn(out.conn, channel_id)
            announce_txn(
                out,
                channel,
                actor,
                "policy_lists",
                "policy_list.unsubscribe",
                {"list": row.name},
            )

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _row(conn: Any, list_id: int) -> PolicyListRow:
        row = store.get_list_txn(conn, list_id)
        if row is None:
            raise NotFound(f"no policy list with id {list_id}")
        return row

    def _curate_txn(
        self, out: Outbox, actor: Actor, list_id: int
    ) -> tuple[PolicyListRow, ChannelRow]:
        row = self._row(out.conn, list_id)
        channel = self.channel_txn(out.conn, row.channel_id)
        self.require_txn(out.conn, actor, channel, Permission.MANAGE_POLICY_LISTS)
        return row, channel

    @staticmethod
    def _refresh_subscribers_txn(out: Outbox, list_id: int) -> None:
        for cid in store.subscribers_txn(out.conn, list_id):
            channel_store.bump_settings_rev_txn(out.conn, cid)
