"""``ChatState`` in Redis: rate windows, slow-mode clocks and duplicate detection shared by
every gateway and worker (issue 16).

Each operation is one Lua script, so a check and its update are atomic across processes (two
workers cannot both let the 101st message of a window through); ``hit_rates`` counts a whole
batch's rate windows in one script call, one round trip instead of one per message. Time is
the caller's clock (``now``), as in ``MemoryChatState``, so tests with a fake clock behave
alike; every key expires a little after its window, so idle channels leave nothing behind.
The state stays advisory, as the protocol says: losing Redis relaxes limits briefly and
decides nothing.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import redis

from chatwarden.rules.chat_rules import RateHit

# KEYS[i]: the i-th hit's sorted set of hit times; ARGV[1]: now, ARGV[2]: a member prefix
# unique to the call, then ARGV[2i+1], ARGV[2i+2]: the i-th hit's window_s and limit. The hits
# are counted in order, so a later hit on a key sees the earlier ones. Per hit: false (counted)
# or the wait as text.
_HIT_RATES = """
local now = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local window, limit = tonumber(ARGV[2 * i + 1]), tonumber(ARGV[2 * i + 2])
  local start = now - window
  redis.call('ZREMRANGEBYSCORE', key, '-inf', start)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local wait = tonumber(oldest[2]) - start
    if wait < 0.001 then wait = 0.001 end
    out[i] = tostring(wait)
  else
    redis.call('ZADD', key, ARGV[1], ARGV[2] .. i)
    redis.call('PEXPIRE', key, math.ceil(window * 1000) + 1000)
    out[i] = false
  end
end
return out
"""

# KEYS[1]: the last send time; ARGV: now, interval_s
_SLOW_MODE = """
local now, interval = tonumber(ARGV[1]), tonumber(ARGV[2])
local last = redis.call('GET', KEYS[1])
if last then
  local wait = interval - (now - tonumber(last))
  if wait > 0 then return tostring(wait) end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', math.ceil(interval * 1000) + 1000)
return false
"""

# KEYS[1]: sorted set fingerprint -> time; ARGV: now, window_s, fingerprint, max_fingerprints
_SEEN = """
local now, window, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
local start = now - window
local when = redis.call('ZSCORE', KEYS[1], ARGV[3])
if when and tonumber(when) > start then return 1 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
local n = redis.call('ZCARD', KEYS[1])
if n > cap then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', start)
  n = redis.call('ZCARD', KEYS[1])
  if n > cap then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - cap - 1) end
end
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
return 0
"""


# KEYS[1]: hash user id -> permit end (s); ARGV: user id, end, ms until the end
_PERMIT = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local want = tonumber(ARGV[3]) + 1000
if redis.call('PTTL', KEYS[1]) < want then redis.call('PEXPIRE', KEYS[1], want) end
return 0
"""


class RedisChatState:
    """``ChatState`` (``bus/state.py``) on Redis, under ``{prefix}st:``."""

    def __init__(self, client: redis.Redis, prefix: str, max_fingerprints: int = 500) -> None:
        self._client = client
        self._prefix = f"{prefix}st:"
        self._max_fingerprints = max_fingerprints
        self._hit_rates = client.register_script(_HIT_RATES)
        self._slow_mode = client.register_script(_SLOW_MODE)
        self._seen = client.register_script(_SEEN)
        self._permit = client.register_script(_PERMIT)

    def _keys(self, key: str) -> tuple[str, str, str]:
        p = self._prefix
        return f"{p}rate:{key}", f"{p}slow:{key}", f"{p}seen:{key}"

    def hit_rate(self, key: str, now: datetime, window_s: float, limit: int) -> float | None:
        return self.hit_rates([RateHit(key, window_s, limit)], now)[0]

    def hit_rates(self, hits: Sequence[RateHit], now: datetime) -> list[float | None]:
        """One script call (one round trip) for all ``hits``, counted in order in Redis."""
        if not hits:
            return []
        args: list[str | int] = [_t(now), f"{now.timestamp()!r}:{secrets.token_hex(6)}:"]
        for hit in hits:  # the member prefix: two hits in one instant stay two
            args += [repr(float(hit.window_s)), hit.limit]
        waits = self._hit_rates(keys=[self._keys(hit.key)[0] for hit in hits], args=args)
        return [None if wait is None else float(wait) for wait in waits]

    def slow_mode_wait(self, key: str, now: datetime, interval_s: float) -> float | None:
        wait = self._slow_mode(keys=[self._keys(key)[1]], args=[_t(now), repr(float(interval_s))])
        return None if wait is None else float(wait)

    def seen_recently(self, key: str, fingerprint: str, now: datetime, window_s: float) -> bool:
        seen = self._seen(
            keys=[self._keys(key)[2]],
            args=[_t(now), repr(float(window_s)), fingerprint, self._max_fingerprints],
        )
        return bool(seen)

    def forget(self, key: str) -> None:
        self._client.delete(*self._keys(key))

    def grant_permit(self, channel_id: int, user_id: int, until: datetime, now: datetime) -> None:
        """Kept in ``{prefix}st:permit:{channel}`` (user id -> end), which expires after the
        last permit in it ends; the end is absolute, so every process agrees."""
        left_ms = max(1, math.ceil((until - now).total_seconds() * 1000))
        key = f"{self._prefix}permit:{channel_id}"
        self._permit(keys=[key], args=[user_id, _t(until), left_ms])

    def permits(self, channel_id: int, now: datetime) -> dict[int, datetime]:
        raw = self._client.hgetall(f"{self._prefix}permit:{channel_id}")
        out = {}
        for user, end in raw.items():
            until = datetime.fromtimestamp(float(end), UTC)
            if until > now:
                out[int(user)] = until
        return out


def _t(now: datetime) -> str:
    """Seconds since the epoch, exact enough for the scripts (microseconds survive a double)."""
    return repr(now.timestamp())
