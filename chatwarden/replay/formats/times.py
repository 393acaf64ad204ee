"""Timestamps as chat logs write them, read into timezone-aware UTC datetimes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?$")


def parse_iso(value: object) -> datetime:
    """An ISO-8601 date-time (``Z`` or an offset; naive means UTC). ValueError if it is not."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"time must be an ISO-8601 string, got {value!r}")
    if "T" in value:  # the common case, e.g. 2024-03-01T20:00:01.123Z
        try:
            return as_utc(datetime.fromisoformat(value))
        except ValueError:
            pass
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        raise ValueError(f"time {value!r} is not ISO-8601") from None
    return as_utc(parsed)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def from_epoch_us(value: object) -> datetime:
    """A Unix time in microseconds (chat-downloader's ``timestamp``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"timestamp must be a number of microseconds, got {value!r}")
    try:
        return datetime.fromtimestamp(value / 1_000_000, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"timestamp {value!r} is out of range") from None


class ClockTimes:
    """Times of day (``12:34:56``) made into date-times on ``base``, rolling over midnight.

    A log of times without dates is in order, so a time more than 12 hours before the previous
    one means the next day (a time a little earlier, e.g. reordered lines, stays on the day).
    """

    def __init__(self, base: date) -> None:
        self.day = base
        self.last: datetime | None = None

    def parse(self, value: str) -> datetime | None:
        """The date-time for ``value`` if it is a time of day, else None."""
        m = _CLOCK.match(value.strip())
        if m is None:
            return None
        hour, minute = int(m.group(1)), int(m.group(2))
        second = int(m.group(3) or 0)
        micro = int((m.group(4) or "0").ljust(6, "0"))
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"time of day {value!r} is out of range")
        when = datetime.combine(self.day, time(hour, minute, second, micro), UTC)
        if self.last is not None and when < self.last - timedelta(hours=12):
            self.day += timedelta(days=1)
            when += timedelta(days=1)
        self.last = when
        return when

    def parse_any(self, value: str) -> datetime:
        """A time of day (on the running date) or a full date-time. ValueError if neither."""
        when = self.parse(value)
        if when is None:
            when = parse_iso(value)
            self.day = when.date()
            self.last = when
        return when
