"""``chatwarden connect update ID``: the new token from a named environment variable or standard
input replaces the stored one (sealed, never printed), the connection keeps its id and status,
the output says to restart ``connect run``, and a bad change says why and changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from chatwarden.cli import app
from chatwarden.store.schema import connections, mod_log
from chatwarden.store.secretbox import SecretBox, generate_key
from tests.cli.test_connections import database  # noqa: F401

runner = CliRunner()
OLD = "cli-old-token-7001"
NEW = "cli-new-token-7002"
REFRESH = "cli-refresh-token-7003"
CLIENT_SECRET = "cli-client-secret-7004"
KEY = generate_key()


def rows(url: str) -> tuple[list[dict[str, object]], list[tuple[str, dict[str, object]]]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = [dict(r) for r in conn.execute(sa.select(connections)).mappings()]
            query = sa.select(mod_log.c.action, mod_log.c.details).order_by(mod_log.c.id)
            logged = [(a, d) for a, d in conn.execute(query)]
    finally:
        engine.dispose()
    return found, logged


def opened(url: str) -> str:
    (row,), _ = rows(url)
    return SecretBox([KEY]).open(str(row["credential"]))


def add_twitch(env: dict[str, str]) -> None:
    result = runner.invoke(
        app,
        [
            *("connect", "add", "twitch", "--into", "mychan", "--channel", "streamer"),
            *("--bot", "cwbot", "--client-id", "abc123", "--credential-env", "CW_OLD"),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output


def test_update_replaces_the_token_from_stdin_and_the_environment(database: str) -> None:  # noqa: F811
    env = {
        "CHATWARDEN_DATABASE_URL": database,
        "CHATWARDEN_CONNECTOR_KEYS": KEY,
        "CW_OLD": OLD,
        "CW_REFRESH": REFRESH,
        "CW_CLIENT_SECRET": CLIENT_SECRET,
    }
    add_twitch(env)
    first = runner.invoke(
        app, ["connect", "update", "1", "--token-stdin"], env=env, input=f"oauth:{NEW}\n"
    )
    assert first.exit_code == 0, first.output
    assert "connection 1: credential changed" in first.output
    assert "restart it to use the change" in first.output
    assert f'"secret":"{NEW}"' in opened(database)

    second = runner.invoke(
        app,
        [
            *("connect", "update", "1", "--refresh-token-env", "CW_REFRESH"),
            *("--client-secret-env", "CW_CLIENT_SECRET", "--automod"),
        ],
        env=env,
    )
    assert second.exit_code == 0, second.output
    assert "refresh_token, client_secret, automod, token_refresh changed" in second.output
    assert REFRESH in opened(database) and NEW in opened(database)

    (row,), logged = rows(database)
    assert (row["id"], row["status"], row["options"]["automod"]) == (1, "disconnected", True)
    assert [(a, d["via"]) for a, d in logged] == [
        ("connection.add", "cli"),
        ("connection.update", "cli"),
        ("connection.update", "cli"),
    ]
    for text in (first.output, second.output, str(logged), str(row)):
        for secret in (OLD, NEW, REFRESH, CLIENT_SECRET):
            assert secret not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1"], "nothing to change"),
        (["1", "--token-env", "CW_MISSING"], "--token-env CW_MISSING"),
        (["1", "--token-env", "CW_OLD", "--token-stdin"], "choose one"),
        (["1", "--tls"], "tls is for IRC connections only"),
        (["1", "--role", "moderator"], "give ID=ROLE"),
        (["1", "--warn", "reply"], "roles and warn are for Discord"),
        (["9", "--token-env", "CW_OLD"], "no connection with id 9"),
    ],
)
def test_a_bad_update_says_why_and_changes_nothing(
    database: str,  # noqa: F811
    args: list[str],
    message: str,
) -> None:
    env = {"CHATWARDEN_DATABASE_URL": database, "CHATWARDEN_CONNECTOR_KEYS": KEY, "CW_OLD": OLD}
    add_twitch(env)
    before = rows(database)
    result = runner.invoke(app, ["connect", "update", *args], env=env)
    assert result.exit_code == 2, result.output
    assert message in result.output and OLD not in result.output
    assert rows(database) == before
