"""Evaluate the engine: ROC AUC, P/R/F1 at each level's thresholds, hold rates, obfuscation.

``evaluate()`` runs the whole engine (``AutoMod.check_batch``) on each set, so hold rates and
recall are what a channel at the given settings would see; AUCs use ``Decision.harm`` and the
per-category scores. Under obfuscation every line of a set (toxic and harmless) is rewritten by
one trick at a time and compared with the clean run. On the functional suites (``chat_harm``) it
also gives the held share of each functionality against its target at the channel's level.

    report = evaluate(AutoMod(AutoModSettings(overall_level=2)))
    print(report.to_dict())
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatwarden.categories import CATEGORIES
from chatwarden.decision import Action, Decision
from chatwarden.pipeline import AutoMod
from chatwarden.textgen.obfuscate import TRICKS, obfuscate
from chatwarden.training.evalsets import (
    Example,
    FunctionalCase,
    find_devsets,
    functional_suites,
    load_devsets,
    load_jsonl,
    suite_examples,
)
from chatwarden.training.metrics import PRF, prf_at, rate, roc_auc

__all__ = [
    "ALLOW_TARGET",
    "HOLD_TARGET",
    "EvalReport",
    "FunctionalityReport",
    "LevelPRF",
    "ProgressFactory",
    "SetReport",
    "TrickReport",
    "compare_tricks",
    "decide_all",
    "evaluate",
    "evaluate_functionalities",
    "evaluate_obfuscation",
    "evaluate_set",
    "obfuscate_examples",
    "sample_examples",
]

#: ``factory(description, total)`` returns ``advance(n)``; the CLI passes a rich progress bar.
ProgressFactory = Callable[[str, int], Callable[[int], None]]

ALL_SUITES = "suites (all)"
BATCH = 1000
#: issue 12's targets for a functional suite: a functionality that should be held at the
#: channel's level is held at least this often, one that should be allowed at most this often
HOLD_TARGET = 0.90
ALLOW_TARGET = 0.05
#: the level expectations are checked at when the settings have no overall level
DEFAULT_LEVEL = 2


def _noop(n: int) -> None:
    return None


def _no_progress(description: str, total: int) -> Callable[[int], None]:
    return _noop


@dataclass(frozen=True, slots=True)
class LevelPRF:
    """P/R/F1 of ``score >= threshold`` for one column at the threshold one level uses."""

    column: str
    level: int
    threshold: float
    prf: PRF

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "level": self.level,
            "threshold": round(self.threshold, 4),
            **self.prf.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class SetReport:
    """Figures for one labelled set at one channel setting.

    ``hold_rate`` is the share of all lines not allowed; ``recall`` the share of harmful lines
    not allowed; ``false_hold_rate`` the share of harmless lines not allowed.
    """

    name: str
    n: int
    positives: int
    harm_auc: float | None
    category_auc: dict[str, float | None]
    levels: tuple[LevelPRF, ...]
    hold_rate: float | None
    recall: float | None
    false_hold_rate: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n": self.n,
            "positives": self.positives,
            "harm_auc": _r(self.harm_auc),
            "category_auc": {k: _r(v) for k, v in self.category_auc.items()},
            "hold_rate": _r(self.hold_rate),
            "recall": _r(self.recall),
            "false_hold_rate": _r(self.false_hold_rate),
            "levels": [lv.to_dict() for lv in self.levels],
        }


@dataclass(frozen=True, slots=True)
class TrickReport:
    """One set under one obfuscation trick against the same lines clean.

    AUCs are of the harm score; recall is the share of harmful lines not allowed (for the peer
    in ``bench/quality.py``: predicted at its 0.5 threshold). Drops are clean minus obfuscated,
    in absolute points.
    """

    set: str
    trick: str
    n: int
    positives: int
    auc_clean: float | None
    auc: float | None
    recall_clean: float | None
    recall: float | None
    false_hold_clean: float | None
    false_hold: float | None

    @property
    def auc_drop(self) -> float | None:
        return _diff(self.auc_clean, self.auc)

    @property
    def recall_drop(self) -> float | None:
        return _diff(self.recall_clean, self.recall)

    def to_dict(self) -> dict[str, Any]:
        return {
            "set": self.set,
            "trick": self.trick,
            "n": self.n,
            "positives": self.positives,
            "auc_clean": _r(self.auc_clean),
            "auc": _r(self.auc),
            "auc_drop": _r(self.auc_drop),
            "recall_clean": _r(self.recall_clean),
            "recall": _r(self.recall),
            "recall_drop": _r(self.recall_drop),
            "false_hold_clean": _r(self.false_hold_clean),
            "false_hold": _r(self.false_hold),
        }


@dataclass(frozen=True, slots=True)
class FunctionalityReport:
    """The held share of one functionality of a functional suite at one overall level."""

    suite: str
    functionality: str
    kind: str
    level: int
    expect_hold: bool
    n: int
    held: int

    @property
    def held_share(self) -> float | None:
        return self.held / self.n if self.n else None

    @property
    def target(self) -> float:
        """At least this share held (``expect_hold``), else at most this share."""
        return HOLD_TARGET if self.expect_hold else ALLOW_TARGET

    @property
    def passed(self) -> bool:
        share = self.held_share
        if share is None:
            return False
        return share >= self.target if self.expect_hold else share <= self.target

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "functionality": self.functionality,
            "kind": self.kind,
            "level": self.level,
            "expected": "hold" if self.expect_hold else "allow",
            "n": self.n,
            "held": self.held,
            "held_share": _r(self.held_share),
            "target": self.target,
            "passed": self.passed,
        }


@dataclass
class EvalReport:
    """Everything ``evaluate`` measured, with the versions that produced it."""

    model_version: str
    settings_version: str
    levels: dict[str, int]
    sets: list[SetReport] = field(default_factory=list)
    obfuscation: list[TrickReport] = field(default_factory=list)
    functional: list[FunctionalityReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "settings_version": self.settings_version,
            "levels": self.levels,
            "sets": [s.to_dict() for s in self.sets],
            "obfuscation": [t.to_dict() for t in self.obfuscation],
            "functional": [f.to_dict() for f in self.functional],
            "notes": self.notes,
        }


def decide_all(
    automod: AutoMod,
    texts: Sequence[str],
    *,
    advance: Callable[[int], None] = _noop,
    batch: int = BATCH,
) -> list[Decision]:
    """``automod.check_batch`` over ``texts`` in batches, reporting progress."""
    out: list[Decision] = []
    for start in range(0, len(texts), batch):
        chunk = texts[start : start + batch]
        out.extend(automod.check_batch(chunk))
        advance(len(chunk))
    return out


def _flagged(decisions: Sequence[Decision]) -> list[bool]:
    return [d.action != Action.ALLOW for d in decisions]


def _category_rows(examples: Sequence[Example], cat: str) -> tuple[list[int], list[int]]:
    """Row indices and labels for per-category metrics (see ``Example.complete``)."""
    idx, labels = [], []
    for i, eg in enumerate(examples):
        positive = cat in eg.categories
        if positive or eg.complete or eg.label == 0:
            idx.append(i)
            labels.append(int(positive))
    return idx, labels


def evaluate_set(
    name: str,
    examples: Sequence[Example],
    decisions: Sequence[Decision],
    thresholds: dict[str, tuple[float, float, float, float]],
) -> SetReport:
    """Figures for one set from its decisions (pure: no engine call)."""
    labels = [eg.label for eg in examples]
    harm = [d.harm for d in decisions]
    flagged = _flagged(decisions)
    levels: list[LevelPRF] = []
    if "harm" in thresholds:
        for level, t in enumerate(thresholds["harm"], 1):
            levels.append(LevelPRF("harm", level, t, prf_at(labels, harm, t)))
    category_auc: dict[str, float | None] = {}
    present = {c for eg in examples for c in eg.categories}
    for cat in (c for c in CATEGORIES if c in present):
        idx, cat_labels = _category_rows(examples, cat)
        scores = [float(decisions[i].categories[cat]) for i in idx]
        category_auc[cat] = roc_auc(cat_labels, scores)
        for level, t in enumerate(thresholds.get(cat, ()), 1):
            levels.append(LevelPRF(cat, level, t, prf_at(cat_labels, scores, t)))
    return SetReport(
        name=name,
        n=len(examples),
        positives=sum(labels),
        harm_auc=roc_auc(labels, harm),
        category_auc=category_auc,
        levels=tuple(levels),
        hold_rate=rate(flagged),
        recall=rate([f for f, y in zip(flagged, labels, strict=True) if y]),
        false_hold_rate=rate([f for f, y in zip(flagged, labels, strict=True) if not y]),
    )


def evaluate_functionalities(
    suite: str,
    cases: Sequence[FunctionalCase],
    decisions: Sequence[Decision],
    level: int,
) -> list[FunctionalityReport]:
    """Held share per functionality (in the suite's order) against what ``level`` should hold.

    Pure: no engine call. A functionality whose cases disagree on the expectation is reported
    once per expectation.
    """
    held: dict[tuple[str, str, bool], list[bool]] = {}
    for case, flagged in zip(cases, _flagged(decisions), strict=True):
        key = (case.functionality, case.kind, case.expect_hold(level))
        held.setdefault(key, []).append(flagged)
    return [
        FunctionalityReport(suite, name, kind, level, expect, len(flags), sum(flags))
        for (name, kind, expect), flags in held.items()
    ]


def obfuscate_examples(examples: Sequence[Example], trick: str, seed: int = 0) -> list[str]:
    """Every line rewritten by ``trick``; line ``i`` uses ``Random(f"{seed}:{trick}:{i}")``."""
    return [
        obfuscate(eg.text, trick, random.Random(f"{seed}:{trick}:{i}"))
        for i, eg in enumerate(examples)
    ]


def compare_tricks(
    set_name: str,
    trick: str,
    labels: Sequence[int],
    clean: tuple[Sequence[float], Sequence[bool]],
    obfuscated: tuple[Sequence[float], Sequence[bool]],
) -> TrickReport:
    """A ``TrickReport`` from (scores, flagged) of the clean and the obfuscated lines."""

    def recall(flags: Sequence[bool], want: int) -> float | None:
        return rate([f for f, y in zip(flags, labels, strict=True) if y == want])

    return TrickReport(
        set=set_name,
        trick=trick,
        n=len(labels),
        positives=sum(labels),
        auc_clean=roc_auc(labels, clean[0]),
        auc=roc_auc(labels, obfuscated[0]),
        recall_clean=recall(clean[1], 1),
        recall=recall(obfuscated[1], 1),
        false_hold_clean=recall(clean[1], 0),
        false_hold=recall(obfuscated[1], 0),
    )


def evaluate_obfuscation(
    automod: AutoMod,
    set_name: str,
    examples: Sequence[Example],
    clean: Sequence[Decision],
    *,
    tricks: Sequence[str] = tuple(TRICKS),
    seed: int = 0,
    progress: ProgressFactory = _no_progress,
) -> list[TrickReport]:
    """Each trick applied to every line of ``examples``, compared with the ``clean`` decisions."""
    labels = [eg.label for eg in examples]
    clean_pair = ([d.harm for d in clean], _flagged(clean))
    advance = progress(f"{set_name}: obfuscated", len(examples) * len(tricks))
    out = []
    for trick in tricks:
        decisions = decide_all(automod, obfuscate_examples(examples, trick, seed), advance=advance)
        pair = ([d.harm for d in decisions], _flagged(decisions))
        out.append(compare_tricks(set_name, trick, labels, clean_pair, pair))
    return out


def sample_examples(examples: list[Example], limit: int | None, seed: int) -> list[Example]:
    """At most ``limit`` examples, a seeded sample in their original order (``None``: all)."""
    if limit is None or len(examples) <= limit:
        return examples
    keep = sorted(random.Random(seed).sample(range(len(examples)), limit))
    return [examples[i] for i in keep]


def evaluate(
    automod: AutoMod | None = None,
    *,
    data: Sequence[Path] = (),
    suites: bool = True,
    functional: bool = True,
    devsets: bool = True,
    devsets_dir: Path | None = None,
    obfuscation: bool = True,
    tricks: Sequence[str] = tuple(TRICKS),
    obfuscation_limit: int | None = 3000,
    seed: int = 0,
    progress: ProgressFactory = _no_progress,
) -> EvalReport:
    """Evaluate ``automod`` (default: ``AutoMod()``, overall level 2) on the chosen sets.

    Sets: each ``data`` file, the bundled suites (one report each plus all together), the
    functional suites (``chat_harm``: one report, plus the held share of each functionality at
    the settings' overall level, or level 2 without one) and, when the devsets folder is found,
    ``normvio_harm``, ``normvio_all`` and ``conda``. Obfuscation runs on each data file, all
    suites together, each functional suite, ``normvio_harm`` and ``conda``, each sampled down to
    ``obfuscation_limit`` lines (seeded).

    Raises:
        InputError: a ``data`` file cannot be read or has a bad row.
    """
    automod = automod if automod is not None else AutoMod()
    report = EvalReport(
        model_version=automod.model.version,
        settings_version=automod.settings.version,
        levels={k: int(v) for k, v in automod.levels.items()},
    )
    sets: list[tuple[str, list[Example], bool]] = []  # (name, rows, obfuscate it)
    for path in data:
        sets.append((path.stem, load_jsonl(path), True))
    if suites:
        by_suite = suite_examples()
        sets.extend((name, rows, False) for name, rows in by_suite.items())
        sets.append((ALL_SUITES, [eg for rows in by_suite.values() for eg in rows], True))
    functional_cases: dict[str, list[FunctionalCase]] = {}
    level = automod.settings.overall_level
    if functional:
        functional_cases = functional_suites()
        sets.extend(
            (name, [c.example for c in cases], True) for name, cases in functional_cases.items()
        )
        if level is None:
            report.notes.append(
                f"functional suites: no overall level in the settings; expectations of level "
                f"{DEFAULT_LEVEL}"
            )
    if devsets:
        folder = find_devsets(devsets_dir)
        if folder is None:
            where = devsets_dir or "../shared/devsets"
            report.notes.append(f"devsets skipped: {where} not found")
        else:
            found = load_devsets(folder)
            for name, rows in found.items():
                sets.append((name, rows, name != "normvio_all"))
            report.notes.append(
                f"devsets from {folder} (evaluation only: never trained or tuned on)"
            )
    thresholds = automod.model.thresholds
    for name, rows, obfuscate_it in sets:
        decisions = decide_all(automod, [eg.text for eg in rows], advance=progress(name, len(rows)))
        report.sets.append(evaluate_set(name, rows, decisions, thresholds))
        if name in functional_cases:
            report.functional.extend(
                evaluate_functionalities(
                    name,
                    functional_cases[name],
                    decisions,
                    level if level is not None else DEFAULT_LEVEL,
                )
            )
        if obfuscation and obfuscate_it and rows:
            sample = sample_examples(rows, obfuscation_limit, seed)
            clean = decisions if sample is rows else decide_all(automod, [e.text for e in sample])
            report.obfuscation.extend(
                evaluate_obfuscation(
                    automod, name, sample, clean, tricks=tricks, seed=seed, progress=progress
                )
            )
    return report


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
