"""``chatwarden replay`` and ``chatwarden export`` end to end on small files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chatwarden.cli import app
from chatwarden.pipeline import AutoMod
from chatwarden.settings import AutoModSettings

runner = CliRunner()

IRC = """\
[20:00:00] <alice> hello chat
[20:00:05] <bob> you are a stupid idiot and i hate you
[20:00:06] <bob> you are a stupid idiot and i hate you
* carol joined
[20:00:09] <carol> what a noob
[20:00:20] <@mod> behave please
"""


def test_replay_writes_report_json_and_decisions(tmp_path: Path) -> None:
    log = tmp_path / "stream.log"
    log.write_text(IRC)
    strict = tmp_path / "strict.toml"
    strict.write_text(
        'overall_level = 4\n[[terms]]\ntext = "noob"\n[chat_modes]\nslow_mode_s = 10\n'
    )
    report, summary_file, decisions = (
        tmp_path / "r.html",
        tmp_path / "s.json",
        tmp_path / "d.jsonl",
    )
    result = runner.invoke(
        app,
        [
            "replay",
            str(log),
            "--compare",
            str(strict),
            "--report",
            str(report),
            "--json",
            str(summary_file),
            "--decisions",
            str(decisions),
            "--date",
            "2024-02-03",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "irc: 6 lines, 5 messages replayed, 1 not usable" in result.output
    assert "line 4: not a chat line" in result.output
    summary = json.loads(summary_file.read_text())
    a, b = summary["runs"]
    texts = ["hello chat", *["you are a stupid idiot and i hate you"] * 2, "what a noob"]
    direct = AutoMod(AutoModSettings()).check_batch(texts)
    assert a["counts"]["hold"] == sum(d.action.value == "hold" for d in direct)
    # B: bob's second message comes 1 s after his first (slow mode 10 s); carol says "noob"
    assert b["rejected_by_rule"] == {"slow_mode": 1}
    assert b["blocked_terms"] == {"noob": 1}
    assert summary["runs"][0]["timeline"]["starts"][0].startswith("2024-02-03T20:00")
    lines = [json.loads(x) for x in decisions.read_text().splitlines()]
    assert len(lines) == 10 and {x["run"] for x in lines} == {"A", "B"}
    assert [x["action"] for x in lines[:4]] == [d.action.value for d in direct]
    page = report.read_text()
    assert "Difference: A vs B" in page and "slow_mode" in page


def test_replay_errors_are_clear(tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("nothing that looks like chat\n")
    result = runner.invoke(app, ["replay", str(junk)])
    assert result.exit_code == 2 and "unknown chat log format" in result.output
    result = runner.invoke(app, ["replay", str(tmp_path / "missing.log")])
    assert result.exit_code == 2 and "cannot read" in result.output
    good = tmp_path / "ok.log"
    good.write_text("[10:00] <a> hi\n")
    bad_settings = tmp_path / "bad.toml"
    bad_settings.write_text("overall_level = 9\n")
    result = runner.invoke(app, ["replay", str(good), "--settings", str(bad_settings)])
    assert result.exit_code == 2 and "overall_level" in result.output
    result = runner.invoke(app, ["replay", str(good), "--date", "yesterday"])
    assert result.exit_code == 2 and "--date" in result.output


def test_replay_is_listed_with_examples() -> None:
    for command in ("replay", "export"):
        sub = runner.invoke(app, [command, "--help"])
        assert sub.exit_code == 0 and "Examples" in sub.output


def test_compare_two_model_directories(tmp_path: Path) -> None:
    from chatwarden.model import BUNDLED_DIR

    log = tmp_path / "stream.log"
    log.write_text(IRC)
    out = tmp_path / "s.json"
    result = runner.invoke(
        app, ["replay", str(log), "--compare-model", str(BUNDLED_DIR), "--json", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(out.read_text())
    # the same model loaded from its directory: the same decisions
    assert summary["comparison"]["differ"] == 0
    assert summary["runs"][1]["model"] == str(BUNDLED_DIR)
    assert summary["runs"][0]["model_version"] == summary["runs"][1]["model_version"]
    result = runner.invoke(app, ["replay", str(log), "--model", str(tmp_path / "nope")])
    assert result.exit_code == 2


def test_replay_reads_simulate_output(tmp_path: Path) -> None:
    sim = tmp_path / "raid.jsonl"
    made = runner.invoke(
        app, ["simulate", "-s", "raid", "--seed", "1", "--minutes", "3", "-o", str(sim)]
    )
    assert made.exit_code == 0, made.output
    lines = [json.loads(line) for line in sim.read_text().splitlines()]
    messages = sum(1 for line in lines if line["type"] == "message")
    others = len(lines) - messages
    summary_file = tmp_path / "s.json"
    result = runner.invoke(app, ["replay", str(sim), "--json", str(summary_file), "--quiet"])
    assert result.exit_code == 0, result.output
    assert (
        f"chatwarden-simulate: {len(lines)} lines, {messages} messages replayed, 0 not usable, "
        f"{others} not chat (header, bans, incidents)"
    ) in " ".join(result.output.split())  # rich wraps at the terminal's width
    summary = json.loads(summary_file.read_text())
    assert summary["log"]["other_lines"] == others and summary["runs"][0]["messages"] == messages
