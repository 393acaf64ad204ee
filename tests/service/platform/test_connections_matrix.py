"""Stored Matrix connections in the service: the homeserver (https, or http on loopback), the
room and the bot's user id checked, the access token sealed and required, the power levels'
roles and the warn mode kept as options, and the connector's sync token kept (``cursor``)."""

from __future__ import annotations

import json

import pytest

from chatwarden.errors import InputError
from chatwarden.service.platform.connections import RUNNABLE, ConnectionSpec, Credentials
from chatwarden.services import Services
from tests.service.conftest import Cast
from tests.service.platform.test_connections import keyed, raw_rows  # noqa: F401

TOKEN = "syt_Y3dib3Q_matrix-access-token_0abc12"
HS, ROOM, BOT = "https://matrix.example.org", "#chat:example.org", "@cwbot:example.org"


def test_a_matrix_connection_is_stored_with_its_levels_and_token_sealed(
    keyed: Services,  # noqa: F811
    cast: Cast,
) -> None:
    levels = (("100", "owner"), ("50", "moderator"), ("10", "vip"))
    spec = ConnectionSpec("matrix", HS + "/", ROOM, BOT, roles=levels, warn="reply")
    made = keyed.connections.add(cast.olivia, cast.channel.id, spec, Credentials(TOKEN))
    assert "matrix" in RUNNABLE
    assert (made.platform, made.target, made.room, made.account) == ("matrix", HS, ROOM, BOT)
    assert made.options == {
        "tls": True,
        "levels": {"100": "owner", "50": "moderator", "10": "vip"},
        "warn": "reply",
    }
    assert TOKEN not in json.dumps(made.to_dict()) and TOKEN not in str(raw_rows(keyed))
    assert keyed.connections.runnable(made.id).credentials.secret == TOKEN
    assert keyed.connections.report_cursor(made.id, "s72594_4483_1934")
    assert keyed.connections.get(made.id).options["cursor"] == "s72594_4483_1934"
    assert not keyed.connections.report_cursor(made.id + 1, "s1")
    with pytest.raises(InputError, match="cursor"):
        keyed.connections.report_cursor(made.id, "")


def test_a_room_id_and_http_on_loopback_are_accepted(keyed: Services, cast: Cast) -> None:  # noqa: F811
    spec = ConnectionSpec("matrix", "http://127.0.0.1:8008", "!AbCdEf:example.org", BOT)
    bearer = Credentials(f"Bearer {TOKEN}")  # the header's form of the same token
    made = keyed.connections.add(cast.olivia, cast.channel.id, spec, bearer)
    assert (made.target, made.room) == ("http://127.0.0.1:8008", "!AbCdEf:example.org")
    assert keyed.connections.runnable(made.id).credentials.secret == TOKEN


@pytest.mark.parametrize(
    ("spec", "creds", "message"),
    [
        (
            ConnectionSpec("matrix", "http://matrix.example.org", ROOM, BOT),
            Credentials(TOKEN),
            "http on loopback only",
        ),
        (
            ConnectionSpec("matrix", "matrix.example.org", ROOM, BOT),
            Credentials(TOKEN),
            "https:// URL",
        ),
        (ConnectionSpec("matrix", HS, "chat", BOT), Credentials(TOKEN), "'!id' or '#alias:server'"),
        (
            ConnectionSpec("matrix", HS, "#chat", BOT),
            Credentials(TOKEN),
            "'!id' or '#alias:server'",
        ),
        (ConnectionSpec("matrix", HS, ROOM, "cwbot"), Credentials(TOKEN), "'@name:server'"),
        (ConnectionSpec("matrix", HS, ROOM, BOT), Credentials(None), "access token"),
        (
            ConnectionSpec("matrix", HS, ROOM, BOT, roles=(("fifty", "moderator"),)),
            Credentials(TOKEN),
            "a power level maps",
        ),
        (ConnectionSpec("matrix", HS, ROOM, BOT, warn="dm"), Credentials(TOKEN), "warn"),
        (ConnectionSpec("matrix", HS, ROOM, BOT, oper="x"), Credentials(TOKEN, "p"), "plain IRC"),
        (
            ConnectionSpec("matrix", HS, ROOM, BOT, policy_rooms=("banlist",)),
            Credentials(TOKEN),
            "policy room 'banlist': a Matrix room is",
        ),
        (
            ConnectionSpec(
                "matrix", HS, ROOM, BOT, policy_rooms=tuple(f"!l{i}:x" for i in range(11))
            ),
            Credentials(TOKEN),
            "at most 10 policy rooms",
        ),
        (
            ConnectionSpec("matrix", HS, ROOM, BOT, publish_room="#bans"),
            Credentials(TOKEN),
            "publish_room '#bans'",
        ),
        (
            ConnectionSpec("irc", "irc.example.org:6697", "#chat", "cw", policy_rooms=("!l:x",)),
            Credentials(None),
            "for Matrix connections only",
        ),
    ],
)
def test_a_wrong_matrix_connection_is_refused_saying_why(
    keyed: Services,  # noqa: F811
    cast: Cast,
    spec: ConnectionSpec,
    creds: Credentials,
    message: str,
) -> None:
    with pytest.raises(InputError, match=message):
        keyed.connections.add(cast.olivia, cast.channel.id, spec, creds)


def test_policy_rooms_and_a_publish_room_are_kept_as_options(
    keyed: Services,  # noqa: F811
    cast: Cast,
) -> None:
    spec = ConnectionSpec(
        "matrix",
        HS,
        ROOM,
        BOT,
        policy_rooms=("#bans:example.org", "!list:matrix.org", "#bans:example.org"),
        publish_room="#ours:example.org",
    )
    made = keyed.connections.add(cast.olivia, cast.channel.id, spec, Credentials(TOKEN))
    assert made.options["policy_rooms"] == ["#bans:example.org", "!list:matrix.org"]
    assert made.options["publish_room"] == "#ours:example.org"
    # an update of another setting keeps them
    from chatwarden.service.platform.connections import ConnectionChange

    updated, _ = keyed.connections.update(
        cast.olivia, made.id, ConnectionChange(warn="reply"), Credentials()
    )
    assert updated.options["policy_rooms"] == ["#bans:example.org", "!list:matrix.org"]
    assert updated.options["publish_room"] == "#ours:example.org"


def test_a_matrix_connectors_mutes_are_kept_for_the_next_run(
    keyed: Services,  # noqa: F811
    cast: Cast,
) -> None:
    spec = ConnectionSpec("matrix", HS, ROOM, BOT)
    made = keyed.connections.add(cast.olivia, cast.channel.id, spec, Credentials(TOKEN))
    mutes = {"@bob:example.org": {"previous": None, "muted": -1, "until": 1800000000.5}}
    assert keyed.connections.report_mutes(made.id, mutes)
    assert keyed.connections.get(made.id).options["mutes"] == mutes
    assert keyed.connections.report_mutes(made.id, {})
    assert keyed.connections.get(made.id).options["mutes"] == {}
    assert not keyed.connections.report_mutes(made.id + 1, {})
    with pytest.raises(InputError, match="not a muted Matrix user"):
        keyed.connections.report_mutes(made.id, {"bob": {"muted": -1}})
