"""Plain IRC-style logs: ``[time] <user> text``, one message per line.

``time`` is a time of day (``12:34``, ``12:34:56``, ``12:34:56.789``; dated from ``--date``,
rolling over midnight), ``2024-01-02 12:34:56`` or ISO-8601 (``2024-01-02T12:34:56Z``). A
``@`` before the nick marks a channel operator (a moderator), ``+`` a voiced user (a VIP).
Every other non-blank line (joins, parts, topic changes, garbled lines) is counted as a
problem with its line number.
"""

from __future__ import annotations

import re
from datetime import date

from chatwarden.replay.formats.times import ClockTimes
from chatwarden.replay.records import ChatRecord, ParsedLog
from chatwarden.settings import Role

NAME = "irc"

LINE = re.compile(
    r"^\[(?P<time>[^\]]{1,40})\]\s+"
    r"<(?P<prefix>[@+%~&]?)(?P<user>[^>\s]{1,64})>\s?(?P<text>.*)$"
)
_PREFIX_ROLES = {
    "~": Role.OWNER,
    "&": Role.MODERATOR,
    "@": Role.MODERATOR,
    "%": Role.MODERATOR,
    "+": Role.VIP,
}


def looks_like(text: str) -> bool:
    """At least one of the first 50 non-blank lines is ``[time] <user> text``."""
    lines = [line for line in text.splitlines()[:200] if line.strip()][:50]
    return any(LINE.match(line) for line in lines)


def parse(text: str, *, base_date: date, channel: str = "") -> ParsedLog:
    log = ParsedLog(NAME)
    times = ClockTimes(base_date)
    for number, line in enumerate(text.splitlines(), start=1):
        log.total += 1
        if not line.strip():
            log.blank_lines += 1
            continue
        m = LINE.match(line.rstrip("\r"))
        if m is None:
            log.problem(number, "not a chat line: expected '[time] <user> text'", line)
            continue
        try:
            when = times.parse_any(m.group("time"))
        except ValueError as exc:
            log.problem(number, f"bad time: {exc}", line)
            continue
        body = m.group("text")
        if not body.strip():
            log.problem(number, "empty message: nothing after the nick", line)
            continue
        log.records.append(
            ChatRecord(
                line=number,
                time=when,
                user=m.group("user"),
                text=body,
                channel=channel,
                role=_PREFIX_ROLES.get(m.group("prefix")),
            )
        )
    return log
