"""How the server process runs: one place for ``chatwarden serve`` and bench/service_load.py.

``uvicorn_options()`` are the uvicorn settings (uvloop and httptools when installed, which
uvicorn's ``"auto"`` picks; the sans-I/O websockets protocol; no per-message compression:
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

#: allocations (minus frees) of container objects between young-generation collections
GC_GEN0_THRESHOLD = 50_000


def uvicorn_options() -> dict[str, Any]:
    return {
        "loop": "auto",  # uvloop when installed
        "http": "auto",  # httptools when installed
        "ws": "websockets-sansio",
        "ws_per_message_deflate": False,
    }


def tune_gc(gen0_threshold: int = GC_GEN0_THRESHOLD) -> None:
    """Freeze what exists now into the permanent generation; collect the young less often."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0_threshold, gen1, gen2)
