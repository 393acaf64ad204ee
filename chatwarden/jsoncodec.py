"""JSON text for the hot paths (stored decisions, WebSocket frames), via orjson.

``dumps`` gives compact UTF-8 text (like ``json.dumps(..., ensure_ascii=False,
separators=(",", ":"))``) about ten times faster than the standard library; non-string dict
keys become strings as ``json`` makes them. What orjson refuses (a float subclass it does not
know, a string with a lone surrogate, an integer beyond 64 bits) falls back to ``json``, so
``dumps`` accepts whatever ``json.dumps`` accepts. ``loads`` is strict JSON (no ``NaN``).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS
_FALLBACK = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError
        return _FALLBACK(value)


def loads(data: str | bytes) -> Any:
    """Parse JSON text; ``ValueError`` (``orjson.JSONDecodeError``) when it is not JSON."""
    return orjson.loads(data)
