"""requirements.lock pins every dependency of pyproject.toml, at its version, with hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from requirements.lock."""
    out: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        pin = re.match(r"^([A-Za-z0-9_.\-]+)==([^ \\]+)", line)
        if pin:
            current = pin.group(1).lower().replace("_", "-")
            out[current] = (pin.group(2), 0)
        elif current and "--hash=sha256:" in line:
            version, hashes = out[current]
            out[current] = (version, hashes + 1)
    return out


def test_every_pinned_dependency_is_locked_at_its_version_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():  # [train], [parquet], [test]
        wanted += extra
    locked = _locked()
    for spec in wanted:
        name, version = re.sub(r"\[.*\]", "", spec).split("==")
        key = name.strip().lower().replace("_", "-")
        assert key in locked, f"{key} is not in requirements.lock: run scripts/lock"
        got = locked[key][0]
        assert got == version.strip(), f"{key}: pyproject {version}, lock {got}"
    assert all(hashes > 0 for _, hashes in locked.values()), "a locked package has no hash"
