import json

from typer.testing import CliRunner

from chatwarden import __version__
from chatwarden.cli import app

runner = CliRunner()


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "check", "score", "train", "eval", "bench", "db upgrade", "db status"):
        assert command.split()[0] in result.output
        sub = runner.invoke(app, [*command.split(), "--help"])
        assert sub.exit_code == 0 and "Examples" in sub.output, command


def test_check_explains_a_hold() -> None:
    result = runner.invoke(app, ["check", "you are a stupid worthless idiot", "--level", "4"])
    assert result.exit_code == 0, result.output
    assert "HOLD" in result.output and "reason:" in result.output
    assert "level 4" in result.output


def test_check_json_and_allow() -> None:
    result = runner.invoke(app, ["check", "gg wp", "--json"])
    data = json.loads(result.output)
    assert data["action"] == "allow" and data["reasons"] == []


def test_check_rejects_bad_level() -> None:
    result = runner.invoke(app, ["check", "hi", "--level", "9"])
    assert result.exit_code == 2 and "0-4" in result.output


def test_check_refuses_an_empty_message() -> None:
    for text in ("", "   "):
        result = runner.invoke(app, ["check", text])
        assert result.exit_code == 2, (text, result.output)
        assert "error: the message is empty" in result.output
        assert "ALLOW" not in result.output
