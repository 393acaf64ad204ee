"""``chatwarden score``: JSON lines in, exactly one JSON line out per input line, in order."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

import typer

from chatwarden.cli._common import LEVEL_HELP, SETTINGS_HELP, load_settings
from chatwarden.pipeline import AutoMod

BATCH = 256


def parse_line(raw: bytes) -> str | dict[str, str]:
    """The message text of one input line, or an ``{"error": ...}`` object saying why not."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return {"error": f"line is not valid UTF-8: {exc.reason} at byte {exc.start}"}
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return {"error": f"invalid JSON: {exc}"}
    if not isinstance(obj, dict):
        return {"error": f"expected a JSON object with a 'text' field, got {type(obj).__name__}"}
    if "text" not in obj:
        return {"error": "missing field 'text'"}
    text = obj["text"]
    if not isinstance(text, str):
        return {"error": f"field 'text' must be a string, got {type(text).__name__}"}
    return text


def score_stream(automod: AutoMod, lines: IO[bytes], out: IO[str], *, batch: int = BATCH) -> int:
    """Score every line of ``lines`` onto ``out``; returns the number of lines written."""
    written = 0
    for chunk in _chunks(lines, batch):
        parsed = [parse_line(line) for line in chunk]
        texts = [p for p in parsed if isinstance(p, str)]
        decisions = iter(automod.check_batch(texts))
        for item in parsed:
            result: dict[str, Any] = next(decisions).to_dict() if isinstance(item, str) else item
            out.write(json.dumps(result) + "\n")
            written += 1
        out.flush()
    return written


def _chunks(lines: IO[bytes], size: int) -> Iterator[list[bytes]]:
    it = iter(lines.readline, b"")
    while chunk := list(islice(it, size)):
        yield chunk


def score_command(
    level: int | None = typer.Option(None, "--level", "-l", help=LEVEL_HELP),
    settings_file: Path | None = typer.Option(None, "--settings", "-s", help=SETTINGS_HELP),
) -> None:
    """Score JSON lines {"text": ...} from stdin; write one JSON line per input line.

    Each output line: {"harm": 0.93, "categories": {...}, "action": "hold", "reasons": [...]}.
    A bad line gets {"error": "..."} on its line; nothing is skipped. Default overall_level 2.

    Examples:

      echo '{"text": "gg wp"}' | chatwarden score

      chatwarden score --level 3 < chat.jsonl > decisions.jsonl
    """
    automod = AutoMod(load_settings(settings_file, level))
    batch = 1 if sys.stdin.isatty() else BATCH
    score_stream(automod, sys.stdin.buffer, sys.stdout, batch=batch)
