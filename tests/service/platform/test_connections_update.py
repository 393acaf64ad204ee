"""Updating a stored connection: the owner replaces its credentials (each given one; the others
kept) and the settings that do not change which chat it is, checked as a new one is and sealed
again; the connection keeps its id, status and resume point; the mod log names the fields that
changed and never a secret; nobody else may."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from chatwarden.bus import InProcessBus
from chatwarden.clock import FakeClock
from chatwarden.errors import ConfigError, Forbidden, InputError, NotFound
from chatwarden.model import Model
from chatwarden.service.platform.connections import ConnectionChange, ConnectionSpec, Credentials
from chatwarden.services import Services, build_services
from chatwarden.store.schema import connections, mod_log
from chatwarden.store.secretbox import generate_key
from tests.service.conftest import Cast, make_config

KEY = generate_key()
OLD = "old-token-value-1111"
NEW = "new-token-value-2222"
OPER_PASSWORD = "oper-pass-word-3333"
REFRESH = "refresh-token-value-4444"
CLIENT_SECRET = "client-secret-value-5555"
SECRETS = (OLD, NEW, OPER_PASSWORD, REFRESH, CLIENT_SECRET)
IRC = ConnectionSpec("irc", "irc.example.net:6697", "#alpha", "cwbot", True, "cwbot")
EVENTSUB = ConnectionSpec("twitch", "eventsub", "cool_streamer", "cw_bot", client_id="abc")
DISCORD = ConnectionSpec(
    "discord",
    "1200000000000000001",
    "1250000000000000001",
    "1100000000000000001",
    roles=(("1300000000000000003", "moderator"),),
)


@pytest.fixture
def keyed(
    database_url: str, clock: FakeClock, bus: InProcessBus, model: Model, cast: Cast
) -> Iterator[Services]:
    config = make_config(database_url, connector_keys=KEY)
    svc = build_services(config, clock=clock, bus=bus, model=model, migrate=False)
    try:
        yield svc
    finally:
        svc.close()


def raw(services: Services) -> str:
    with services.db.read() as conn:
        rows = conn.execute(sa.select(connections)).mappings().all()
        details = conn.execute(sa.select(mod_log.c.details)).scalars().all()
    return str([dict(r) for r in rows]) + json.dumps(details)


def updates(services: Services) -> list[dict[str, object]]:
    with services.db.read() as conn:
        query = sa.select(mod_log.c.details).where(mod_log.c.action == "connection.update")
        return list(conn.execute(query.order_by(mod_log.c.id)).scalars())


def test_the_owner_replaces_a_token_and_the_connection_keeps_its_id_status_and_cursor(
    keyed: Services, cast: Cast, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    made = keyed.connections.add(cast.olivia, cast.channel.id, IRC, Credentials(OLD, "x"))
    keyed.connections.report_status(made.id, "error", last_error="464 Password incorrect")
    keyed.connections.report_cursor(made.id, "s72594_4483")

    done, changed = keyed.connections.update(
        cast.olivia, made.id, ConnectionChange(), Credentials(NEW), channel_id=cast.channel.id
    )
    assert changed == ["credential"]
    assert (done.id, done.status, done.last_error) == (made.id, "error", "464 Password incorrect")
    assert done.options == {"tls": True, "oper": "cwbot", "cursor": "s72594_4483"}
    opened = keyed.connections.runnable(made.id).credentials
    assert (opened.secret, opened.oper_password) == (NEW, "x")  # the other one kept

    keyed.connections.update(
        cast.olivia, made.id, ConnectionChange(tls=False), Credentials(oper_password=OPER_PASSWORD)
    )
    assert keyed.connections.get(made.id).options["tls"] is False
    assert keyed.connections.runnable(made.id).credentials.oper_password == OPER_PASSWORD
    logged = updates(keyed)
    assert [d["changed"] for d in logged] == [["credential"], ["oper_password", "tls"]]
    assert logged[0]["connection_id"] == made.id and logged[0]["via"] == "api"
    shown = raw(keyed) + "\n".join(r.getMessage() for r in caplog.records)
    for secret in SECRETS:
        assert secret not in shown


def test_a_twitch_eventsub_connection_takes_new_tokens_and_settings(
    keyed: Services, cast: Cast
) -> None:
    made = keyed.connections.add(cast.olivia, cast.channel.id, EVENTSUB, Credentials(OLD))
    assert made.options["token_refresh"] is False
    done, changed = keyed.connections.update(
        cast.olivia,
        made.id,
        ConnectionChange(automod=True, client_id="def"),
        Credentials(f"oauth:{NEW}", None, REFRESH, CLIENT_SECRET),
    )
    assert changed == [
        "credential",
        "refresh_token",
        "client_secret",
        "automod",
        "client_id",
        "token_refresh",
    ]
    assert done.options == {
        "tls": True,
        "client_id": "def",
        "automod": True,
        "token_refresh": True,
    }
    opened = keyed.connections.runnable(made.id).credentials
    assert (opened.secret, opened.refresh_token, opened.client_secret) == (
        NEW,  # the IRC form's prefix taken off, as add does
        REFRESH,
        CLIENT_SECRET,
    )
    # a new refresh token alone keeps the stored client secret
    keyed.connections.update(
        cast.olivia, made.id, ConnectionChange(), Credentials(None, None, "r2")
    )
    opened = keyed.connections.runnable(made.id).credentials
    assert (opened.refresh_token, opened.client_secret) == ("r2", CLIENT_SECRET)


def test_a_token_refresh_stored_while_an_update_runs_is_kept(keyed: Services, cast: Cast) -> None:
    """A running Twitch connector stores refreshed tokens (``store_tokens``) just after the
    update read the stored credentials: the update neither overwrites them with the tokens it
    read, nor does the refresh undo the update's new client secret (the two queue)."""
    made = keyed.connections.add(
        cast.olivia, cast.channel.id, EVENTSUB, Credentials(OLD, None, REFRESH, CLIENT_SECRET)
    )
    main, refresher, errors = threading.get_ident(), [], []

    def refresh() -> None:
        try:
            keyed.connections.store_tokens(made.id, "access-2", "refresh-2")
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    def after_select(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        # the update's first read of the connection: the connector refreshes now, on its own
        # thread and connection, while the update goes on (it waits for the update's lock)
        if threading.get_ident() == main and not refresher and "FROM connections" in statement:
            refresher.append(threading.Thread(target=refresh))
            refresher[0].start()
            refresher[0].join(timeout=1)

    sa.event.listen(keyed.db.engine, "after_cursor_execute", after_select)
    try:
        keyed.connections.update(
            cast.olivia, made.id, ConnectionChange(automod=True), Credentials(None, None, None, NEW)
        )
    finally:
        sa.event.remove(keyed.db.engine, "after_cursor_execute", after_select)
    refresher[0].join(timeout=15)
    assert not refresher[0].is_alive() and errors == []
    opened = keyed.connections.runnable(made.id).credentials
    assert (opened.secret, opened.refresh_token, opened.client_secret) == (
        "access-2",
        "refresh-2",
        NEW,
    )
    assert keyed.connections.get(made.id).options["automod"] is True


def test_a_discord_connection_takes_a_new_role_map_and_warn_mode(
    keyed: Services, cast: Cast
) -> None:
    made = keyed.connections.add(cast.olivia, cast.channel.id, DISCORD, Credentials(OLD))
    change = ConnectionChange(roles=(("1300000000000000004", "vip"),), warn="reply")
    done, changed = keyed.connections.update(cast.olivia, made.id, change, Credentials())
    assert changed == ["roles", "warn"]
    assert done.options == {"tls": True, "roles": {"1300000000000000004": "vip"}, "warn": "reply"}
    assert keyed.connections.runnable(made.id).credentials.secret == OLD


@pytest.mark.parametrize(
    ("spec", "change", "creds", "message"),
    [
        (IRC, ConnectionChange(), Credentials(), "nothing to change"),
        (IRC, ConnectionChange(), Credentials("x\n"), "credential must be at most"),
        (IRC, ConnectionChange(automod=True), Credentials(), "EventSub connections only"),
        (IRC, ConnectionChange(warn="reply"), Credentials(), "roles and warn are for Discord"),
        (IRC, ConnectionChange(), Credentials(None, None, REFRESH), "EventSub connections only"),
        (EVENTSUB, ConnectionChange(tls=False), Credentials(), "tls is for IRC"),
        (EVENTSUB, ConnectionChange(), Credentials(None, None, REFRESH), "go together"),
        (EVENTSUB, ConnectionChange(oper="op"), Credentials(), "plain IRC only"),
        (EVENTSUB, ConnectionChange(client_id=" "), Credentials(), "client_id is required"),
        (DISCORD, ConnectionChange(roles=(("13", "owner"),)), Credentials(), "roles: '13'"),
        (DISCORD, ConnectionChange(warn="shout"), Credentials(), "warn must be"),
        (DISCORD, ConnectionChange(), Credentials("Bot  "), "credential is empty"),
    ],
)
def test_a_refused_update_says_what_is_wrong_and_changes_nothing(
    keyed: Services,
    cast: Cast,
    spec: ConnectionSpec,
    change: ConnectionChange,
    creds: Credentials,
    message: str,
) -> None:
    stored = Credentials(OLD, "x" if spec.oper else None)
    made = keyed.connections.add(cast.olivia, cast.channel.id, spec, stored)
    before = raw(keyed)
    with pytest.raises(InputError, match=message) as caught:
        keyed.connections.update(cast.olivia, made.id, change, creds)
    assert OLD not in caught.value.message and REFRESH not in caught.value.message
    assert raw(keyed) == before


def test_only_the_owner_updates_and_only_under_its_own_channel(keyed: Services, cast: Cast) -> None:
    made = keyed.connections.add(cast.olivia, cast.channel.id, IRC, Credentials(OLD, "x"))
    for who in (cast.lena, cast.mike, cast.vera, cast.bob):
        with pytest.raises(Forbidden):
            keyed.connections.update(who, made.id, ConnectionChange(), Credentials(NEW))
    with pytest.raises(NotFound):
        keyed.connections.update(
            cast.bob, made.id, ConnectionChange(), Credentials(NEW), channel_id=cast.other.id
        )
    with pytest.raises(NotFound):
        keyed.connections.update(cast.olivia, made.id + 99, ConnectionChange(), Credentials(NEW))
    assert keyed.connections.runnable(made.id).credentials.secret == OLD
    assert updates(keyed) == []


def test_without_a_key_a_sealed_connection_cannot_be_updated(
    services: Services, keyed: Services, cast: Cast
) -> None:
    made = keyed.connections.add(cast.olivia, cast.channel.id, IRC, Credentials(OLD, "x"))
    with pytest.raises(ConfigError, match="no connector key is configured"):
        services.connections.update(cast.olivia, made.id, ConnectionChange(), Credentials(NEW))
    assert keyed.connections.runnable(made.id).credentials.secret == OLD
