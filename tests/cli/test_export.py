"""``chatwarden export``: a missing database or an unknown channel is said, nothing created."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chatwarden.cli import app
from chatwarden.config import ServiceConfig
from chatwarden.service.types import Actor
from chatwarden.services import build_services

runner = CliRunner()


def test_export_of_a_missing_sqlite_file_says_so_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "nowhere.db"
    result = runner.invoke(app, ["export", "demo", "--database-url", f"sqlite:///{db}"])
    assert result.exit_code == 2
    assert f"no database at {str(db)!r}" in result.output
    assert "--database-url" in result.output
    assert not db.exists() and list(tmp_path.iterdir()) == []


def test_export_of_an_unknown_channel_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    result = runner.invoke(app, ["export", "nochannel", "--database-url", url])
    assert result.exit_code == 2
    assert "no channel named 'nochannel'" in result.output


def test_export_writes_the_channels_messages(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    services = build_services(ServiceConfig.from_env({}, database_url=url, argon2_time_cost=1))
    try:
        owner = services.accounts.register("owner1", "a long password 1")
        actor = Actor(user_id=owner.id, username=owner.username)
        channel = services.channels.create_channel(actor, "room")
        services.chat.send_message(actor, channel.id, "hello there")
    finally:
        services.close()
    out = tmp_path / "room.jsonl"
    result = runner.invoke(app, ["export", "room", "--database-url", url, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "exported 1 messages from #room" in result.output
    (line,) = out.read_text().splitlines()
    assert json.loads(line)["text"] == "hello there"
