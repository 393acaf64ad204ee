"""Random UUIDs (version 4) for ids, cheaper than ``str(uuid.uuid4())`` on the hot path.

``uuid.uuid4()`` makes one ``os.urandom(16)`` system call per id, and a system call releases
the GIL: in the chat worker thread each release can hand the interpreter to the event loop
for a whole switch interval. ``new_uuid`` draws its bytes from the same source (``os.urandom``,
the kernel's CSPRNG) 4 KiB at a time, per thread, and formats the text itself; the ids are
the same kind as ``uuid.uuid4()``'s (122 random bits, version 4, RFC 4122 variant).
"""

from __future__ import annotations

import os
import threading

_BLOCK = 4096  # bytes drawn per system call: 256 ids
_KEEP = ~((0xF000 << 64) | (0xC000 << 48))  # clear the version nibble and the variant bits
_SET = (0x4000 << 64) | (0x8000 << 48)  # version 4, variant 10xx (RFC 4122)


class _Pool(threading.local):
    def __init__(self) -> None:
        self.data = b""
        self.pos = 0


_pool = _Pool()


def new_uuid() -> str:
    """A random version-4 UUID as text, like ``str(uuid.uuid4())``."""
    pool = _pool
    pos = pool.pos
    if pos + 16 > len(pool.data):
        pool.data, pos = os.urandom(_BLOCK), 0
    pool.pos = pos + 16
    raw = pool.data[pos : pos + 16]
    value = int.from_bytes(raw, "big") & _KEEP | _SET
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
