"""``chatwarden serve``: the demo keeps its own database; the real one is never touched."""

from __future__ import annotations

from typer.testing import CliRunner

from chatwarden.cli import app
from chatwarden.config import DEMO_DATABASE_URL, ServiceConfig

runner = CliRunner()


def test_demo_uses_its_own_database_file_unless_one_is_given() -> None:
    plain = ServiceConfig.from_env({})
    demo = ServiceConfig.from_env({}, demo=True)
    from_env = ServiceConfig.from_env({"CHATWARDEN_DEMO": "true"})
    assert plain.database_url == "sqlite:///./chatwarden.db"
    assert demo.database_url == from_env.database_url == DEMO_DATABASE_URL
    assert DEMO_DATABASE_URL != plain.database_url
    given = {"CHATWARDEN_DATABASE_URL": "sqlite:///elsewhere.db"}
    assert ServiceConfig.from_env(given, demo=True).database_url == "sqlite:///elsewhere.db"
    flag = ServiceConfig.from_env({}, demo=True, database_url="sqlite:///mine.db")
    assert flag.database_url == "sqlite:///mine.db"


def test_serve_help_names_the_demo_database() -> None:
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "chatwarden-demo.db" in result.output
