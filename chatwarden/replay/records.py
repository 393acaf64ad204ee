"""What a parsed chat log is: records in log order, and every line that could not be used.

A format parser never drops a line silently: a line it cannot use becomes a ``ParseProblem``
(line number or item number, and the reason), and ``ParsedLog.problems`` counts all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chatwarden.settings import Role

#: how many problems a log keeps with their details (all are counted)
MAX_PROBLEMS_KEPT = 200


@dataclass(frozen=True, slots=True)
class ChatRecord:
    """One chat message from a log.

    ``line`` is the 1-based line number (line formats) or item number (JSON documents);
    ``time`` is timezone-aware UTC; ``role`` is the sender's role in the channel when the log
    says it (from a role field or badges), else None (an ordinary viewer);
    ``recorded`` is the outcome recorded in the log (ChatWarden exports), if any: ``allow``,
    ``hold`` or ``block`` as the live chat decided it (AutoMod and detection together);
    ``recorded_detection`` is what live detection did (``none``, ``flag``, ``hold``,
    ``delete``, ``timeout``) when the log says it.
    """

    line: int
    time: datetime
    user: str
    text: str
    channel: str = ""
    user_id: str | None = None
    role: Role | None = None
    badges: tuple[str, ...] = ()
    recorded: str | None = None
    recorded_detection: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "line": self.line,
            "time": self.time.isoformat(),
            "channel": self.channel,
            "user": self.user,
            "user_id": self.user_id,
            "text": self.text,
        }
        if self.role is not None:
            out["role"] = self.role.value
        if self.badges:
            out["badges"] = list(self.badges)
        if self.recorded is not None:
            out["recorded"] = self.recorded
        if self.recorded_detection is not None:
            out["recorded_detection"] = self.recorded_detection
        return out


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """A line (or item) that is not a usable chat message, and why."""

    line: int
    reason: str
    excerpt: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason, "excerpt": self.excerpt}


@dataclass
class ParsedLog:
    """The records of one log, in order, with its problems (counted; the first ones kept)."""

    format: str
    records: list[ChatRecord] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    problem_count: int = 0
    #: blank lines (line formats) are not messages; counted so every line is accounted for
    blank_lines: int = 0
    #: lines that are by design not chat (``chatwarden simulate``'s header, bans and incidents)
    other_lines: int = 0
    #: lines (or items) read in total, blank ones included
    total: int = 0

    #: problems per kind of reason (the reason's text before ':'), all of them counted
    reason_counts: dict[str, int] = field(default_factory=dict)

    def problem(self, line: int, reason: str, raw: str = "") -> None:
        self.problem_count += 1
        key = reason.split(":", 1)[0]
        self.reason_counts[key] = self.reason_counts.get(key, 0) + 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(ParseProblem(line, reason, excerpt(raw)))

    def add_items(
        self,
        items: Iterable[object],
        build: Callable[[int, dict[str, Any]], ChatRecord],
        what: str,
    ) -> None:
        """Records from the items of a JSON document export (item n counts as line n): an item
        that is not an object, or that ``build`` refuses with ``ValueError``, is a problem."""
        for number, item in enumerate(items, start=1):
            self.total += 1
            if not isinstance(item, dict):
                self.problem(number, f"not {what}: got {type(item).__name__}")
                continue
            try:
                self.records.append(build(number, item))
            except ValueError as exc:
                self.problem(number, str(exc), repr(item))

    def problem_reasons(self) -> dict[str, int]:
        """How many problems had each kind of reason (every problem, kept or not)."""
        return dict(sorted(self.reason_counts.items(), key=lambda kv: -kv[1]))


def excerpt(raw: str, limit: int = 120) -> str:
    raw = raw.rstrip("\r\n")
    return raw if len(raw) <= limit else raw[: limit - 1] + "…"


#: Twitch badge names (and chat-downloader titles) -> the channel role they imply, best first
_BADGE_ROLES: tuple[tuple[str, Role], ...] = (
    ("broadcaster", Role.OWNER),
    ("lead_moderator", Role.LEAD_MODERATOR),
    ("lead-moderator", Role.LEAD_MODERATOR),
    ("moderator", Role.MODERATOR),
    ("vip", Role.VIP),
    ("subscriber", Role.SUBSCRIBER),
    ("founder", Role.SUBSCRIBER),
)


def role_from_badges(badges: tuple[str, ...]) -> Role | None:
    """The highest channel role the badges show (``None``: an ordinary viewer)."""
    if not badges:
        return None
    names = {b.strip().lower().replace(" ", "_") for b in badges}
    for badge, role in _BADGE_ROLES:
        if badge in names:
            return role
    return None


def parse_role(value: object) -> Role | None:
    """A role named in a log (``Role`` values, or ``broadcaster``/``mod``); ValueError if not."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"role must be a string, got {type(value).__name__}")
    name = value.strip().lower()
    aliases = {"broadcaster": Role.OWNER, "mod": Role.MODERATOR, "lead_mod": Role.LEAD_MODERATOR}
    if name in aliases:
        return aliases[name]
    try:
        return Role(name)
    except ValueError:
        raise ValueError(f"unknown role {value!r}") from None
