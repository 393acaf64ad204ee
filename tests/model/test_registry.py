"""The model registry: versions with their metrics, promotion only when not worse on the
held-back labels and after a shadow run, rollback, and the loader ``serve`` uses."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatwarden.errors import InputError, ModelError
from chatwarden.model import BUNDLED_DIR, META_FILE, WEIGHTS_FILE, load_model, model_version
from chatwarden.model.registry import (
    BUNDLED,
    STATE_FILE,
    Registry,
    load_live_model,
    record_shadow_runs,
)

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def _build(tmp: Path, nudge: float) -> Path:
    """A model folder unlike the bundled one: its weights with the harm thresholds nudged
    (so its version differs), version recomputed as training would."""
    build = tmp / f"build-{nudge}"
    build.mkdir()
    shutil.copy(BUNDLED_DIR / WEIGHTS_FILE, build / WEIGHTS_FILE)
    meta = json.loads((BUNDLED_DIR / META_FILE).read_text())
    meta["thresholds"]["harm"] = [round(t - nudge, 4) for t in meta["thresholds"]["harm"]]
    meta["version"] = model_version(build / WEIGHTS_FILE, meta)
    (build / META_FILE).write_text(json.dumps(meta))
    return build


def _metrics(new_auc: float | None, live_auc: float | None, live: str = BUNDLED) -> dict[str, Any]:
    return {
        "heldout": {
            "rows": 200,
            "violations": 80,
            "new": {"roc_auc": new_auc, "holds": 70},
            "promoted": {"registry_version": live, "roc_auc": live_auc, "holds": 60},
        }
    }


def _add(reg: Registry, tmp: Path, nudge: float, metrics: dict[str, Any]) -> str:
    return reg.add(_build(tmp, nudge), metrics, NOW)


def test_an_added_version_keeps_its_files_and_metrics_but_is_not_live(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "reg")
    assert reg.versions() == [] and reg.active() is None and reg.active_dir() is None
    version = _add(reg, tmp_path, 0.01, _metrics(0.95, 0.93))
    assert reg.versions() == [version]
    stored = reg.path(version)
    assert sorted(p.name for p in stored.iterdir()) == ["meta.json", "metrics.json", "weights.npz"]
    assert reg.metrics(version)["heldout"]["new"]["roc_auc"] == 0.95
    assert reg.active() is None
    [entry] = reg.entries()
    assert (entry.version, entry.active, entry.shadow_runs) == (version, False, 0)
    again = tmp_path / "again"  # the same model built again
    again.mkdir()
    with pytest.raises(InputError, match="already"):
        _add(reg, again, 0.01, {})
    assert (again / "build-0.01").is_dir()  # left where it was


def test_promote_refuses_a_version_worse_on_the_held_back_labels(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "reg")
    worse = _add(reg, tmp_path, 0.01, _metrics(0.90, 0.92))
    within = _add(reg, tmp_path, 0.02, _metrics(0.916, 0.92))  # 0.004 lower: tolerated
    for v in (worse, within):
        reg.record_shadow(v, NOW)
    with pytest.raises(InputError, match=r"worse: held-back ROC AUC 0\.9000 vs 0\.9200"):
        reg.promote(worse, NOW)
    assert reg.active() is None
    assert reg.promote(within, NOW) == []
    assert reg.active() == within


def test_force_promotes_a_worse_version_and_says_what_it_overrode(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "reg")
    worse = _add(reg, tmp_path, 0.01, _metrics(0.80, 0.92))
    reg.record_shadow(worse, NOW)
    overridden = reg.promote(worse, NOW, force=True)
    assert len(overridden) == 1 and overridden[0].startswith("worse:")
    assert reg.active() == worse
    assert reg.state()["log"][-1]["overridden"] == overridden


def test_promote_needs_a_shadow_run_unless_skipped(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "reg")
    version = _add(reg, tmp_path, 0.01, _metrics(0.95, 0.93))
    with pytest.raises(InputError, match="shadow: .* has not run in shadow mode"):
        reg.promote(version, NOW)
    with pytest.raises(InputError, match="shadow"):
        reg.promote(version, NOW, force=True)  # --force is about metrics only
    assert [p[:7] for p in reg.promote(version, NOW, skip_shadow=True)] == ["shadow:"]
    assert reg.active() == version


def test_serve_records_shadow_runs_of_registry_versions_only(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    reg = Registry(root)
    version = _add(reg, tmp_path, 0.01, _metrics(0.95, 0.93))
    paths = [str(reg.path(version)), str(BUNDLED_DIR), str(tmp_path / "elsewhere")]
    assert record_shadow_runs(root, paths, NOW) == [version]
    assert record_shadow_runs(root, paths, NOW) == [version]
    [entry] = reg.entries()
    assert entry.shadow_runs == 2 and entry.last_shadow == NOW.isoformat()
    assert reg.promotion_problems(version) == []


def test_rollback_restores_the_previously_promoted_version(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "reg")
    first = _add(reg, tmp_path, 0.01, _metrics(0.95, 0.93))
    reg.promote(first, NOW, skip_shadow=True)
    second = _add(reg, tmp_path, 0.02, _metrics(0.96, 0.95, live=first))
    reg.promote(second, NOW, skip_shadow=True)
    assert reg.active() == second
    assert reg.rollback(NOW) == first
    assert reg.active() == first
    assert reg.rollback(NOW) == BUNDLED
    assert reg.active() is None
    with pytest.raises(InputError, match="no promoted model"):
        reg.rollback(NOW)
    assert [e["event"] for e in reg.state()["log"]][-4:] == [
        "add",
        "promote",
        "rollback",
        "rollback",
    ]


def test_a_comparison_with_another_live_model_is_not_trusted(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "reg")
    old_bundled = _metrics(0.99, 0.93)  # measured against a bundled model since replaced
    old_bundled["heldout"]["promoted"]["model_version"] = "tier1-000000000000"
    replaced = _add(reg, tmp_path, 0.04, old_bundled)
    with pytest.raises(InputError, match="the bundled model is tier1-"):
        reg.promote(replaced, NOW, skip_shadow=True)
    first = _add(reg, tmp_path, 0.01, _metrics(0.95, 0.93))
    stale = _add(reg, tmp_path, 0.02, _metrics(0.99, 0.93))  # measured against bundled
    reg.promote(first, NOW, skip_shadow=True)
    with pytest.raises(InputError, match=f"compared with bundled, but {first} is promoted"):
        reg.promote(stale, NOW, skip_shadow=True)
    no_auc = _add(reg, tmp_path, 0.03, _metrics(None, None, live=first))
    with pytest.raises(InputError, match="no ROC AUC"):
        reg.promote(no_auc, NOW, skip_shadow=True)
    with pytest.raises(InputError, match="already the promoted"):
        reg.promote(first, NOW, force=True, skip_shadow=True)


def test_the_live_model_is_the_promoted_version_else_the_bundled_one(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    bundled = load_model()
    assert load_live_model(root) is bundled  # no registry yet
    reg = Registry(root)
    version = _add(reg, tmp_path, 0.01, _metrics(0.95, 0.93))
    assert load_live_model(root) is bundled  # stored, not promoted
    reg.promote(version, NOW, skip_shadow=True)
    live = load_live_model(root)
    assert live.version == version != bundled.version
    reg.rollback(NOW)
    assert load_live_model(root) is bundled


def test_a_broken_registry_is_an_error_not_a_silent_fallback(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    reg = Registry(root)
    version = _add(reg, tmp_path, 0.01, _metrics(0.95, 0.93))
    reg.promote(version, NOW, skip_shadow=True)
    shutil.rmtree(reg.path(version))
    with pytest.raises(ModelError, match="missing"):
        load_live_model(root)
    (root / STATE_FILE).write_text("{not json")
    with pytest.raises(ModelError, match="cannot read"):
        reg.active()
    with pytest.raises(InputError, match="not a model version"):
        reg.path("../escape")
    with pytest.raises(InputError, match="no model version"):
        reg.metrics("tier1-000000000000")
