"""How the server process runs: one place for ``chatwarden serve`` and bench/service_load.py.

``uvicorn_options(config)`` are the uvicorn settings (uvloop and httptools when installed; the
sans-I/O websockets protocol; both behind ``guard.py``'s header-read timeout and per-IP
connection cap; ``ws_max_size`` from the config; no per-message compression:
compressing each frame for each client was over half the event loop's time when fanning chat
out). ``tune_gc()`` is called once, after start-up, in a process that only serves.

Garbage collection: with the default thresholds (700 allocations) a busy chat server runs a
young-generation collection every few hundred microseconds, and every collection of an older
generation walks everything loaded at start-up (the model, the vocabularies, the modules).
``tune_gc`` moves what start-up built into the permanent generation (``gc.freeze``: never
scanned again) and raises the young threshold, so collections are rarer and each one only
walks what chat traffic allocated. Reference counting still frees almost everything at once;
the collector only finds cycles. Measured with bench/service_load.py (CPU per message).
"""

from __future__ import annotations

import gc
from typing import Any

from chatwarden.config import ServiceConfig
from chatwarden.web.guard import ConnectionGuard, guarded_protocols

#: allocations (minus frees) of container objects between young-generation collections
GC_GEN0_THRESHOLD = 50_000


def uvicorn_options(config: ServiceConfig | None = None) -> dict[str, Any]:
    """The uvicorn settings for ``config`` (its defaults when None); see the module docstring.

    The HTTP and WebSocket protocols are uvicorn's (httptools when installed, the sans-I/O
    websockets protocol) behind ``guard.py``: a header-read timeout and a per-IP connection
    cap. ``ws_max_size`` is the largest WebSocket message read (a bigger one closes the socket
    with 1009 before it is buffered); valid chat frames are at most 16 KB.
    """
    config = config if config is not None else ServiceConfig()
    guard = ConnectionGuard(
        per_ip=config.http_connections_per_ip,
        header_timeout_s=config.http_header_timeout_seconds,
    )
    http, ws = guarded_protocols(guard)
    return {
        "loop": "auto",  # uvloop when installed
        "http": http,  # httptools when installed, guarded
        "ws": ws,  # websockets' sans-I/O protocol, guarded
        "ws_per_message_deflate": False,
        # uvicorn's own proxy headers trust X-Forwarded-For from any loopback peer: off; the
        # app believes it only from ServiceConfig.trusted_proxies (web/app.py)
        "proxy_headers": False,
        "ws_max_size": config.ws_max_message_bytes,
        "timeout_keep_alive": 5,  # idle between requests
    }


def tune_gc(gen0_threshold: int = GC_GEN0_THRESHOLD) -> None:
    """Freeze what exists now into the permanent generation; collect the young less often."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0_threshold, gen1, gen2)
