"""Chat modes that a log can replay without effects: the rules, as pure checks over records.

Simulated (in the chat service's order, for everyone but the owner and moderators):
subscribers-only (VIPs and subscribers pass), emote-only (every word in the emote set), slow
mode (VIPs skip it), unique chat (the same text from anyone within 30 s) and the rate limit
(100 messages per 30 s per chatter). Not simulated, because a log does not say it: bans,
timeouts and warnings given during the log, followers-only (follow dates), and the
non-moderator chat delay (it delays messages, it never changes what happens to them).

Time comes only from the records' timestamps. This mirrors ``service/chat/send.py`` (which this
package may not import); ``tests/service/health/test_preview.py`` checks the two agree.
"""

from __future__ import annotations

import unicodedata
from collections import deque
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from chatwarden.replay.records import ChatRecord
from chatwarden.settings import ALWAYS_EXEMPT, Role

UNIQUE_CHAT_WINDOW_S = 30.0
RATE_WINDOW_S = 30.0

NOT_SIMULATED = (
    "bans, timeouts and warnings given while the chat was live",
    "followers-only mode (a log has no follow dates)",
    "the non-moderator chat delay (it only delays delivery)",
    "messages the live chat rejected before they were logged",
)


class ChatModes(BaseModel):
    """A channel's chat modes as a settings file's ``[chat_modes]`` table gives them (the same
    keys as ``GET /api/v1/channels/{name}/chat-settings``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slow_mode_s: int = Field(0, ge=0, le=1800)
    followers_only_min_age_s: int | None = Field(None, ge=0)
    subscribers_only: bool = False
    emote_only: bool = False
    emote_set: tuple[str, ...] = ()
    unique_chat: bool = False
    non_mod_chat_delay_s: int = Field(0, ge=0)
    rate_limit_messages_per_30s: int = Field(100, ge=0, description="0 turns the limit off.")

    def simulated(self) -> list[str]:
        """The modes this replay applies (for the report)."""
        out = []
        if self.subscribers_only:
            out.append("subscribers-only")
        if self.emote_only:
            out.append(f"emote-only ({len(self.emote_set)} emotes)")
        if self.slow_mode_s:
            out.append(f"slow mode {self.slow_mode_s} s")
        if self.unique_chat:
            out.append("unique chat")
        if self.rate_limit_messages_per_30s:
            out.append(f"rate limit {self.rate_limit_messages_per_30s} per 30 s")
        return out


def fingerprint(text: str) -> str:
    """What unique chat compares: case-folded, NFKC, spaces collapsed (as the service does)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class ModeSimulator:
    """Feeds records in log order; ``check`` says which rule (if any) rejects each one."""

    def __init__(self, modes: ChatModes) -> None:
        self.modes = modes
        self._last: dict[str, datetime] = {}
        self._seen: dict[str, datetime] = {}
        self._hits: dict[str, deque[datetime]] = {}

    def check(self, record: ChatRecord) -> str | None:
        """The rejection code (``subscribers_only``, ``emote_only``, ``slow_mode``,
        ``duplicate_message``, ``rate_limited``) or None when the message gets to AutoMod."""
        role = record.role or Role.VIEWER
        if role in ALWAYS_EXEMPT:
            return None
        modes, now = self.modes, record.time
        key = record.user_id or record.user.casefold()
        privileged = role is Role.VIP
        if modes.subscribers_only and not privileged and role is not Role.SUBSCRIBER:
            return "subscribers_only"
        if modes.emote_only:
            emotes = set(modes.emote_set)
            if not all(word in emotes for word in record.text.split()):
                return "emote_only"
        if modes.slow_mode_s and not privileged:
            last = self._last.get(key)
            if last is not None and (now - last).total_seconds() < modes.slow_mode_s:
                return "slow_mode"
            self._last[key] = now
        if modes.unique_chat:
            fp = fingerprint(record.text)
            when = self._seen.get(fp)
            if when is not None and when > now - timedelta(seconds=UNIQUE_CHAT_WINDOW_S):
                return "duplicate_message"
            self._seen[fp] = now
        limit = modes.rate_limit_messages_per_30s
        if limit:
            start = now - timedelta(seconds=RATE_WINDOW_S)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= start:
                hits.popleft()
            if len(hits) >= limit:
                return "rate_limited"
            hits.append(now)
        return None
