"""``chatwarden model`` (list, promote, rollback) and ``chatwarden train --with-feedback``'s
input checks: refusals exit 2 with the reason, overrides warn, the registry comes from
``--registry`` or CHATWARDEN_MODEL_REGISTRY."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from chatwarden.cli import app
from chatwarden.model.registry import Registry

runner = CliRunner()
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def _version(root: Path, name: str, new_auc: float, live_auc: float, live: str) -> str:
    """A stored version as the registry sees it (promotion reads only its metrics)."""
    build = root.parent / f"build-{name}"
    build.mkdir()
    (build / "meta.json").write_text(json.dumps({"version": name}))
    metrics = {
        "heldout": {
            "rows": 50,
            "violations": 20,
            "new": {"roc_auc": new_auc, "holds": 18},
            "promoted": {"registry_version": live, "roc_auc": live_auc, "holds": 15},
        },
        "dev_roc_auc": {"harm": 0.93},
    }
    return Registry(root).add(build, metrics, NOW)


def test_list_promote_and_rollback(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    reg = ["--registry", str(root)]
    result = runner.invoke(app, ["model", "list", *reg])
    assert result.exit_code == 0 and "live: bundled model" in result.output
    assert "no versions yet" in result.output
    good = _version(root, "tier1-aaaaaaaaaaaa", 0.95, 0.93, "bundled")
    worse = _version(root, "tier1-bbbbbbbbbbbb", 0.90, 0.93, "bundled")

    result = runner.invoke(app, ["model", "promote", good, *reg])
    assert result.exit_code == 2 and "has not run in shadow mode" in result.output
    Registry(root).record_shadow(worse, NOW)
    result = runner.invoke(app, ["model", "promote", worse, *reg])
    assert result.exit_code == 2
    assert "held-back ROC AUC 0.9000 vs 0.9300" in result.output

    result = runner.invoke(app, ["model", "promote", good, "--skip-shadow", *reg])
    assert result.exit_code == 0, result.output
    assert f"promoted {good}" in result.output
    assert "warning: promoted despite: shadow:" in result.output
    result = runner.invoke(app, ["model", "list", *reg])
    assert f"live: {good}" in result.output
    assert f"* {good}  held-back ROC AUC 0.9500 vs 0.9300 (bundled) on 50 labels" in result.output
    assert f"  {worse}" in result.output and "shadow runs 1" in result.output

    result = runner.invoke(app, ["model", "rollback", *reg])
    assert result.exit_code == 0 and "the bundled model is live" in result.output
    assert Registry(root).active() is None
    result = runner.invoke(app, ["model", "rollback", *reg])
    assert result.exit_code == 2 and "no promoted model to roll back" in result.output


def test_force_overrides_the_metrics_and_the_registry_comes_from_the_environment(
    tmp_path: Path,
) -> None:
    root = tmp_path / "reg"
    worse = _version(root, "tier1-cccccccccccc", 0.80, 0.93, "bundled")
    env = {"CHATWARDEN_MODEL_REGISTRY": str(root)}
    result = runner.invoke(app, ["model", "promote", worse, "--force", "--skip-shadow"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.count("warning: promoted despite") == 2
    assert Registry(root).active() == worse
    result = runner.invoke(app, ["model", "promote", "tier1-000000000000"], env=env)
    assert result.exit_code == 2 and "no model version 'tier1-000000000000'" in result.output


def test_train_with_feedback_names_a_bad_label_line(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"text": "gg", "label": 0}\n{"text": "x", "label": 5}\n')
    args = ["train", "--with-feedback", str(labels), "--registry", str(tmp_path / "reg")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "labels.jsonl:2: 'label' must be 0 or 1" in result.output
    assert not (tmp_path / "reg").exists()
