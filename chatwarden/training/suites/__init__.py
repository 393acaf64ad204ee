"""Hand-written functional test suites (evaluation only; never trained on)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def suite_names() -> list[str]:
    """Names of the bundled suites, sorted."""
    folder = resources.files(__name__)
    return sorted(p.name[: -len(".jsonl")] for p in folder.iterdir() if p.name.endswith(".jsonl"))


def load_suite(name: str) -> list[dict[str, Any]]:
    """Rows of one suite: ``{"text", "label", "suite", "category"}``."""
    raw = resources.files(__name__).joinpath(f"{name}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def load_suite_texts() -> list[str]:
    """Every text of every bundled suite (for speed benchmarks)."""
    return [row["text"] for name in suite_names() for row in load_suite(name)]
