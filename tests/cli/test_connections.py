"""``chatwarden connect add irc|list|remove|key|rekey``: a stored connection's credential comes
from a named environment variable or standard input, is stored encrypted, and is never printed;
without a connector key nothing is stored."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from chatwarden.cli import app
from chatwarden.services import build_services
from chatwarden.store.schema import connections, mod_log
from chatwarden.store.secretbox import SecretBox, generate_key
from tests.connectors.conftest import OPER, IrcServer, RawClient, irc_server  # noqa: F401
from tests.service.conftest import make_actor, make_config

runner = CliRunner()
SECRET = "server-pass-0123456789"


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A database with channel ``mychan`` owned by ``olivia``."""
    url = f"sqlite:///{tmp_path / 'cw.db'}"
    services = build_services(make_config(url))
    try:
        owner = make_actor(services, "olivia")
        services.channels.create_channel(owner, "mychan")
    finally:
        services.close()
    return url


def raw(url: str) -> list[dict[str, object]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(connections)).mappings()]
    finally:
        engine.dispose()


ADD = [
    *("connect", "add", "irc", "--into", "mychan", "--server", "irc.example.net:6697", "--tls"),
    *("--channel", "#chat", "--nick", "cwbot"),
]


def test_key_prints_a_usable_key() -> None:
    result = runner.invoke(app, ["connect", "key"])
    assert result.exit_code == 0
    box = SecretBox([result.output.strip()])
    assert box.open(box.seal("x")) == "x"


def test_add_list_remove_with_the_credential_from_the_environment(database: str) -> None:
    key = generate_key()
    env = {"CHATWARDEN_DATABASE_URL": database, "CHATWARDEN_CONNECTOR_KEYS": key, "CW_PASS": SECRET}
    result = runner.invoke(app, [*ADD, "--credential-env", "CW_PASS"], env=env)
    assert result.exit_code == 0, result.output
    assert "connection 1: irc irc.example.net:6697 #chat as cwbot" in result.output
    assert "credential stored encrypted" in result.output
    (row,) = raw(database)
    assert SECRET not in str(row["credential"])
    opened = SecretBox([key]).open(str(row["credential"]))
    assert opened == f'{{"secret":"{SECRET}","oper_password":null}}'

    listed = runner.invoke(app, ["connect", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "1\tmychan\tirc\tirc.example.net:6697\t#chat\tcwbot\tdisconnected" in listed.output
    assert "last message: never" in listed.output

    removed = runner.invoke(app, ["connect", "remove", "1"], env=env)
    assert removed.exit_code == 0 and "connection 1 removed" in removed.output
    assert raw(database) == []
    engine = sa.create_engine(database)
    with engine.connect() as conn:
        details = conn.execute(sa.select(mod_log.c.action, mod_log.c.details)).all()
    engine.dispose()
    assert [(a, d["via"]) for a, d in details] == [
        ("connection.add", "cli"),
        ("connection.remove", "cli"),
    ]
    for out in (result.output, listed.output, removed.output, str(details)):
        assert SECRET not in out


def test_the_credential_from_standard_input(database: str) -> None:
    env = {"CHATWARDEN_DATABASE_URL": database, "CHATWARDEN_CONNECTOR_KEYS": generate_key()}
    result = runner.invoke(app, [*ADD, "--credential-stdin"], env=env, input=SECRET + "\n")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert raw(database)[0]["credential"] is not None


def test_without_a_connector_key_nothing_is_stored(database: str) -> None:
    env = {"CHATWARDEN_DATABASE_URL": database, "CW_PASS": SECRET}
    result = runner.invoke(app, [*ADD, "--credential-env", "CW_PASS"], env=env)
    assert result.exit_code == 2
    assert "no connector key is configured" in result.output
    assert SECRET not in result.output
    assert raw(database) == []


def test_rekey_moves_every_credential_to_the_first_key(database: str) -> None:
    old, new = generate_key(), generate_key()
    env = {"CHATWARDEN_DATABASE_URL": database, "CHATWARDEN_CONNECTOR_KEYS": old, "CW_PASS": SECRET}
    assert runner.invoke(app, [*ADD, "--credential-env", "CW_PASS"], env=env).exit_code == 0
    env["CHATWARDEN_CONNECTOR_KEYS"] = f"{new},{old}"
    result = runner.invoke(app, ["connect", "rekey"], env=env)
    assert result.exit_code == 0 and "1 credential encrypted with the first key" in result.output
    assert SECRET in SecretBox([new]).open(str(raw(database)[0]["credential"]))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--credential-env", "CW_TEST_MISSING"], "CW_TEST_MISSING: that environment variable"),
        (["--credential-env", "CW_PASS", "--credential-stdin"], "choose one"),
        (["--oper", "cwbot"], "oper and oper_password go together"),
    ],
)
def test_bad_options_say_why(database: str, args: list[str], message: str) -> None:
    env = {"CHATWARDEN_DATABASE_URL": database, "CHATWARDEN_CONNECTOR_KEYS": generate_key()}
    env["CW_PASS"] = SECRET
    result = runner.invoke(app, [*ADD, *args], env=env)
    assert result.exit_code == 2 and message in result.output, result.output
    assert raw(database) == []


