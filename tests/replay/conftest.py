"""A small hand-written chat log used by the replay tests."""

from __future__ import annotations

import json

import pytest

from chatwarden.replay import ParsedLog, parse_log

#: (second, user, role, text)
LINES = [
    (0, "alice", None, "hello chat, nice stream"),
    (10, "bob", None, "you are a stupid idiot and i hate you"),
    (20, "carol", "subscriber", "what a noob play lol"),
    (30, "dave", None, "gg wp"),
    (40, "mallory", None, "go kill yourself you worthless trash"),
    (50, "mod1", "moderator", "you are a stupid idiot and i hate you"),
    (70, "erin", None, "noob noob noob"),
    (125, "frank", None, "<script>alert('x')</script> you stupid idiot & i hate you"),
    (130, "gina", None, "that boss fight was insane"),
    (190, "hank", None, "who else is here from the raid"),
]


def jsonl() -> str:
    out = []
    for second, user, role, text in LINES:
        obj = {
            "time": f"2024-05-01T20:{second // 60:02d}:{second % 60:02d}Z",
            "channel": "alpha",
            "user": user,
            "user_id": user,
            "text": text,
        }
        if role:
            obj["role"] = role
        out.append(json.dumps(obj))
    return "\n".join(out) + "\n"


@pytest.fixture
def small_log() -> ParsedLog:
    return parse_log(jsonl())
