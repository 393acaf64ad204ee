"""Strike ladder: warn -> timeout 10 min -> timeout 24 h -> ban, with offences that expire.

Pure: the caller passes the user's recorded offences and the time; nothing is stored here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from chatwarden.detect.config import StrikeConfig
from chatwarden.detect.types import Offence, StrikeStep


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} d" if seconds != 86400 else "24 h"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def active_offences(
    offences: Sequence[Offence], now: datetime, config: StrikeConfig
) -> list[Offence]:
    """The offences that have not expired at ``now`` (recorded at or before ``now``)."""
    horizon = now - timedelta(seconds=config.expire_s)
    return [o for o in offences if horizon < o.at <= now]


def next_step(
    offences: Sequence[Offence], now: datetime, config: StrikeConfig | None = None
) -> StrikeStep:
    """The sanction for a new offence at ``now``, given the user's earlier ``offences``.

    Offences older than ``config.expire_s`` no longer count; past the last rung the ladder
    stays on it (a ban stays a ban).
    """
    config = config if config is not None else StrikeConfig()
    earlier = active_offences(offences, now, config)
    strike = len(earlier) + 1
    rung = config.steps[min(strike, len(config.steps)) - 1]
    what = {
        "warn": "a warning",
        "timeout": f"a {_duration(rung.seconds or 0)} timeout",
        "ban": "a ban",
    }[rung.kind]
    days = _duration(config.expire_s)
    explanation = (
        f"strike {strike}: {what} ({len(earlier)} earlier offence"
        f"{'' if len(earlier) == 1 else 's'} in the last {days})"
    )
    return StrikeStep(
        kind=rung.kind,
        seconds=rung.seconds,
        strike=strike,
        active_offences=strike,
        explanation=explanation,
    )
