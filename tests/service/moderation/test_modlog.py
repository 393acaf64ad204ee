"""The mod log's search through the service: names resolved, automatic entries, real entries
written by the other services, permissions, and no way to guess a private term by searching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chatwarden.clock import FakeClock
from chatwarden.errors import Forbidden, InputError
from chatwarden.service.moderation import modlog
from chatwarden.service.moderation.modlog import ModLogQuery
from chatwarden.services import Services
from tests.service.conftest import Cast


def _actions(services: Services, cast: Cast, **query: Any) -> list[str]:
    found = services.modlog.search(cast.lena, cast.channel.id, ModLogQuery(**query))
    return [e.action for e in found]


def test_search_by_names_types_text_and_dates(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid, victor, mallory = cast.channel.id, cast.victor.user_id, cast.mallory.user_id
    start = clock.now()
    services.actions.warn(cast.mike, cid, victor, "caps, 50% of the line")
    services.actions.timeout(cast.lena, cid, mallory, 600, "spam")
    services.usercard.add_note(cast.mike, cid, mallory, "alt of a banned user")
    clock.advance(86400)
    services.shield.activate(cast.lena, cid, "raid")
    services.suspicious.flag(cast.mike, cid, mallory, "monitored", "ban evasion?")
    services.actions.ban(cast.mike, cid, mallory, "spam again")
    every = _actions(services, cast, limit=1000)
    assert every[:6] == ["ban", "suspicious.monitored", "shield.on", "note.add", "timeout", "warn"]
    assert _actions(services, cast, moderator="MIKE") == [  # usernames in any case
        "ban",
        "suspicious.monitored",
        "note.add",
        "warn",
    ]
    assert _actions(services, cast, user="mallory", moderator="mike") == [
        "ban",
        "suspicious.monitored",
        "note.add",
    ]
    assert _actions(services, cast, user="mallory", text="SPAM") == ["ban", "timeout"]
    assert _actions(services, cast, text="50%") == ["warn"]
    assert _actions(services, cast, text="  ") == every  # blank text: no filter
    assert _actions(services, cast, actions=("shield.*", "suspicious.*")) == [
        "suspicious.monitored",
        "shield.on",
    ]
    day = ModLogQuery(since=start, until=start + timedelta(hours=1), user="mallory")
    assert [e.action for e in services.modlog.search(cast.mike, cid, day)] == [
        "note.add",
        "timeout",
    ]
    assert _actions(services, cast, moderator="nobody_here") == []  # unknown name: nothing
    assert _actions(services, cast, user="nobody_here") == []
    before = services.modlog.search(cast.lena, cid, ModLogQuery(limit=2))
    older = services.modlog.search(cast.lena, cid, ModLogQuery(limit=2, before_id=before[-1].id))
    assert [e.action for e in older] == ["shield.on", "note.add"]


def test_automatic_entries_have_no_moderator(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    held = services.chat.send_message(
        cast.victor, cid, "you are a worthless idiot and everyone hates you"
    )
    assert held.status == "held"
    services.actions.warn(cast.mike, cid, cast.victor.user_id, "be nice")
    auto = services.modlog.search(cast.lena, cid, ModLogQuery(automatic=True))
    assert [(e.action, e.actor_name) for e in auto] == [("automod.hold", None)]
    assert "automod.hold" not in _actions(services, cast, automatic=False)
    assert _actions(services, cast, actions=("automod.*",), user="victor") == ["automod.hold"]
    with pytest.raises(InputError, match="no moderator"):
        _actions(services, cast, automatic=True, moderator="mike")


@pytest.mark.parametrize("batch", [100, 1])  # 1: one row per round, the hidden one first
def test_a_private_term_cannot_be_found_by_those_who_may_not_read_it(
    services: Services, cast: Cast, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(modlog, "RECHECK_BATCH", batch)
    cid = cast.channel.id
    services.automod.add_term(cast.olivia, cid, "catfish")
    services.automod.add_term(cast.olivia, cid, "zebrafish", private=True)  # the newest
    owner = services.modlog.search(cast.olivia, cid, ModLogQuery(text="zebrafish"))
    assert [(e.action, e.details["text"]) for e in owner] == [("automod.terms.add", "zebrafish")]
    for reader in (cast.lena, cast.mike):  # the text is in the database, not in what they see
        assert services.modlog.search(reader, cid, ModLogQuery(text="zebrafish")) == []
        [public] = services.modlog.search(reader, cid, ModLogQuery(text="catfish"))
        assert public.details["text"] == "catfish"
        # a page whose rows are all hidden matches is still followed by the visible ones
        found = services.modlog.search(reader, cid, ModLogQuery(text="fish", limit=1))
        assert [e.details["text"] for e in found] == ["catfish"]


def test_viewers_and_vips_may_not_search(services: Services, cast: Cast) -> None:
    for reader in (cast.vera, cast.victor, cast.bob):
        with pytest.raises(Forbidden):
            services.modlog.search(reader, cast.channel.id, ModLogQuery())


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        (ModLogQuery(limit=0), "limit"),
        (ModLogQuery(limit=1001), "limit"),
        (ModLogQuery(actions=("BAN; drop",)), "not an action name"),
        (ModLogQuery(actions=("a" * 41,)), "not an action name"),
        (ModLogQuery(text="x" * 201), "longer than"),
        (ModLogQuery(before_id=0), "before_id"),
    ],
)
def test_bad_queries_are_refused(query: ModLogQuery, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        query.checked()


def test_dates_without_a_zone_are_utc_and_must_be_in_order() -> None:
    naive = datetime(2026, 12, 1)
    assert ModLogQuery(since=naive).checked().since == naive.replace(tzinfo=UTC)
    with pytest.raises(InputError, match="before"):
        ModLogQuery(since=naive, until=naive).checked()