def test_run_names_what_is_wrong_before_connecting(database: str) -> None:
    env = {"CHATWARDEN_DATABASE_URL": database, "CHATWARDEN_CONNECTOR_KEYS": generate_key()}
    result = runner.invoke(app, ["connect", "run", "99"], env=env)
    assert result.exit_code == 2 and "no connection with id 99" in result.output
    env["CW_PASS"] = SECRET
    assert runner.invoke(app, [*ADD, "--credential-env", "CW_PASS"], env=env).exit_code == 0
    env["CHATWARDEN_CONNECTOR_KEYS"] = generate_key()  # the key that sealed it is gone
    result = runner.invoke(app, ["connect", "run", "1"], env=env)
    assert result.exit_code == 2 and "cannot be decrypted" in result.output
    assert SECRET not in result.output


def test_run_a_stored_connection_on_a_real_server_until_ctrl_c(
    irc_server: IrcServer,  # noqa: F811
    database: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``connect add`` then ``connect run``: the bot (an IRC operator through the stored, sealed
    operator password) kicks a threat; Ctrl-C stops it; ``connect list`` shows the last message
    and the status it left, and the password is in no output and no log record."""
    caplog.set_level(logging.DEBUG)
    env = {
        "CHATWARDEN_DATABASE_URL": database,
        "CHATWARDEN_CONNECTOR_KEYS": generate_key(),
        "CW_OPER": OPER[1],
    }
    added = runner.invoke(
        app,
        [
            *("connect", "add", "irc", "--into", "mychan"),
            *("--server", f"{irc_server.host}:{irc_server.port}", "--channel", "#stored"),
            *("--nick", "cwbot", "--oper", OPER[0], "--oper-password-env", "CW_OPER"),
        ],
        env=env,
    )
    assert added.exit_code == 0, added.output
    del env["CW_OPER"]  # from here on, only the stored (sealed) copy exists
    failure: list[BaseException] = []

    async def chat() -> None:
        dave = await RawClient.connect(irc_server, "dave")
        deadline = time.monotonic() + 20
        while True:  # the bot holds the channel, with operator status, once it has joined
            await dave.join("#stored")
            names = [ln for ln in dave.lines if ln.command == "353" and ln.param(2) == "#stored"]
            if names and "@cwbot" in names[-1].param(3).split():
                break
            assert time.monotonic() < deadline, "the bot never joined with operator status"
            dave.send("PART #stored")
            dave.lines.clear()
            await asyncio.sleep(0.1)
        dave.say("#stored", "i will kill you")
        await dave.wait_for(lambda ln: ln.command == "KICK" and ln.param(1) == "dave", 10)
        await dave.close()

    cli_running = threading.Lock()  # held while the command runs: Ctrl-C only then

    def other_chatter() -> None:
        try:
            asyncio.run(chat())
        except BaseException as exc:
            failure.append(exc)
        finally:
            time.sleep(1.5)  # the status is written at most once a second
            if not cli_running.acquire(blocking=False):
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C

    thread = threading.Thread(target=other_chatter)
    with cli_running:
        thread.start()
        result = runner.invoke(app, ["connect", "run", "1"], env=env)
    thread.join(30)
    if failure:
        raise failure[0]
    assert result.exit_code == 0, result.output
    assert "connection 1: connecting to" in result.output
    assert "stopped: 1 decided, 0 replayed, 1 acted" in result.output
    listed = runner.invoke(app, ["connect", "list"], env=env)
    assert "\tdisconnected\tlast message: 20" in listed.output, listed.output
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "OPER ********" in logged
    for text in (added.output, result.output, listed.output, logged):
        assert OPER[1] not in text
