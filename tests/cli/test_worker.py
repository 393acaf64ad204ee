"""``chatwarden worker`` and ``serve --bus``: registered, and a bad bus URL is a clear error."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from chatwarden.cli import app

runner = CliRunner()


def test_worker_is_a_command_with_the_bus_option() -> None:
    result = runner.invoke(app, ["worker", "--help"])
    assert result.exit_code == 0
    assert "--bus" in result.output and "docs/scaling.md" in result.output


def test_a_bad_or_unreachable_bus_url_stops_worker_and_gateway_with_its_name(
    tmp_path: Path,
) -> None:
    db = f"sqlite:///{tmp_path / 'cw.db'}"
    for command in (["worker"], ["serve"]):
        result = runner.invoke(app, [*command, "--bus", "http://x", "--database-url", db])
        assert result.exit_code == 2
        assert "CHATWARDEN_BUS_URL" in result.output and "redis://" in result.output
        result = runner.invoke(
            app, [*command, "--bus", "redis://127.0.0.1:1/0", "--database-url", db]
        )
        assert result.exit_code == 2
        assert "cannot reach Redis at redis://127.0.0.1:1/0" in result.output
