"""The model registry: trained model versions side by side, which one is live, and why.

A registry is a folder (``ServiceConfig.model_registry_dir()``) holding one subfolder per
version (``<version>/``: ``weights.npz``, ``meta.json`` and ``metrics.json``, written once by
``chatwarden train --with-feedback`` and never edited) and ``registry.json``, the only file that
changes: the stack of promoted versions (the last one is live; rollback pops it), the shadow
runs of each version, and a log of every promotion and rollback.

A version becomes live only through ``promote``, which refuses a version that is worse than the
live one on the moderators' held-back labels (ROC AUC lower by more than ``AUC_TOLERANCE``) or
that never ran in shadow mode, unless told otherwise (``force``, ``skip_shadow``): the refusal
reasons are data (``promotion_problems``) so the command can print them. An empty stack means
the bundled model is live, so ``rollback`` of the first promotion returns to it.

Pure file operations and JSON: no store, service or pipeline (the model layer stays pure), and
the clock is passed in. Read-modify-write of ``registry.json`` holds an exclusive ``flock`` on
``.lock`` and replaces the file atomically, so two commands (or ``serve`` recording a shadow
run) never lose each other's change.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from chatwarden.errors import InputError, ModelError
from chatwarden.model import BUNDLED_DIR, META_FILE, Model, load_model

STATE_FILE: Final = "registry.json"
METRICS_FILE: Final = "metrics.json"
LOCK_FILE: Final = ".lock"
#: a version may be at most this much below the live model's held-back ROC AUC
AUC_TOLERANCE: Final = 0.005
#: what the live model is called when no version is promoted
BUNDLED: Final = "bundled"
_VERSION: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One stored version as ``chatwarden model list`` shows it."""

    version: str
    path: Path
    metrics: dict[str, Any]
    active: bool
    shadow_runs: int
    last_shadow: str | None


def _empty_state() -> dict[str, Any]:
    return {"promoted": [], "shadow": {}, "log": []}


