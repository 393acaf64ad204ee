"""Labelled evaluation sets: any labelled JSONL, the bundled suites, and the live-chat devsets.

The devsets (``../shared/devsets/``: real Twitch and Dota 2 chat) are for measuring only: they
are read in place when the folder exists, never copied, trained or tuned on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from chatwarden.categories import CATEGORIES
from chatwarden.errors import InputError
from chatwarden.training.suites import (
    functional_suite_names,
    load_functional_suite,
    load_suite,
    suite_names,
)

__all__ = [
    "HARM_VIOLATIONS",
    "Example",
    "FunctionalCase",
    "find_devsets",
    "functional_suites",
    "load_devsets",
    "load_jsonl",
    "parse_example",
    "suite_examples",
]

#: NormVio violations that are about the message itself (the "harm" subset).
HARM_VIOLATIONS: Final = frozenset({"harassment", "incivility", "hate_discrimination", "sexual"})

_REPO_ROOT: Final = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled line: ``label`` is harm 0/1.

    ``categories`` holds the categories the line belongs to. ``complete`` says whether they are
    a full multi-label annotation (a ``categories`` field: a line without a category is a
    negative for it) or a single, partial one (a ``category`` field: per-category metrics then
    compare that category's lines with the harmless lines only).
    """

    text: str
    label: int
    categories: frozenset[str] = frozenset()
    complete: bool = False


def _categories(raw: object, where: str) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if isinstance(raw, str):
        names = [raw]
    elif isinstance(raw, list):
        names = raw
    elif isinstance(raw, Mapping):
        names = [k for k, v in raw.items() if isinstance(v, int | float) and v >= 0.5]
    else:
        raise InputError(f"{where}: categories must be a list, an object or a string")
    for name in names:
        if name not in CATEGORIES:
            raise InputError(f"{where}: unknown category {name!r}; expected one of {CATEGORIES}")
    return frozenset(str(n) for n in names)


def parse_example(obj: object, where: str = "row") -> Example:
    """An ``Example`` from ``{"text", "label" (0/1), "categories"? or "category"?}``.

    Raises:
        InputError: no text, a label that is not 0/1, or an unknown category.
    """
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object")
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError(f"{where}: no 'text' string")
    label = obj.get("label", obj.get("harm"))
    if isinstance(label, bool):
        label = int(label)
    if label not in (0, 1):
        raise InputError(f"{where}: 'label' must be 0 or 1, got {label!r}")
    if "categories" in obj:
        return Example(text, int(label), _categories(obj["categories"], where), complete=True)
    return Example(text, int(label), _categories(obj.get("category"), where))


def load_jsonl(path: Path) -> list[Example]:
    """Every labelled row of a JSONL file (blank lines skipped).

    Raises:
        InputError: the file cannot be read, or a line is not a labelled row.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: invalid JSON ({exc.msg})") from exc
        rows.append(parse_example(obj, f"{path}:{n}"))
    return rows


def suite_examples() -> dict[str, list[Example]]:
    """The bundled hand-written suites by name."""
    return {
        name: [parse_example(row, f"suite {name}") for row in load_suite(name)]
        for name in suite_names()
    }


@dataclass(frozen=True, slots=True)
class FunctionalCase:
    """One case of a functional suite: the labelled line and what it tests.

    ``kind`` is ``threat``, ``self_harm``, ``hate``, ``trash_talk`` or ``benign``; ``min_level``
    the lowest overall level that must hold the line (``None``: no level should).
    """

    example: Example
    functionality: str
    kind: str
    min_level: int | None

    def expect_hold(self, level: int) -> bool:
        """Whether a channel at overall ``level`` should hold this line."""
        return self.min_level is not None and self.min_level <= level


def functional_suites() -> dict[str, list[FunctionalCase]]:
    """The bundled functional suites (``suites/functional/``) by name."""
    out: dict[str, list[FunctionalCase]] = {}
    for name in functional_suite_names():
        cases = []
        for n, row in enumerate(load_functional_suite(name), 1):
            where = f"suite {name}:{n}"
            level = row.get("min_level")
            if level is not None and level not in (1, 2, 3, 4):
                raise InputError(f"{where}: 'min_level' must be 1-4 or null, got {level!r}")
            cases.append(
                FunctionalCase(
                    parse_example(row, where),
                    str(row["functionality"]),
                    str(row["kind"]),
                    level,
                )
            )
        out[name] = cases
    return out


def find_devsets(explicit: Path | None = None) -> Path | None:
    """The devsets folder: ``explicit`` if given, else ``../shared/devsets`` next to the repo."""
    if explicit is not None:
        return explicit if explicit.is_dir() else None
    for root in (_REPO_ROOT, Path.cwd()):
        candidate = root.parent / "shared" / "devsets"
        if candidate.is_dir():
            return candidate
    return None


def _read_raw(path: Path) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise InputError(f"{path}:{n}: expected a JSON object")
            out.append(obj)
    return out


def load_devsets(folder: Path) -> dict[str, list[Example]]:
    """``normvio_harm``, ``normvio_all`` and ``conda`` from the files present in ``folder``.

    ``normvio_harm`` keeps the moderated lines whose violation is a harm category
    (:data:`HARM_VIOLATIONS`) and every unmoderated line; ``normvio_all`` keeps every line.
    """
    sets: dict[str, list[Example]] = {}
    normvio = folder / "normvio_dev.jsonl"
    if normvio.is_file():
        raw = _read_raw(normvio)
        sets["normvio_harm"] = [
            Example(r["text"], int(r["label"]))
            for r in raw
            if int(r["label"]) == 0 or r.get("violation") in HARM_VIOLATIONS
        ]
        sets["normvio_all"] = [Example(r["text"], int(r["label"])) for r in raw]
    conda = folder / "conda_dev.jsonl"
    if conda.is_file():
        sets["conda"] = [Example(r["text"], int(r["label"])) for r in _read_raw(conda)]
    return sets
