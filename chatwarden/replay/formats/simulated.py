"""``chatwarden simulate`` output: JSON lines with a ``type`` on each (docs/simulator.md).

The first line is the ``header`` (scenario, seed, start, channel id); then ``message`` lines
(``at``, ``username``, ``user_id``, ``role``, ``text``, and the ground-truth ``label``) and
``ban`` lines in time order; then one ``incident`` line per incident. Replay reads the messages;
the header, bans and incidents are counted as ``other_lines`` (not chat, and not problems).
"""

from __future__ import annotations

import json
from typing import Any

from chatwarden.replay.formats.times import parse_iso
from chatwarden.replay.records import ChatRecord, ParsedLog, parse_role

NAME = "chatwarden-simulate"

#: line types the simulator writes that are not chat messages
OTHER_TYPES = frozenset({"header", "ban", "incident"})


def looks_like(text: str) -> bool:
    """The first non-blank line is the simulator's header object."""
    for line in text.splitlines():
        if line.strip():
            try:
                first = json.loads(line)
            except ValueError:
                return False
            return isinstance(first, dict) and first.get("type") == "header" and "scenario" in first
    return False


def parse(text: str) -> ParsedLog:
    log = ParsedLog(NAME)
    channel = ""
    for number, line in enumerate(text.splitlines(), start=1):
        log.total += 1
        if not line.strip():
            log.blank_lines += 1
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            log.problem(number, f"not JSON: {exc}", line)
            continue
        if not isinstance(obj, dict):
            log.problem(number, f"not a JSON object: got {type(obj).__name__}", line)
            continue
        kind = obj.get("type")
        if kind in OTHER_TYPES:
            log.other_lines += 1
            if kind == "header" and obj.get("channel_id") is not None:
                channel = f"sim-{obj['channel_id']}"
            continue
        if kind != "message":
            log.problem(number, f"unknown line type: {kind!r}", line)
            continue
        try:
            log.records.append(record(number, obj, channel))
        except ValueError as exc:
            log.problem(number, str(exc), line)
    return log


def record(number: int, obj: dict[str, Any], channel: str = "") -> ChatRecord:
    """One ``message`` line as a record; ValueError names what is wrong."""
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing text: 'text' must be a non-blank string")
    user = obj.get("username")
    if not isinstance(user, str) or not user:
        raise ValueError("missing user: 'username' must be a non-empty string")
    user_id = obj.get("user_id")
    return ChatRecord(
        line=number,
        time=parse_iso(obj.get("at")),
        user=user,
        text=text,
        channel=channel,
        user_id=None if user_id is None else str(user_id),
        role=parse_role(obj.get("role")),
    )
