"""Text the database cannot hold is refused at the edge: NUL (U+0000) anywhere in a request.

PostgreSQL's ``text`` and ``jsonb`` cannot store U+0000, so a NUL in a username, a reason, a
path or a settings patch failed in the database driver (a 500) on PostgreSQL and was stored on
SQLite. No field of the API has a use for it: ``refuse_nul`` (a dependency of every route, set
in ``app.py``) answers 400 ``invalid_input`` for a NUL in the path, the query or the body (raw,
or as a JSON ``\\u0000`` escape), on both databases alike.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from chatwarden.errors import InputError

_MESSAGE = "text must not contain NUL (U+0000) characters"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def body_has_nul(body: bytes) -> bool:
    """A raw NUL byte, or a JSON string holding ``\\u0000`` (not a literal ``\\\\u0000``)."""
    if b"\x00" in body:
        return True
    if b"\\u0000" not in body:
        return False
    try:
        return _has_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: the text holds a backslash, 'u' and zeros, not a NUL


async def refuse_nul(request: Request) -> None:
    """Raise ``InputError`` (400) when the path, the query or the body holds a NUL."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    for part in (raw_path, request.scope.get("query_string", b"")):
        if b"%00" in part or b"\x00" in part:
            raise InputError(_MESSAGE)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and body_has_nul(await request.body()):
        raise InputError(_MESSAGE)
