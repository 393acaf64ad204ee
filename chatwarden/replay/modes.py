"""Chat modes that a log can replay without effects: the rules, as pure checks over records.

Simulated (in the chat service's order, for everyone but the owner and moderators):
subscribers-only (VIPs and subscribers pass), emote-only (every word in the emote set), slow
mode (VIPs skip it), unique chat (the same text from anyone within 30 s) and the rate limit
(100 messages per 30 s per chatter). Not simulated, because a log does not say it: bans,
timeouts and warnings given during the log, followers-only (follow dates), and the
non-moderator chat delay (it delays messages, it never changes what happens to them).

Time comes only from the records' timestamps. The rules are ``rules/chat_rules.py``, the same
function live chat calls; ``tests/service/chat/test_rules_agree.py`` checks the two agree.
"""

from __future__ import annotations

from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field

from chatwarden.replay.records import ChatRecord
from chatwarden.rules.chat_rules import (
    MemoryWindows,
    MessageFacts,
    Modes,
    Rejection,
    Standing,
    check_chat_rules,
)
from chatwarden.rules.chat_rules import fingerprint as fingerprint
from chatwarden.settings import Role

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


class ModeSimulator:
    """Feeds records in log order; ``check`` says which rule (if any) rejects each one. The
    rules are the live chat's own (``rules.check_chat_rules``), with windows in memory and
    time from the records."""

    def __init__(self, modes: ChatModes) -> None:
        self.modes = modes
        # a log has no follow dates: followers-only is not simulated (NOT_SIMULATED)
        self._modes = replace(
            Modes.of(modes, modes.rate_limit_messages_per_30s), followers_only_min_age_s=None
        )
        self._windows = MemoryWindows()

    def check(self, record: ChatRecord, standing: Standing | None = None) -> str | None:
        """The rejection code (``subscribers_only``, ``emote_only``, ``slow_mode``,
        ``duplicate_message``, ``rate_limited``; ``timed_out`` with a ``standing`` that says
        so, e.g. a timeout detection handed out earlier in the replay) or None when the
        message gets to AutoMod."""
        rejection = self.rejection(record, standing)
        return None if rejection is None else rejection.reason

    def rejection(self, record: ChatRecord, standing: Standing | None = None) -> Rejection | None:
        """The whole rejection (code, the text the chatter would have seen, retry time)."""
        facts = MessageFacts(
            channel=record.channel or "replay",
            sender=record.user_id or record.user.casefold(),
            role=record.role or Role.VIEWER,
            text=record.text,
            modes=self._modes,
            standing=standing,
        )
        return check_chat_rules(facts, self._windows, record.time)
