"""Event fan-out between the services and the live connections.

The database is the truth; the bus only tells listeners that something happened, after the
commit. ``InProcessBus`` serves one process; a Redis Streams bus can replace it behind the same
``Bus`` protocol. Topics: ``channel:{id}``, ``mods:{id}``, ``user:{id}``, ``credentials``
(see docs/service-design.md).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, Protocol

from chatwarden.bus.memory import InProcessBus, MemorySubscription
from chatwarden.bus.state import ChatState, MemoryChatState

Event = dict[str, Any]

RESYNC: Event = {"type": "resync"}

#: an event's ``seq`` (with ``--bus``: its entry id in the channel's events stream), as a
#: client hands it back to resume
SEQ = re.compile(r"\d{1,20}-\d{1,20}")


#: the cursor of an empty stream: every entry comes after it (``replay`` and
#: ``replay_notices`` give the whole stream, unless it was ever trimmed)
EMPTY_SEQ = "0-0"


def seq_key(seq: str) -> tuple[int, int]:
    """``"1765084800000-3"`` -> ``(1765084800000, 3)``: the order of ``seq`` values."""
    ms, _, n = seq.partition("-")
    return int(ms), int(n or 0)


#: ``{"type": "credential_ended", "credential": sha256 of the token, "reason": ...}`` on logout
#: and token revocation: the web edge closes the sockets opened with that credential
CREDENTIALS_TOPIC = "credentials"


def channel_topic(channel_id: int) -> str:
    return f"channel:{channel_id}"


def mods_topic(channel_id: int) -> str:
    return f"mods:{channel_id}"


def user_topic(user_id: int) -> str:
    return f"user:{user_id}"


class Subscription(Protocol):
    """An async iterator of events on one topic; ``close()`` ends it."""

    topic: str

    def __aiter__(self) -> AsyncIterator[Event]: ...

    async def __anext__(self) -> Event: ...

    async def next_chunks(self) -> list[list[Event]]:
        """Everything waiting, in the chunks it was published in (empty once closed)."""
        ...

    def close(self) -> None: ...


class Bus(Protocol):
    """Publish is thread-safe and never blocks; subscribe on the loop that will iterate."""

    #: whether a channel's recent events are kept (``head``/``replay`` can answer)
    history: bool

    def publish(self, topic: str, event: Event) -> None: ...

    def publish_many(self, items: Iterable[tuple[str, Event]]) -> None:
        """Publish in order; a topic's events may travel to its subscribers as one chunk."""
        ...

    def subscribe(
        self, topic: str, sink: Callable[[list[Event]], None] | None = None
    ) -> Subscription:
        """Listen on ``topic``. With ``sink``, each chunk is handed to it on the subscriber's
        loop as it arrives (nothing is buffered; the sink must not block or fail, and bounds
        what it keeps itself); without, iterate the subscription."""
        ...

    def head(self, channel_id: int) -> str | None:
        """The ``seq`` of the channel's newest kept event (None: none kept). Blocking."""
        ...

    def replay(
        self, channel_id: int, since: str, topics: Iterable[str], limit: int = 1000
    ) -> list[Event] | None:
        """The channel's events on ``topics`` published after the one whose ``seq`` is
        ``since``, oldest first, each with its ``seq``; None when that cannot be had whole
        (no history kept, as in one process, ``since`` is too old, or more than ``limit``
        events followed it). Blocking."""
        ...

    def notices_head(self, user_id: int) -> str | None:
        """The ``notice_seq`` of the user's newest kept event about no channel (None: none
        kept). Blocking."""
        ...

    def replay_notices(self, user_id: int, since: str, limit: int = 1000) -> list[Event] | None:
        """The user's events about no channel (topic ``user:{id}``, no ``event.channel_id``)
        published after the one whose ``notice_seq`` is ``since``, oldest first, each with its
        ``notice_seq``; None as ``replay``. Blocking."""
        ...


__all__ = [
    "EMPTY_SEQ",
    "RESYNC",
    "SEQ",
    "Bus",
    "ChatState",
    "Event",
    "InProcessBus",
    "MemoryChatState",
    "MemorySubscription",
    "Subscription",
    "channel_topic",
    "mods_topic",
    "seq_key",
    "user_topic",
]
