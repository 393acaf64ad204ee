"""Connections: only the owner adds, lists and removes them; the credential is stored sealed
(the raw column holds no plaintext) and opens only for the runner, with the configured key;
every change is in the mod log, without the secret."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from chatwarden.bus import InProcessBus
from chatwarden.clock import FakeClock
from chatwarden.errors import ConfigError, Forbidden, InputError, NotFound
from chatwarden.model import Model
from chatwarden.service.platform.connections import ConnectionSpec, Credentials
from chatwarden.services import Services, build_services
from chatwarden.store.schema import connections, mod_log
from chatwarden.store.secretbox import SecretBoxError, generate_key
from tests.service.conftest import Cast, make_config

SECRET = "oauth:s3cr3t-token-value"
OPER_PASSWORD = "oper-pass-word"
KEY = generate_key()
SPEC = ConnectionSpec("irc", "irc.example.net:6697", "#alpha", "cwbot", True, "cwbot")
CREDS = Credentials(SECRET, OPER_PASSWORD)


def keyed_services(
    database_url: str, clock: FakeClock, bus: InProcessBus, model: Model, *keys: str
) -> Services:
    config = make_config(database_url, connector_keys=",".join(keys))
    return build_services(config, clock=clock, bus=bus, model=model, migrate=False)


@pytest.fixture
def keyed(
    database_url: str, clock: FakeClock, bus: InProcessBus, model: Model, cast: Cast
) -> Iterator[Services]:
    """The same database as ``services``/``cast``, with a connector key configured."""
    svc = keyed_services(database_url, clock, bus, model, KEY)
    try:
        yield svc
    finally:
        svc.close()


def raw_rows(services: Services) -> list[dict[str, object]]:
    with services.db.read() as conn:
        return [dict(r) for r in conn.execute(sa.select(connections)).mappings()]


def test_the_owner_adds_one_sealed_and_the_runner_opens_it(
    keyed: Services, cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    made = keyed.connections.add(cast.olivia, cast.channel.id, SPEC, CREDS)
    where = (made.platform, made.target, made.room, made.account)
    assert where == ("irc", "irc.example.net:6697", "#alpha", "cwbot")
    assert made.has_credential and made.status == "disconnected"
    assert made.options == {"tls": True, "oper": "cwbot"}
    shown = json.dumps(made.to_dict()) + repr(made) + repr(CREDS)
    assert SECRET not in shown and OPER_PASSWORD not in shown

    (row,) = raw_rows(keyed)
    raw = str(row["credential"])
    assert SECRET not in raw and OPER_PASSWORD not in raw and "s3cr3t" not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token

    opened = keyed.connections.runnable(made.id)
    assert opened.channel_name == "alpha"
    assert opened.credentials.secret == SECRET
    assert opened.credentials.oper_password == OPER_PASSWORD
    assert SECRET not in repr(opened)

    with keyed.db.read() as conn:
        entry = conn.execute(sa.select(mod_log).where(mod_log.c.action == "connection.add")).one()
    assert entry.actor_id == cast.olivia.user_id
    assert entry.details["connection_id"] == made.id and entry.details["via"] == "api"
    assert SECRET not in json.dumps(entry.details)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET not in logged and OPER_PASSWORD not in logged


def test_without_a_key_adding_a_credential_fails_and_stores_nothing(
    services: Services, cast: Cast
) -> None:
    with pytest.raises(ConfigError, match="no connector key is configured"):
        services.connections.add(cast.olivia, cast.channel.id, SPEC, CREDS)
    assert raw_rows(services) == []
    # nothing secret to store: allowed, and the column stays NULL
    plain = ConnectionSpec("irc", "irc.example.net", "#alpha", "cwbot")
    made = services.connections.add(cast.olivia, cast.channel.id, plain, Credentials())
    assert made.target == "irc.example.net:6667" and not made.has_credential
    assert raw_rows(services)[0]["credential"] is None


def test_a_wrong_key_is_refused_and_rekey_moves_to_the_new_one(
    database_url: str,
    clock: FakeClock,
    bus: InProcessBus,
    model: Model,
    keyed: Services,
    cast: Cast,
) -> None:
    made = keyed.connections.add(cast.olivia, cast.channel.id, SPEC, CREDS)
    new = generate_key()
    only_new = keyed_services(database_url, clock, bus, model, new)
    both = keyed_services(database_url, clock, bus, model, new, KEY)
    try:
        with pytest.raises(SecretBoxError) as caught:
            only_new.connections.runnable(made.id)
        assert KEY not in caught.value.message and new not in caught.value.message
        assert both.connections.rekey() == 1
        assert only_new.connections.runnable(made.id).credentials.secret == SECRET
        with pytest.raises(SecretBoxError):
            keyed.connections.runnable(made.id)
    finally:
        only_new.close()
        both.close()


def test_only_the_owner_manages_connections(keyed: Services, cast: Cast) -> None:
    made = keyed.connections.add(cast.olivia, cast.channel.id, SPEC, CREDS)
    for who in (cast.lena, cast.mike, cast.vera, cast.bob):
        with pytest.raises(Forbidden):
            keyed.connections.add(who, cast.channel.id, SPEC, CREDS)
        with pytest.raises(Forbidden):
            keyed.connections.list_connections(who, cast.channel.id)
        with pytest.raises(Forbidden):
            keyed.connections.remove(who, made.id)
    assert [c.id for c in keyed.connections.list_connections(cast.olivia, cast.channel.id)] == [
        made.id
    ]
    assert [c.id for c in keyed.connections.list_connections(cast.ada, cast.channel.id)] == [
        made.id
    ]  # a site admin may
    with pytest.raises(NotFound):  # named under another channel
        keyed.connections.remove(cast.olivia, made.id, channel_id=cast.other.id)
    keyed.connections.remove(cast.olivia, made.id)
    assert raw_rows(keyed) == []
    with keyed.db.read() as conn:
        actions = conn.execute(sa.select(mod_log.c.action).order_by(mod_log.c.id)).scalars()
        assert [a for a in actions if a.startswith("connection.")] == [
            "connection.add",
            "connection.remove",
        ]


@pytest.mark.parametrize(
    ("spec", "creds", "message"),
    [
        (ConnectionSpec("slack", "x", "#a", "b"), Credentials(), "platform must be one of"),
        (ConnectionSpec("irc", "h:99999", "#a", "b"), Credentials(), "HOST:PORT"),
        (ConnectionSpec("irc", "h:6667", "alpha", "b"), Credentials(), "starts with '#'"),
        (ConnectionSpec("irc", "h:6667", "#a", "b", oper="o"), Credentials(), "go together"),
        (ConnectionSpec("irc", "h:6667", "#a", "two words"), Credentials(), "no spaces"),
        (ConnectionSpec("twitch", "", "#a", "bot"), Credentials(), "needs its bot's token"),
        (ConnectionSpec("irc", "h", "#a", "b"), Credentials("x\n"), "printable"),
    ],
)
def test_bad_specs_say_what_is_wrong_without_the_secret(
    keyed: Services, cast: Cast, spec: ConnectionSpec, creds: Credentials, message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        keyed.connections.add(cast.olivia, cast.channel.id, spec, creds)
    assert SECRET not in caught.value.message
    assert raw_rows(keyed) == []


def test_twitch_defaults_and_status_reports(keyed: Services, cast: Cast, clock: FakeClock) -> None:
    spec = ConnectionSpec("twitch", "", "#Streamer", "MyBot")
    made = keyed.connections.add(cast.olivia, cast.channel.id, spec, Credentials(SECRET))
    assert (made.target, made.room, made.account) == (
        "irc.chat.twitch.tv:6697",
        "#streamer",
        "mybot",
    )
    assert made.options == {"tls": True}
    seen = clock.now()
    keyed.connections.report_status(made.id, "error", last_error="Connection refused")
    keyed.connections.report_status(made.id, "connected", last_message_at=seen)
    now = keyed.connections.get(made.id)
    assert (now.status, now.last_message_at, now.last_error) == (
        "connected",
        seen,
        "Connection refused",
    )
    with pytest.raises(InputError):
        keyed.connections.report_status(made.id, "sleeping")
    assert now.status_at == clock.now()
    assert keyed.connections.report_status(made.id + 1000, "connected") is False  # removed


def test_a_twitch_eventsub_connection_keeps_its_client_id_and_seals_the_token(
    keyed: Services, cast: Cast
) -> None:
    spec = ConnectionSpec("twitch", "EventSub", "#Cool_Streamer", "CW_Bot", client_id="abc123")
    made = keyed.connections.add(cast.olivia, cast.channel.id, spec, Credentials(SECRET))
    assert (made.target, made.room, made.account) == ("eventsub", "cool_streamer", "cw_bot")
    assert made.options == {
        "tls": True,
        "client_id": "abc123",
        "automod": False,
        "token_refresh": False,
    }
    assert SECRET not in str(raw_rows(keyed))
    # the token given in its IRC form ('oauth:...') is the same token
    assert keyed.connections.runnable(made.id).credentials.secret == SECRET.removeprefix("oauth:")


REFRESH = "refresh-token-value-5150"
CLIENT_SECRET = "client-secret-value-6160"
EVENTSUB_SPEC = ConnectionSpec("twitch", "eventsub", "cool_streamer", "cw_bot", client_id="abc")


def test_a_refreshed_twitch_token_is_stored_sealed_with_the_client_secret_kept(
    keyed: Services, cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    creds = Credentials("access-1", None, REFRESH, CLIENT_SECRET)
    made = keyed.connections.add(cast.olivia, cast.channel.id, EVENTSUB_SPEC, creds)
    assert made.options["token_refresh"] is True and made.has_credential
    opened = keyed.connections.runnable(made.id).credentials
    assert (opened.secret, opened.refresh_token, opened.client_secret) == (
        "access-1",
        REFRESH,
        CLIENT_SECRET,
    )
    assert keyed.connections.store_tokens(made.id, "access-2", "refresh-2") is True
    opened = keyed.connections.runnable(made.id).credentials
    assert (opened.secret, opened.refresh_token, opened.client_secret) == (
        "access-2",
        "refresh-2",
        CLIENT_SECRET,
    )
    raw = str(raw_rows(keyed))
    for secret in ("access-2", "refresh-2", CLIENT_SECRET, REFRESH):
        assert secret not in raw and secret not in repr(opened)
    with keyed.db.read() as conn:
        logged = conn.execute(sa.select(mod_log.c.action, mod_log.c.details)).all()
    assert ("connection.token_refresh", {"connection_id": made.id, "platform": "twitch"}) in [
        (a, d) for a, d in logged
    ]
    assert "access-2" not in str(logged) and "refresh-2" not in str(logged)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "access-2" not in text and "refresh-2" not in text and CLIENT_SECRET not in text
    assert keyed.connections.store_tokens(made.id + 1000, "a", "r") is False  # removed
    irc = keyed.connections.add(cast.olivia, cast.channel.id, SPEC, CREDS)
    with pytest.raises(InputError, match="not a Twitch EventSub connection"):
        keyed.connections.store_tokens(irc.id, "a", "r")
    with pytest.raises(InputError, match="refresh_token must be"):
        keyed.connections.store_tokens(made.id, "a", "")


@pytest.mark.parametrize(
    ("spec", "creds", "message"),
    [
        (
            ConnectionSpec("twitch", "eventsub", "a b", "bot", client_id="c"),
            Credentials(SECRET),
            "no spaces",
        ),
        (
            ConnectionSpec("twitch", "eventsub", "a-b", "bot", client_id="c"),
            Credentials(SECRET),
            "Twitch login",
        ),
        (
            ConnectionSpec("twitch", "eventsub", "a", "bot"),
            Credentials(SECRET),
            "client_id is required",
        ),
        (
            ConnectionSpec("twitch", "eventsub", "a", "bot", client_id="c"),
            Credentials(),
            "user access token",
        ),
        (
            ConnectionSpec("irc", "h:6667", "#a", "b", client_id="c"),
            Credentials(),
            "EventSub connections only",
        ),
        (EVENTSUB_SPEC, Credentials(SECRET, None, REFRESH), "go together"),
        (EVENTSUB_SPEC, Credentials(SECRET, None, None, CLIENT_SECRET), "go together"),
        (EVENTSUB_SPEC, Credentials(SECRET, None, "a\nb", CLIENT_SECRET), "refresh_token must"),
        (
            ConnectionSpec("twitch", "", "#a", "b"),
            Credentials(SECRET, None, REFRESH, CLIENT_SECRET),
            "refresh_token and client_secret are for Twitch EventSub connections only",
        ),
        (EVENTSUB_SPEC, Credentials("oauth:"), "credential is empty"),
    ],
)
def test_bad_twitch_eventsub_specs_say_what_is_wrong(
    keyed: Services, cast: Cast, spec: ConnectionSpec, creds: Credentials, message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        keyed.connections.add(cast.olivia, cast.channel.id, spec, creds)
    assert SECRET not in caught.value.message
    assert raw_rows(keyed) == []
