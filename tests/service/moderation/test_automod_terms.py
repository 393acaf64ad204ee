"""Blocked and permitted terms (service/moderation/automod_settings.py): expiring terms stop
applying at their expiry by the injected clock, and several terms are added at once with each
bad line reported. Runs on SQLite and PostgreSQL (``database_url``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatwarden.clock import FakeClock
from chatwarden.errors import Forbidden, InputError
from chatwarden.services import Services
from chatwarden.store import channels as channel_store
from tests.service.conftest import Cast

HOUR = 3600


def _send(services: Services, cast: Cast, text: str, key: str) -> str:
    return services.chat.send_message(cast.victor, cast.channel.id, text, key).status


def test_expiring_term_applies_before_and_not_after(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    term = services.automod.add_term(cast.mike, cid, "fleetingword", expires_in_s=HOUR)
    assert term.expires_at == clock.now() + timedelta(seconds=HOUR)
    assert services.automod.list_terms(cast.mike, cid)[0].expires_at == term.expires_at
    assert _send(services, cast, "a fleetingword here", "k1") == "blocked"
    clock.advance(HOUR - 1)
    assert _send(services, cast, "a fleetingword here", "k2") == "blocked"
    clock.advance(1)  # at its expiry: gone, with no purge run and no settings change
    assert _send(services, cast, "a fleetingword here", "k3") == "delivered"
    assert services.automod.list_terms(cast.mike, cid) == []
    # still stored until the tick purges it (a new settings revision: every cache drops it)
    with services.db.read() as conn:
        assert len(channel_store.list_terms_txn(conn, cid)) == 1
        rev = services.chat.channel_txn(conn, cid).settings_rev
    services.tick()
    with services.db.read() as conn:
        assert channel_store.list_terms_txn(conn, cid) == []
        assert services.chat.channel_txn(conn, cid).settings_rev == rev + 1
    assert services.automod.purge_expired_terms() == 0


def test_permanent_term_outlives_an_expiring_one(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    services.automod.add_term(cast.mike, cid, "dayword", expires_in_s=86400)
    forever = services.automod.add_term(cast.mike, cid, "foreverword")
    assert forever.expires_at is None
    clock.advance(86400 * 40)
    services.tick()
    assert [t.text for t in services.automod.list_terms(cast.mike, cid)] == ["foreverword"]
    assert _send(services, cast, "dayword foreverword", "k1") == "blocked"
    assert _send(services, cast, "dayword", "k2") == "delivered"


def test_expired_term_can_be_added_again(services: Services, cast: Cast, clock: FakeClock) -> None:
    cid = cast.channel.id
    services.automod.add_term(cast.mike, cid, "againword", expires_in_s=60)
    clock.advance(60)
    again = services.automod.add_term(cast.mike, cid, "againword")  # no duplicate error
    assert again.expires_at is None
    assert _send(services, cast, "againword", "k1") == "blocked"


def test_expiry_is_in_the_mod_log_and_bounded(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    term = services.automod.add_term(cast.mike, cid, "loggedword", expires_in_s=7 * 86400)
    [entry] = services.modlog.list_entries(cast.mike, cid, action="automod.terms.add")
    assert term.expires_at is not None
    assert entry.details["expires_at"] == term.expires_at.isoformat()
    for bad in (0, 59, 30 * 86400 + 1, True, "3600"):
        with pytest.raises(InputError, match="expires_in_s must be 60-2592000"):
            services.automod.add_term(cast.mike, cid, "badexpiry", expires_in_s=bad)  # type: ignore[arg-type]


def test_add_several_reports_each_bad_line(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    services.automod.add_term(cast.mike, cid, "already")
    result = services.automod.add_terms(
        cast.mike,
        cid,
        ["first", "already", "x", "second", "FIRST", "  third  "],
        expires_in_s=86400,
    )
    assert [t.text for t in result.added] == ["first", "second", "third"]
    assert all(t.expires_at == clock.now() + timedelta(days=1) for t in result.added)
    assert [(e.line, e.text) for e in result.errors] == [(2, "already"), (3, "x"), (5, "FIRST")]
    assert "already in the list" in result.errors[0].error
    assert "2 to 500 characters" in result.errors[1].error
    assert result.errors[2].error == "the same term as line 1"
    assert _send(services, cast, "second", "k1") == "blocked"
    entries = services.modlog.list_entries(cast.mike, cid, action="automod.terms.add")
    assert sorted(e.details["text"] for e in entries) == ["already", "first", "second", "third"]


def test_add_several_regex_lines(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    result = services.automod.add_terms(
        cast.mike, cid, [r"sp[a4]m+", "(unclosed", r"b[o0]t\d+"], is_regex=True
    )
    assert [t.text for t in result.added] == [r"sp[a4]m+", r"b[o0]t\d+"]
    [error] = result.errors
    assert error.line == 2 and error.text == "(unclosed"
    assert _send(services, cast, "bot42 here", "k1") == "blocked"


def test_add_several_checks_permissions_and_limits(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    with pytest.raises(Forbidden):
        services.automod.add_terms(cast.victor, cid, ["viewerterm"])
    with pytest.raises(Forbidden):  # private terms: the owner only
        services.automod.add_terms(cast.mike, cid, ["hiddenword"], private=True)
    with pytest.raises(InputError, match="at least one term"):
        services.automod.add_terms(cast.mike, cid, [])
    with pytest.raises(InputError, match="at most 500 terms"):
        services.automod.add_terms(cast.mike, cid, [f"word{i}" for i in range(501)])
    assert services.automod.list_terms(cast.olivia, cid) == []
