"""Hand-written functional test suites (evaluation only; never trained on).

Two kinds: the small hand-written suites in this folder (``suite_names``), and the functional
suites in ``functional/`` (``functional_suite_names``), where each line also names the
functionality it tests, its kind and the lowest overall level that must hold it.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

FUNCTIONAL = "functional"


def suite_names() -> list[str]:
    """Names of the bundled hand-written suites, sorted."""
    folder = resources.files(__name__)
    return sorted(p.name[: -len(".jsonl")] for p in folder.iterdir() if p.name.endswith(".jsonl"))


def load_suite(name: str) -> list[dict[str, Any]]:
    """Rows of one suite: ``{"text", "label", "suite", "category"}``."""
    raw = resources.files(__name__).joinpath(f"{name}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def functional_suite_names() -> list[str]:
    """Names of the bundled functional suites (``functional/*.jsonl``), sorted."""
    folder = resources.files(__name__).joinpath(FUNCTIONAL)
    return sorted(p.name[: -len(".jsonl")] for p in folder.iterdir() if p.name.endswith(".jsonl"))


def load_functional_suite(name: str) -> list[dict[str, Any]]:
    """Rows of one functional suite: the suite row plus ``functionality``, ``kind``,
    ``min_level`` (int or null) and ``expected`` (``"hold"``/``"allow"`` at overall level 2)."""
    folder = resources.files(__name__).joinpath(FUNCTIONAL)
    raw = folder.joinpath(f"{name}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def load_suite_texts() -> list[str]:
    """Every text of every bundled hand-written suite (for speed benchmarks)."""
    return [row["text"] for name in suite_names() for row in load_suite(name)]
