"""``chatwarden simulate`` over a real subprocess: valid JSON lines, errors without output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chatwarden", "simulate", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_writes_valid_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "sim.jsonl"
    proc = run("--scenario", "mixed", "--seed", "7", "--minutes", "15", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    header, rest = lines[0], lines[1:]
    assert header["type"] == "header" and header["scenario"] == "mixed" and header["seed"] == 7
    messages = [x for x in rest if x["type"] == "message"]
    assert len(messages) == header["messages"] > 0
    assert {x["type"] for x in rest} <= {"message", "ban", "incident"}
    for m in messages:
        assert {"at", "user_id", "username", "text", "role", "label"} <= set(m)
        assert {"incident_id", "incident", "actor"} <= set(m["label"])
    times = [x["at"] for x in rest if x["type"] in ("message", "ban")]
    assert times == sorted(times)
    # the same seed again gives the same file; standard output gives the same lines
    again = run("--scenario", "mixed", "--seed", "7", "--minutes", "15")
    assert again.stdout == out.read_text(encoding="utf-8")


def test_bad_arguments_fail_clearly(tmp_path: Path) -> None:
    proc = run("--scenario", "nope", "--out", str(tmp_path / "x.jsonl"))
    assert proc.returncode == 2
    assert "unknown scenario 'nope'" in proc.stderr
    assert not (tmp_path / "x.jsonl").exists()
    proc = run("--minutes", "0")
    assert proc.returncode == 2 and "--minutes" in proc.stderr
    proc = run("--out", str(tmp_path / "missing" / "x.jsonl"), "--minutes", "1")
    assert proc.returncode == 2 and "cannot write" in proc.stderr
