"""UUIDs for ids, cheaper than ``str(uuid.uuid4())`` on the hot path: random (version 4) and
time-ordered (version 7, for rows: see ``new_uuid7``).

``uuid.uuid4()`` makes one ``os.urandom(16)`` system call per id, and a system call releases
the GIL: in the chat worker thread each release can hand the interpreter to the event loop
for a whole switch interval. ``new_uuid`` draws its bytes from the same source (``os.urandom``,
the kernel's CSPRNG) 4 KiB at a time, per thread, and formats the text itself; the ids are
the same kind as ``uuid.uuid4()``'s (122 random bits, version 4, RFC 4122 variant).
"""

from __future__ import annotations

import os
import threading
import time

_BLOCK = 4096  # bytes drawn per system call: 256 ids
_KEEP = ~((0xF000 << 64) | (0xC000 << 48))  # clear the version nibble and the variant bits
_SET = (0x4000 << 64) | (0x8000 << 48)  # version 4, variant 10xx (RFC 4122)
_SET7 = (0x7000 << 64) | (0x8000 << 48)  # version 7, variant 10xx (RFC 9562)
_RANDOM74 = (1 << 80) - 1  # the low 80 bits: 74 random bits once version and variant are set


class _Pool(threading.local):
    def __init__(self) -> None:
        self.data = b""
        self.pos = 0


_pool = _Pool()


def _random128() -> int:
    pool = _pool
    pos = pool.pos
    if pos + 16 > len(pool.data):
        pool.data, pos = os.urandom(_BLOCK), 0
    pool.pos = pos + 16
    return int.from_bytes(pool.data[pos : pos + 16], "big")


def _text(value: int) -> str:
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_uuid() -> str:
    """A random version-4 UUID as text, like ``str(uuid.uuid4())``."""
    return _text(_random128() & _KEEP | _SET)


def new_uuid7() -> str:
    """A version-7 UUID as text (RFC 9562): the Unix time in milliseconds, then 74 random bits.

    For keys of rows written in bulk (chat messages): ids made close in time sort close
    together, so a batch's inserts land on the last pages of the id's index instead of one
    random page each (with random ids, every commit rewrote a page of the index per message).
    The time in an id is no secret: the message's own timestamps say as much."""
    ms = time.time_ns() // 1_000_000
    return _text((ms << 80) | (_random128() & _RANDOM74 & _KEEP) | _SET7)