class Registry:
    """A registry folder. Creating the object touches nothing; the first write creates it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # -- reading -----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """``registry.json`` (an empty state when there is none yet).

        Raises:
            ModelError: the file is not valid JSON of the expected shape.
        """
        path = self.root / STATE_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return _empty_state()
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"cannot read the model registry's {path}: {exc}") from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("promoted", []), list):
            raise ModelError(f"{path} must hold a JSON object with a 'promoted' list")
        state = _empty_state()
        state.update(raw)
        return state

    def active(self) -> str | None:
        """The live version, ``None`` when the bundled model is live."""
        promoted = self.state()["promoted"]
        return str(promoted[-1]) if promoted else None

    def active_dir(self) -> Path | None:
        """The live version's folder, ``None`` when the bundled model is live (also when the
        registry does not exist yet): ``load_model(registry.active_dir())`` loads the live model.

        Raises:
            ModelError: the promoted version's folder is missing.
        """
        version = self.active()
        if version is None:
            return None
        path = self.path(version)
        if not path.is_dir():
            raise ModelError(f"the promoted model {version} is missing from {self.root}")
        return path

    def path(self, version: str) -> Path:
        """Where ``version`` is stored (whether or not it exists).

        Raises:
            InputError: ``version`` is not a plain folder name.
        """
        if not _VERSION.fullmatch(version):
            raise InputError(f"{version!r} is not a model version")
        return self.root / version

    def versions(self) -> list[str]:
        """Every stored version, in name order."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and _VERSION.fullmatch(p.name) and (p / METRICS_FILE).is_file()
        )

    def metrics(self, version: str) -> dict[str, Any]:
        """A version's ``metrics.json``.

        Raises:
            InputError: no such version.
            ModelError: its metrics file is unreadable.
        """
        path = self.path(version) / METRICS_FILE
        if not path.is_file():
            known = ", ".join(self.versions()) or "none"
            raise InputError(f"no model version {version!r} in {self.root} (stored: {known})")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"cannot read {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise ModelError(f"{path} must hold a JSON object")
        return data

    def entries(self) -> list[VersionInfo]:
        """Every stored version with its metrics, whether it is live and its shadow runs."""
        state = self.state()
        active = state["promoted"][-1] if state["promoted"] else None
        out = []
        for version in self.versions():
            shadow = state["shadow"].get(version, {})
            out.append(
                VersionInfo(
                    version=version,
                    path=self.path(version),
                    metrics=self.metrics(version),
                    active=version == active,
                    shadow_runs=int(shadow.get("runs", 0)),
                    last_shadow=shadow.get("last"),
                )
            )
        return out

    def promotion_problems(self, version: str) -> list[str]:
        """Why ``version`` should not be promoted now (empty: nothing against it).

        ``"worse: ..."``: its held-back ROC AUC is more than ``AUC_TOLERANCE`` below the one
        measured for the live model on the same rows, or there is no such comparison, or it was
        measured against another model than the one live now; ``"shadow: ..."``: it has never
        run in shadow mode. ``promote`` lifts the first kind with ``force`` and the second with
        ``skip_shadow``.
        """
        metrics = self.metrics(version)
        state = self.state()
        live = state["promoted"][-1] if state["promoted"] else BUNDLED
        problems = [f"worse: {p}" for p in _comparison_problems(metrics, live)]
        if not state["shadow"].get(version, {}).get("runs"):
            problems.append(
                f"shadow: {version} has not run in shadow mode (start `chatwarden serve` with "
                f"CHATWARDEN_ANALYTICS_SHADOW_MODELS={version}={self.path(version)})"
            )
        return problems

    # -- writing -----------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        """The state under an exclusive lock; written back (atomically) when the block ends
        without an exception."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / LOCK_FILE).open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = self.state()
                yield state
                tmp = self.root / f".{STATE_FILE}.{os.getpid()}.tmp"
                tmp.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", "utf-8")
                os.replace(tmp, self.root / STATE_FILE)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(self, build_dir: Path, metrics: dict[str, Any], now: datetime) -> str:
        """Move a trained model folder into the registry as the version its ``meta.json``
        names, with ``metrics`` written beside it. Not promoted.

        Raises:
            InputError: that version is already stored.
            ModelError: ``build_dir`` has no readable ``meta.json`` with a version.
        """
        try:
            meta = json.loads((build_dir / "meta.json").read_text(encoding="utf-8"))
            version = str(meta["version"])
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ModelError(f"{build_dir} is not a trained model folder: {exc}") from exc
        target = self.path(version)
        with self._locked() as state:
            if target.exists():
                raise InputError(f"model version {version} is already in {self.root}")
            (build_dir / METRICS_FILE).write_text(
                json.dumps(metrics, indent=1, sort_keys=True) + "\n", encoding="utf-8"
            )
            shutil.move(str(build_dir), str(target))
            state["log"].append({"at": now.isoformat(), "event": "add", "version": version})
        return version

    def record_shadow(self, version: str, now: datetime) -> None:
        """Note that ``version`` was started as a shadow candidate (``chatwarden serve``)."""
        self.metrics(version)  # InputError for an unknown version
        with self._locked() as state:
            entry = state["shadow"].setdefault(version, {"runs": 0, "first": now.isoformat()})
            entry["runs"] = int(entry.get("runs", 0)) + 1
            entry["last"] = now.isoformat()

    def promote(
        self, version: str, now: datetime, *, force: bool = False, skip_shadow: bool = False
    ) -> list[str]:
        """Make ``version`` the live model. Returns the problems it was promoted despite
        (``force``/``skip_shadow``), to be shown.

        Raises:
            InputError: no such version, it is already live, or a problem not lifted (the
                message lists them).
        """
        with self._locked() as state:
            if state["promoted"] and state["promoted"][-1] == version:
                raise InputError(f"{version} is already the promoted model")
            problems = self.promotion_problems(version)  # under the lock: the live one stays
            lifted = {"worse": force, "shadow": skip_shadow}
            blocking = [p for p in problems if not lifted[p.partition(":")[0]]]
            if blocking:
                raise InputError(f"not promoting {version}: " + "; ".join(blocking))
            previous = state["promoted"][-1] if state["promoted"] else BUNDLED
            state["promoted"].append(version)
            state["log"].append(
                {
                    "at": now.isoformat(),
                    "event": "promote",
                    "version": version,
                    "previous": previous,
                    "overridden": problems,
                }
            )
        return problems

    def rollback(self, now: datetime) -> str:
        """Make the previously promoted version live again (the bundled model after the first
        promotion). Returns the version now live (``BUNDLED`` for the bundled model).

        Raises:
            InputError: nothing is promoted.
        """
        with self._locked() as state:
            if not state["promoted"]:
                raise InputError("no promoted model to roll back: the bundled model is live")
            gone = state["promoted"].pop()
            live = state["promoted"][-1] if state["promoted"] else BUNDLED
            state["log"].append(
                {"at": now.isoformat(), "event": "rollback", "version": live, "previous": gone}
            )
        return str(live)


