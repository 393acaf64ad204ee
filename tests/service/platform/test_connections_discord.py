"""Stored Discord connections in the service: ids checked as snowflakes, the bot token sealed
and required, the role map and warn mode kept as options (and refused for other platforms)."""

from __future__ import annotations

import json

import pytest

from chatwarden.errors import InputError
from chatwarden.service.platform.connections import ConnectionSpec, Credentials
from chatwarden.services import Services
from tests.service.conftest import Cast
from tests.service.platform.test_connections import keyed, raw_rows  # noqa: F401

TOKEN = "MTEw.discord-bot-token.value"
GUILD, CHANNEL, BOT = "1200000000000000001", "1250000000000000001", "1100000000000000001"
ROLES = (("1300000000000000003", "moderator"), ("1300000000000000004", "vip"))


def test_a_discord_connection_is_stored_with_its_role_map_and_token_sealed(
    keyed: Services,  # noqa: F811
    cast: Cast,
) -> None:
    spec = ConnectionSpec("discord", GUILD, CHANNEL, BOT, roles=ROLES, warn="reply")
    made = keyed.connections.add(cast.olivia, cast.channel.id, spec, Credentials(TOKEN))
    assert (made.platform, made.target, made.room, made.account) == ("discord", GUILD, CHANNEL, BOT)
    assert made.options == {
        "tls": True,
        "roles": {"1300000000000000003": "moderator", "1300000000000000004": "vip"},
        "warn": "reply",
    }
    assert TOKEN not in json.dumps(made.to_dict()) and TOKEN not in str(raw_rows(keyed))
    assert keyed.connections.runnable(made.id).credentials.secret == TOKEN


@pytest.mark.parametrize(
    ("spec", "creds", "message"),
    [
        (ConnectionSpec("discord", "myguild", CHANNEL, BOT), Credentials(TOKEN), "digits"),
        (ConnectionSpec("discord", GUILD, "#general", BOT), Credentials(TOKEN), "digits"),
        (ConnectionSpec("discord", GUILD, CHANNEL, "cwbot"), Credentials(TOKEN), "digits"),
        (ConnectionSpec("discord", GUILD, CHANNEL, BOT), Credentials(None), "bot token"),
        (
            ConnectionSpec("discord", GUILD, CHANNEL, BOT, roles=(("1", "owner"),)),
            Credentials(TOKEN),
            "a role id maps",
        ),
        (ConnectionSpec("discord", GUILD, CHANNEL, BOT, warn="dm"), Credentials(TOKEN), "warn"),
        (
            ConnectionSpec("irc", "irc.example.net:6697", "#a", "b", roles=(("1", "vip"),)),
            Credentials(None),
            "for Discord connections only",
        ),
    ],
)
def test_a_wrong_discord_connection_is_refused_saying_why(
    keyed: Services,  # noqa: F811
    cast: Cast,
    spec: ConnectionSpec,
    creds: Credentials,
    message: str,
) -> None:
    with pytest.raises(InputError, match=message):
        keyed.connections.add(cast.olivia, cast.channel.id, spec, creds)


def test_the_runner_keeps_the_platforms_own_rules_for_mod_view(
    keyed: Services,  # noqa: F811
    cast: Cast,
) -> None:
    spec = ConnectionSpec("discord", GUILD, CHANNEL, BOT)
    made = keyed.connections.add(cast.olivia, cast.channel.id, spec, Credentials(TOKEN))
    rule = {"id": "16", "name": "Keyword Filter 1", "enabled": True, "trigger": "keyword"}
    rules = [{**rule, "actions": ["block_message"], "exempt_roles": 1, "secret": object()}]
    assert keyed.connections.report_platform_rules(made.id, rules)
    (shown,) = keyed.connections.list_connections(cast.olivia, cast.channel.id)
    assert shown.options["platform_rules"] == [
        {**rule, "actions": ["block_message"], "exempt_roles": 1}
    ]
    assert shown.options["platform_rules_at"] and shown.options["roles"] == {}
    keyed.connections.remove(cast.olivia, made.id)
    assert not keyed.connections.report_platform_rules(made.id, rules)
