"""``chatwarden eval``: quality figures on labelled data, the suites, the devsets, obfuscation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chatwarden.categories import CATEGORIES
from chatwarden.cli._common import LEVEL_HELP, SETTINGS_HELP, fail, load_settings
from chatwarden.errors import ChatWardenError
from chatwarden.model import load_model
from chatwarden.pipeline import AutoMod
from chatwarden.textgen.obfuscate import TRICKS
from chatwarden.training.evaluate import (
    EvalReport,
    FunctionalityReport,
    ProgressFactory,
    SetReport,
    evaluate,
)
from chatwarden.training.suites import suite_names

_SHORT = {
    "disability": "disab",
    "sexuality_sex_or_gender": "sexual",
    "misogyny": "misog",
    "race_ethnicity_or_religion": "race",
    "sex_based_terms": "sexterm",
    "aggression": "aggr",
    "bullying": "bully",
    "swearing": "swear",
}


def _f(value: float | None, pct: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:.1%}" if pct else f"{value:.3f}"


def _drop(clean: float | None, now: float | None, pct: bool = False) -> str:
    if clean is None or now is None:
        return "-"
    return f"{_f(clean, pct)} → {_f(now, pct)} ({now - clean:+.3f})"


@contextmanager
def _progress(enabled: bool) -> Iterator[ProgressFactory]:
    if not enabled:
        yield lambda description, total: lambda n: None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )

    def factory(description: str, total: int) -> Callable[[int], None]:
        task = bar.add_task(description, total=total)
        return lambda n: bar.advance(task, n)

    with bar:
        yield factory


def _levels_rows(s: SetReport) -> list[tuple[str, list[str]]]:
    rows: dict[str, list[str]] = {}
    for lv in s.levels:
        p = lv.prf
        cell = f"{_f(p.precision)}/{_f(p.recall)}/{_f(p.f1)} @{lv.threshold:.2f}".replace("0.", ".")
        rows.setdefault(lv.column, []).append(cell)
    return list(rows.items())


def render_functional(rows: list[FunctionalityReport], console: Console) -> None:
    """One table per functional suite: held share per functionality, grouped by expectation."""
    for suite in dict.fromkeys(r.suite for r in rows):
        mine = [r for r in rows if r.suite == suite]
        level = mine[0].level
        table = Table(title=f"Functional suite {suite} at overall level {level}: held share")
        for col in ("should be", "functionality", "kind", "cases", "held", "target", ""):
            table.add_column(col, justify="right" if col in ("cases", "held", "target") else "left")
        for expect in (True, False):
            group = [r for r in mine if r.expect_hold == expect]
            for r in group:
                table.add_row(
                    "held" if expect else "allowed",
                    r.functionality,
                    r.kind,
                    str(r.n),
                    _f(r.held_share, pct=True),
                    f"{'≥' if expect else '≤'} {r.target:.0%}",
                    "pass" if r.passed else "FAIL",
                )
            if group and expect:
                table.add_section()
        console.print(table)
        hold = [r for r in mine if r.expect_hold]
        allow = [r for r in mine if not r.expect_hold]
        console.print(
            f"{suite} at level {level}: {sum(r.passed for r in hold)}/{len(hold)} functionalities "
            f"to hold and {sum(r.passed for r in allow)}/{len(allow)} to allow meet their target"
        )


def render(report: EvalReport, console: Console, *, detail: bool = False) -> None:
    """Print the report as rich tables (``detail``: per-category P/R/F1 of each suite too)."""
    suites = set(suite_names())
    sets = Table(title="Quality per set (action = engine at the chosen settings)")
    for col in ("set", "lines", "harmful", "harm AUC", "held", "recall", "false holds"):
        sets.add_column(col, justify="left" if col == "set" else "right")
    for s in report.sets:
        sets.add_row(
            s.name,
            str(s.n),
            str(s.positives),
            _f(s.harm_auc),
            _f(s.hold_rate, pct=True),
            _f(s.recall, pct=True),
            _f(s.false_hold_rate, pct=True),
        )
    console.print(sets)

    with_cats = [s for s in report.sets if any(v is not None for v in s.category_auc.values())]
    if with_cats:
        cats = Table(title="Per-category ROC AUC (category lines vs harmless lines)")
        cats.add_column("set")
        for cat in CATEGORIES:
            cats.add_column(_SHORT[cat], justify="right")
        for s in with_cats:
            cats.add_row(s.name, *(_f(s.category_auc.get(c)) for c in CATEGORIES))
        console.print(cats)

    prf = Table(title="Precision/recall/F1 @ the score threshold each level uses")
    for col in ("set", "column", "level 1", "level 2", "level 3", "level 4"):
        prf.add_column(col, no_wrap=True)
    for s in report.sets:
        if s.harm_auc is None and not any(v is not None for v in s.category_auc.values()):
            continue
        for column, cells in _levels_rows(s):
            if column == "harm" or detail or s.name not in suites:
                prf.add_row(s.name, column, *cells)
    if prf.row_count:
        console.print(prf)

    if report.obfuscation:
        obf = Table(title="Obfuscation: each trick vs the same lines clean")
        for col in ("set", "trick", "harm AUC", "recall (toxic held)", "false holds"):
            obf.add_column(col)
        for t in report.obfuscation:
            obf.add_row(
                t.set,
                t.trick,
                _drop(t.auc_clean, t.auc),
                _drop(t.recall_clean, t.recall, pct=True),
                _drop(t.false_hold_clean, t.false_hold, pct=True),
            )
        console.print(obf)
    if report.functional:
        render_functional(report.functional, console)
    levels = ", ".join(f"{k} {v}" for k, v in report.levels.items())
    console.print(f"model {report.model_version}, settings {report.settings_version}: {levels}")
    for note in report.notes:
        console.print(f"note: {note}")


def eval_command(
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data", "-d", help="A labelled JSONL file ('text', 'label' 0/1); repeatable."
        ),
    ] = None,
    devsets_dir: Annotated[
        Path | None,
        typer.Option(
            "--devsets",
            help="Folder with normvio_dev.jsonl / conda_dev.jsonl "
            "(default: ../shared/devsets next to the repository, when it exists).",
        ),
    ] = None,
    no_devsets: Annotated[bool, typer.Option("--no-devsets", help="Skip the devsets.")] = False,
    no_suites: Annotated[
        bool, typer.Option("--no-suites", help="Skip the bundled suites.")
    ] = False,
    no_functional: Annotated[
        bool,
        typer.Option("--no-functional", help="Skip the functional suites (chat_harm)."),
    ] = False,
    no_obfuscation: Annotated[
        bool, typer.Option("--no-obfuscation", help="Skip the obfuscation runs.")
    ] = False,
    tricks: Annotated[
        str, typer.Option("--tricks", help="Comma-separated obfuscation tricks to run.")
    ] = ",".join(TRICKS),
    obfuscation_limit: Annotated[
        int,
        typer.Option("--obfuscation-limit", help="Lines per set to obfuscate (seeded sample)."),
    ] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Seed for obfuscation and sampling.")] = 0,
    model_dir: Annotated[
        Path | None,
        typer.Option("--model", help="A model directory (default: the bundled model)."),
    ] = None,
    level: Annotated[int | None, typer.Option("--level", "-l", help=LEVEL_HELP)] = None,
    settings_file: Annotated[
        Path | None, typer.Option("--settings", "-s", help=SETTINGS_HELP)
    ] = None,
    detail: Annotated[
        bool, typer.Option("--detail", help="Per-category P/R/F1 rows for each suite too.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as one JSON object.")
    ] = False,
) -> None:
    """Measure quality: ROC AUC, P/R/F1 at each level's thresholds, hold rates, obfuscation.

    Runs the whole engine on the bundled suites and the functional suite chat_harm (evaluation
    only, never trained on; its held share per functionality against issue 12's targets), on
    --data files, and on the live-chat devsets when they are found.

    Examples:

      chatwarden eval

      chatwarden eval --data my_labelled_chat.jsonl --no-suites --no-devsets

      chatwarden eval --tricks leetspeak,homoglyphs --level 3 --json

      chatwarden eval --no-suites --no-devsets --no-obfuscation   (chat_harm per functionality)
    """
    chosen = [t.strip() for t in tricks.split(",") if t.strip()]
    unknown = [t for t in chosen if t not in TRICKS]
    if unknown:
        fail(f"unknown trick(s) {', '.join(unknown)}; expected some of {', '.join(TRICKS)}")
    if devsets_dir is not None and not devsets_dir.is_dir():
        fail(f"--devsets {devsets_dir} is not a directory")
    settings = load_settings(settings_file, level)
    try:
        model = load_model(model_dir) if model_dir is not None else None
        automod = AutoMod(settings, model=model)
        with _progress(enabled=True) as progress:
            report = evaluate(
                automod,
                data=data or [],
                suites=not no_suites,
                functional=not no_functional,
                devsets=not no_devsets,
                devsets_dir=devsets_dir,
                obfuscation=not no_obfuscation,
                tricks=chosen,
                obfuscation_limit=obfuscation_limit,
                seed=seed,
                progress=progress,
            )
    except ChatWardenError as exc:
        fail(exc.message)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    render(report, console, detail=detail)