def _comparison_problems(metrics: dict[str, Any], live: str) -> list[str]:
    """What is wrong with ``metrics``' held-back comparison for promotion over ``live``."""
    held = metrics.get("heldout")
    if not isinstance(held, dict):
        return ["it has no held-back comparison (trained without feedback)"]
    new, old = held.get("new") or {}, held.get("promoted") or {}
    if old.get("registry_version", BUNDLED) != live:
        return [
            f"it was compared with {old.get('registry_version', BUNDLED)}, "
            f"but {live} is promoted now (retrain to compare with it)"
        ]
    measured, bundled = old.get("model_version"), _bundled_version()
    if live == BUNDLED and measured is not None and measured != bundled:
        return [
            f"it was compared with the bundled model {measured}, but the bundled model is "
            f"{bundled} now (retrain to compare with it)"
        ]
    a, b = _number(new.get("roc_auc")), _number(old.get("roc_auc"))
    if a is None or b is None:
        return [f"no ROC AUC on the {held.get('rows', 0)} held-back labels (need both classes)"]
    if a < b - AUC_TOLERANCE:
        return [
            f"held-back ROC AUC {a:.4f} vs {b:.4f} for {live} "
            f"(more than {AUC_TOLERANCE} lower) on {held.get('rows', 0)} labels"
        ]
    return []


def _bundled_version() -> str | None:
    try:
        meta = json.loads((BUNDLED_DIR / META_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return str(meta.get("version")) if isinstance(meta, dict) else None


def _number(value: object) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None  # type: ignore[arg-type]


def shadow_versions(root: Path, paths: Iterable[str | Path]) -> list[str]:
    """The registry versions among shadow candidate model folders (others are ignored)."""
    base = root.resolve()
    out = []
    for raw in paths:
        path = Path(raw).resolve()
        if path.parent == base and (path / METRICS_FILE).is_file():
            out.append(path.name)
    return out


def load_live_model(root: Path) -> Model:
    """The model a server decides with: the registry's promoted version, else the bundled one.

    Raises:
        ModelError: the registry state or the promoted version's files are broken (a server
            must not silently fall back to another model than the one promoted).
    """
    return load_model(Registry(root).active_dir())


def record_shadow_runs(root: Path, paths: Iterable[str | Path], now: datetime) -> list[str]:
    """Note a server start with these shadow candidate folders: each one that is a registry
    version counts a shadow run (``promote`` asks for one). Returns those versions."""
    versions = shadow_versions(root, paths)
    registry = Registry(root)
    for version in versions:
        registry.record_shadow(version, now)
    return versions
