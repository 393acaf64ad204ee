"""``chatwarden export`` (history, the default, and labels): a missing database or an unknown
channel is said, nothing created; the labels export writes the moderators' decisions."""

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


def test_export_history_is_also_reachable_by_name_and_with_options_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    for args in (["history", "nochannel"], ["--database-url", url, "nochannel"]):
        result = runner.invoke(app, ["export", *args, "--database-url", url])
        assert result.exit_code == 2 and "no channel named 'nochannel'" in result.output


def _labelled_channel(url: str) -> None:
    """#room: a deleted line (label 1), an allowed hold (label 0), and a ban whose approved
    unban request reversed its label."""
    services = build_services(ServiceConfig.from_env({}, database_url=url, argon2_time_cost=1))
    try:
        owner, viewer, other = (
            services.accounts.register(name, "a long password 1")
            for name in ("owner1", "viewer1", "viewer2")
        )
        mod = Actor(user_id=owner.id, username=owner.username)
        chatter = Actor(user_id=viewer.id, username=viewer.username)
        channel = services.channels.create_channel(mod, "room")
        sent = services.chat.send_message(chatter, channel.id, "buy followers at spam dot com")
        assert sent.message_id is not None
        services.actions.delete_message(mod, channel.id, sent.message_id)
        held = services.chat.send_message(
            chatter, channel.id, "you are a worthless idiot and everyone hates you"
        )
        assert held.status == "held"
        [item] = services.review.list_pending(mod, channel.id)
        services.review.resolve(mod, item.id, "allow")
        rude = Actor(user_id=other.id, username=other.username)
        services.chat.send_message(rude, channel.id, "the line they were banned for")
        services.actions.ban(mod, channel.id, other.id)
        request = services.unban.create_request(rude, channel.id, "sorry")
        services.unban.resolve(mod, request.id, approve=True)
    finally:
        services.close()


def test_export_labels_writes_the_channels_labels(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    _labelled_channel(url)
    out = tmp_path / "labels.jsonl"
    args = ["export", "labels", "--channel", "room", "--database-url", url, "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "exported 2 labels from #room" in result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["label"], r["source"], r["reversed"]) for r in rows] == [
        (1, "action.delete", False),
        (0, "review.allow", False),
    ]
    assert rows[0]["text"] == "buy followers at spam dot com"
    for row in rows:
        assert set(row["categories"]) and 0 <= row["harm"] <= 1
        assert row["model_version"] and row["settings_version"]  # the operator sees all
    result = runner.invoke(app, [*args, "--include-reversed"])
    assert result.exit_code == 0 and "exported 3 labels" in result.output
    last = json.loads(out.read_text().splitlines()[-1])
    assert (last["text"], last["source"], last["reversed"]) == (
        "the line they were banned for",
        "action.ban",
        True,
    )


def test_export_labels_of_an_unknown_channel_or_a_missing_database_says_so(
    tmp_path: Path,
) -> None:
    db = tmp_path / "nowhere.db"
    result = runner.invoke(
        app, ["export", "labels", "--channel", "x", "--database-url", f"sqlite:///{db}"]
    )
    assert result.exit_code == 2 and f"no database at {str(db)!r}" in result.output
    assert not db.exists()
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    result = runner.invoke(app, ["export", "labels", "--channel", "x", "--database-url", url])
    assert result.exit_code == 2 and "no channel named 'x'" in result.output
    result = runner.invoke(app, ["export", "labels", "--database-url", url])
    assert result.exit_code == 2 and "--channel" in result.output


def test_export_labels_to_stdout_a_bad_url_or_an_unwritable_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    _labelled_channel(url)
    result = runner.invoke(app, ["export", "labels", "--channel", "room", "--database-url", url])
    assert result.exit_code == 0
    assert [json.loads(x)["source"] for x in result.stdout.splitlines()] == [
        "action.delete",
        "review.allow",
    ]
    args = ["export", "labels", "--channel", "room", "--database-url"]
    result = runner.invoke(app, [*args, url, "--out", str(tmp_path)])  # a directory
    assert result.exit_code == 2 and f"cannot write {str(tmp_path)!r}" in result.output
    result = runner.invoke(app, [*args, "mysql://nowhere/x"])
    assert result.exit_code == 2 and "database_url" in result.output
