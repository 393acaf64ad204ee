from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chatwarden.cli.db import db_app
from chatwarden.clock import FakeClock, SystemClock
from chatwarden.config import ServiceConfig
from chatwarden.errors import ConfigError
from chatwarden.store.migrate import head_revision


def test_config_from_env_names_the_bad_variable() -> None:
    cfg = ServiceConfig.from_env({"CHATWARDEN_PORT": "9000", "CHATWARDEN_DEMO": "true"})
    assert (cfg.port, cfg.demo, cfg.max_message_length) == (9000, True, 500)
    assert ServiceConfig.from_env({}, port=1234).port == 1234
    with pytest.raises(ConfigError, match="CHATWARDEN_PORT"):
        ServiceConfig.from_env({"CHATWARDEN_PORT": "lots"})


def test_clocks() -> None:
    assert SystemClock().now().tzinfo is not None
    clock = FakeClock(datetime(2025, 5, 1, tzinfo=UTC))
    assert clock.advance(90).minute == 1
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        FakeClock(datetime(2025, 5, 1))


def test_db_upgrade_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    result = runner.invoke(db_app, ["upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    head = head_revision()  # the newest migration (tests/store/test_migrations.py names it)
    assert f"upgraded from empty to {head}" in result.output
    result = runner.invoke(db_app, ["upgrade", "--database-url", url])
    assert f"already at revision {head}" in result.output
    assert "up to date" in runner.invoke(db_app, ["status", "--database-url", url]).output
    bad = runner.invoke(db_app, ["upgrade", "--database-url", "mysql://x"])
    assert bad.exit_code == 2 and "database_url" in bad.output


def test_services_decide_with_the_promoted_registry_version(tmp_path: Path) -> None:
    import json
    import shutil

    from chatwarden.model import BUNDLED_DIR, load_model, model_version
    from chatwarden.model.registry import Registry
    from chatwarden.services import build_services

    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(BUNDLED_DIR / "weights.npz", build / "weights.npz")
    meta = json.loads((BUNDLED_DIR / "meta.json").read_text())
    meta["thresholds"]["harm"] = [t - 0.01 for t in meta["thresholds"]["harm"]]
    meta["version"] = model_version(build / "weights.npz", meta)
    (build / "meta.json").write_text(json.dumps(meta))
    reg = Registry(tmp_path / "chatwarden-models")  # the default: beside the SQLite file
    version = reg.add(build, {}, datetime(2026, 12, 7, tzinfo=UTC))
    reg.promote(version, datetime(2026, 12, 7, tzinfo=UTC), force=True, skip_shadow=True)
    config = ServiceConfig.from_env({}, database_url=f"sqlite:///{tmp_path / 'chat.db'}")
    services = build_services(config)
    try:
        assert services.chat.model.version == version != load_model().version
    finally:
        services.close()
