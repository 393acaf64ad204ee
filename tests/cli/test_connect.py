"""``chatwarden connect irc``: options, credentials from the environment (never printed), and a
real run against ngIRCd that acts on a threat and stops on Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chatwarden.cli import app
from chatwarden.cli.connect import parse_server, secret_from_env
from tests.connectors.conftest import OPER, IrcServer, RawClient, irc_server  # noqa: F401

runner = CliRunner()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("irc.example.net:6697", ("irc.example.net", 6697)),
        ("irc.example.net", ("irc.example.net", 6667)),
        ("[::1]:7000", ("::1", 7000)),
        ("[::1]", ("::1", 6667)),
    ],
)
def test_parse_server(spec: str, expected: tuple[str, int]) -> None:
    assert parse_server(spec) == expected


@pytest.mark.parametrize("spec", [":6667", "host:0", "host:http", "[::1]x", "host:70000"])
def test_parse_server_says_what_is_wrong(spec: str) -> None:
    with pytest.raises(ValueError, match="--server"):
        parse_server(spec)


def test_secrets_come_from_named_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CW_TEST_SECRET", "s3cret")
    monkeypatch.delenv("CW_TEST_MISSING", raising=False)
    assert secret_from_env("CW_TEST_SECRET", "--password-env") == "s3cret"
    assert secret_from_env(None, "--password-env") is None
    with pytest.raises(ValueError, match="CW_TEST_MISSING: that environment variable is not set"):
        secret_from_env("CW_TEST_MISSING", "--password-env")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--server", "h:x"], "the port must be 1-65535"),
        (["--password-env", "CW_TEST_MISSING"], "CW_TEST_MISSING: that environment variable"),
        (["--oper", "cwbot"], "--oper and --oper-password-env go together"),
    ],
)
def test_bad_options_fail_before_connecting(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CW_TEST_MISSING", raising=False)
    base = {"--server": "127.0.0.1:1", "--channel": "#c", "--nick": "bot"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["connect", "irc", *[x for pair in base.items() for x in pair], *args[len(args) :]]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    assert message in result.output


def test_a_channel_must_look_like_one() -> None:
    argv = ["connect", "irc", "--server", "h:1", "--channel", "chan", "--nick", "bot"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2 and "starts with '#'" in result.output


def test_connect_irc_moderates_a_real_channel_until_ctrl_c(
    irc_server: IrcServer,  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The command runs here, in the main thread; another chatter, in a thread, says a threat,
    sees the bot kick them, then presses Ctrl-C (SIGINT)."""
    caplog.set_level(logging.DEBUG, logger="chatwarden.connectors")
    env = {
        "CW_OPER_PASSWORD": OPER[1],
        "CHATWARDEN_DATABASE_URL": f"sqlite:///{tmp_path / 'cw.db'}",
    }
    argv = [
        *("connect", "irc", "--server", f"{irc_server.host}:{irc_server.port}"),
        *("--channel", "#cli", "--nick", "cwbot"),
        *("--oper", OPER[0], "--oper-password-env", "CW_OPER_PASSWORD"),
    ]
    failure: list[BaseException] = []

    async def chat() -> None:
        carol = await RawClient.connect(irc_server, "carol")
        deadline = time.monotonic() + 20
        while True:  # the bot holds the channel, with operator status, once it has joined
            await carol.join("#cli")
            names = [ln for ln in carol.lines if ln.command == "353" and ln.param(2) == "#cli"]
            if names and "@cwbot" in names[-1].param(3).split():
                break
            assert time.monotonic() < deadline, "the bot never joined with operator status"
            carol.send("PART #cli")
            carol.lines.clear()
            await asyncio.sleep(0.1)
        carol.say("#cli", "i will kill you")
        await carol.wait_for(lambda ln: ln.command == "KICK" and ln.param(1) == "carol", 10)
        await carol.close()

    cli_running = threading.Lock()  # held while the command runs: Ctrl-C only then

    def other_chatter() -> None:
        try:
            asyncio.run(chat())
        except BaseException as exc:
            failure.append(exc)
        finally:
            time.sleep(0.1)
            if not cli_running.acquire(blocking=False):  # the command is still running
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C

    thread = threading.Thread(target=other_chatter)
    with cli_running:
        thread.start()
        result = runner.invoke(app, argv, env=env)
    thread.join(30)
    if failure:
        raise failure[0]
    assert result.exit_code == 0, result.output
    assert "stopped: 1 decided, 0 replayed, 1 acted" in result.output
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "OPER ********" in logged
    assert OPER[1] not in logged + result.output  # the password is never printed or logged
