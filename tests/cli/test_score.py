"""The ``chatwarden score`` contract, over a real subprocess."""

import json
import subprocess
import sys

from chatwarden.categories import CATEGORIES


def run_score(stdin: bytes, *args: str) -> list[dict[str, object]]:
    proc = subprocess.run(
        [sys.executable, "-m", "chatwarden", "score", *args],
        input=stdin,
        capture_output=True,
        check=True,
        timeout=120,
    )
    lines = proc.stdout.decode().split("\n")
    assert lines[-1] == ""
    return [json.loads(line) for line in lines[:-1]]


def test_one_line_out_per_line_in_with_errors_in_place() -> None:
    lines = [
        b'{"text": "gg wp", "user": "ignored"}',
        b"not json",
        b'{"no_text": 1}',
        b'{"text": 5}',
        b"[1, 2]",
        b"",
        b'{"text": "you are a stupid worthless idiot"}',
        b"\xff\xfe broken utf-8",
        b'{"text": "\\ud800 lone surrogate \\u2028 line sep"}',
    ]
    out = run_score(b"\n".join(lines) + b"\n")
    assert len(out) == len(lines)
    assert out[0]["action"] == "allow"
    for i in (1, 2, 3, 4, 5, 7):
        assert set(out[i]) == {"error"}, out[i]
    assert "invalid JSON" in str(out[1]["error"])
    assert "text" in str(out[2]["error"])
    assert out[6]["action"] in {"hold", "allow"}
    assert isinstance(out[8]["harm"], float)
    for row in (out[0], out[6], out[8]):
        assert set(CATEGORIES) == set(row["categories"])  # type: ignore[arg-type]
        assert 0.0 <= row["harm"] <= 1.0  # type: ignore[operator]
        assert isinstance(row["reasons"], list)


def test_default_level_2_and_level_option() -> None:
    stdin = b'{"text": "what the fuck was that shit"}\n'
    (default,) = run_score(stdin)
    (strict,) = run_score(stdin, "--level", "4")
    assert default["action"] == "allow", "swearing is level 0 in the level-2 preset"
    assert strict["action"] == "hold"


def test_last_line_without_newline_and_many_lines_keep_order() -> None:
    texts = [f"message number {i}" for i in range(600)]
    stdin = "\n".join(json.dumps({"text": t}) for t in texts).encode()
    out = run_score(stdin)
    assert len(out) == 600
    assert [row["normalised"] for row in out] == texts


def test_bad_settings_file_fails_clearly(tmp_path: object) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "chatwarden", "score", "--settings", "/nonexistent.toml"],
        input=b"",
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert b"cannot read settings file" in proc.stderr
