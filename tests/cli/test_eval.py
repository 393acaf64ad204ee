"""``chatwarden eval`` on a tiny labelled file, with the bundled model."""

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from chatwarden.cli.eval import eval_command

app = typer.Typer()
app.command()(eval_command)
runner = CliRunner()

ROWS = [
    {"text": "you are a worthless idiot", "label": 1, "category": "bullying"},
    {"text": "kill yourself loser", "label": 1, "category": "aggression"},
    {"text": "gg wp that was a clean round", "label": 0},
    {"text": "what rank is he", "label": 0},
]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    return path


def test_eval_json(tiny: Path) -> None:
    result = runner.invoke(
        app,
        [
            "--data",
            str(tiny),
            "--no-suites",
            "--no-functional",
            "--no-devsets",
            "--tricks",
            "spaced,leetspeak",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (only,) = report["sets"]
    assert only["name"] == "tiny" and only["n"] == 4 and only["positives"] == 2
    assert 0.0 <= only["harm_auc"] <= 1.0
    assert {c["column"] for c in only["levels"]} >= {"harm", "bullying", "aggression"}
    assert [t["trick"] for t in report["obfuscation"]] == ["spaced", "leetspeak"]
    assert report["levels"]["swearing"] == 0  # default: overall level 2


def test_eval_table(tiny: Path) -> None:
    result = runner.invoke(
        app,
        [
            "--data",
            str(tiny),
            "--no-suites",
            "--no-functional",
            "--devsets",
            str(tiny.parent),
            "--level",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Quality per set" in result.stdout
    assert "Obfuscation" in result.stdout
    assert "homoglyphs" in result.stdout


def test_eval_errors(tiny: Path) -> None:
    bad = runner.invoke(app, ["--data", str(tiny), "--tricks", "rot13"])
    assert bad.exit_code == 2 and "unknown trick(s) rot13" in bad.output
    tiny.write_text('{"text": "x", "label": 7}\n', encoding="utf-8")
    bad = runner.invoke(app, ["--data", str(tiny), "--no-suites", "--no-devsets"])
    assert bad.exit_code == 2 and "'label' must be 0 or 1" in bad.output


def test_eval_functional_suite_per_functionality() -> None:
    result = runner.invoke(app, ["--no-suites", "--no-devsets", "--no-obfuscation"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Functional suite chat_harm at overall level 2: held share" in out
    for name in ("threat_direct", "kys", "doxxing", "gaming_violence", "channel_emotes"):
        assert name in out
    assert "≥ 90%" in out and "≤ 5%" in out
    assert "functionalities to hold and" in out and "meet their target" in out


def test_eval_functional_json_follows_the_level() -> None:
    result = runner.invoke(
        app, ["--no-suites", "--no-devsets", "--no-obfuscation", "--level", "4", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [s["name"] for s in report["sets"]] == ["chat_harm"]
    rows = {f["functionality"]: f for f in report["functional"]}
    assert len(rows) >= 30 and {f["level"] for f in rows.values()} == {4}
    assert rows["trash_talk"]["expected"] == "hold"  # trash talk is held at level 4
    assert rows["gaming_violence"]["expected"] == "allow"
    assert all(
        f["passed"] == (f["held_share"] >= 0.9) for f in rows.values() if f["expected"] == "hold"
    )
