"""Named context signals: what the context says about a message, each with a reason to read.

Each signal is a pure function of the message text and its ``Context`` that returns a
``Signal`` (a value in [0, 1] and the sentence a moderator reads, "repeats own message (3rd
time in 40 s)") or ``None`` when it has nothing to say. The values only grade how strongly
the pattern is there; how much each one moves the score is ``score.py``'s business.

"The same message" means what the live near-duplicate detectors mean
(``detect/similarity.py``): the evasion-resistant normalised word sets
(``pipeline/normalise.py``, then ``similarity.features``) overlap by at least the detection
defaults' Jaccard similarity, and texts shorter than their ``min_chars`` must match exactly.
Emotes are told from words as the spam filters tell them (``detect/emotes.py``).

The windows are stated once here, with why:

- ``REPEAT_WINDOW_S`` (120 s): the near-duplicate detectors' window; a line asked again
  after a few minutes is usually a question nobody answered, not spam.
- ``BURST_WINDOW_S`` (30 s): Twitch's own rate-limit window; five lines in 30 s is far above
  the pace of a conversation.
- ``TARGET_WINDOW_S`` (120 s): the "third message at @x in 2 minutes" of the issue.
- ``ESCALATION_WINDOW_S`` (300 s): a harmful line five minutes ago still colours the next one
  (a timeout usually follows within minutes).
- ``CHANT_WINDOW_S`` (60 s): emote waves and copypasta echoes die out within a minute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from chatwarden.context.facts import Context, OwnMessage, Record, addressees, mentions
from chatwarden.detect.config import SimilarityConfig
from chatwarden.detect.emotes import INVISIBLE_RE, is_emote, is_picture
from chatwarden.detect.similarity import features, jaccard
from chatwarden.detect.spam import find_domains
from chatwarden.pipeline.normalise import normalise_text

__all__ = [
    "BURST_WINDOW_S",
    "CHANT_WINDOW_S",
    "ESCALATION_WINDOW_S",
    "REPEAT_WINDOW_S",
    "SIGNALS",
    "TARGET_WINDOW_S",
    "Signal",
    "burst",
    "crowd_chant",
    "escalation",
    "new_account_link",
    "record",
    "repeats_own",
    "signals",
    "targets_one_user",
]

REPEAT_WINDOW_S: Final = 120.0
BURST_WINDOW_S: Final = 30.0
TARGET_WINDOW_S: Final = 120.0
ESCALATION_WINDOW_S: Final = 300.0
CHANT_WINDOW_S: Final = 60.0

#: an earlier harm score starts to count at 0.5 (the model thinks harm more likely than not)
#: and counts fully at 0.9 (the range where AutoMod's own per-level harm thresholds sit)
ESCALATION_FROM: Final = 0.5
ESCALATION_FULL: Final = 0.9

#: an account younger than a week is new (Twitch's own "account age" chat setting offers up
#: to a week as its common choices); a day old or less is very new
NEW_ACCOUNT_S: Final = 7 * 86400.0
VERY_NEW_ACCOUNT_S: Final = 86400.0

_SIMILAR: Final = SimilarityConfig()  # the live near-duplicate detectors' defaults


@dataclass(frozen=True, slots=True)
class Signal:
    """One thing the context says: ``value`` in [0, 1] grades how strongly, ``explanation``
    is the sentence a moderator reads."""

    name: str
    value: float
    explanation: str

    def __post_init__(self) -> None:
        if not 0.0 <= self.value <= 1.0:
            raise ValueError(f"signal {self.name!r}: value {self.value!r} is outside [0, 1]")


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True, slots=True)
class _Text:
    """A text as the near-duplicate test sees it."""

    normalised: str
    words: frozenset[str]
    emotes_only: bool


def _emotes_only(raw: str) -> bool:
    """Every word is an emote or emoji, once the characters that draw nothing are gone
    (chat clients append U+E0000 to send the same emote line again past Twitch's duplicate
    check: "KEKW \U000e0000" is still a line of emotes)."""
    words = INVISIBLE_RE.sub("", raw).split()
    return bool(words) and all(is_emote(w) or is_picture(w) for w in words)


@lru_cache(maxsize=8192)
def _text(raw: str) -> _Text:
    """(Remembered: the same chat lines come up again as history and as chat before.)"""
    normalised = normalise_text(raw)
    return _Text(normalised, features(normalised), _emotes_only(raw))


def _same(a: _Text, b: _Text) -> bool:
    """Near-duplicates as the live detectors define them (see the module docstring)."""
    if not a.words or not b.words:
        return False
    if len(a.normalised) < _SIMILAR.min_chars or len(b.normalised) < _SIMILAR.min_chars:
        return a.words == b.words
    return jaccard(a.words, b.words) >= _SIMILAR.min_jaccard


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _seconds(s: float) -> str:
    if s >= 120:
        return f"{s / 60:.0f} minutes"
    return f"{s:.0f} s"


def _age(s: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{s / size:.0f} {unit}"
    return f"{s:.0f} s"


def _within(history: tuple[OwnMessage, ...], window: float) -> list[OwnMessage]:
    return [m for m in history if 0 <= m.seconds_before <= window]


def _ramp(n: float, start: float, full: float) -> float:
    """0 at ``start``, 1 at ``full`` and beyond, linear between."""
    if n <= start:
        return 0.0
    return min(1.0, (n - start) / (full - start))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --------------------------------------------------------------------------- signals


def repeats_own(text: str, context: Context) -> Signal | None:
    """The sender says the same thing again (spam): 2nd time 1/3, 3rd 2/3, 4th or more 1;
    a line of emotes only counts half (repeating an emote is how chat cheers)."""
    me = _text(text)
    earlier = [m for m in _within(context.history, REPEAT_WINDOW_S) if _same(me, _text(m.text))]
    if not earlier:
        return None
    times = len(earlier) + 1
    value = _ramp(times, 1, 4)
    what = "emote line" if me.emotes_only else "message"
    if me.emotes_only:
        value /= 2
    span = max(m.seconds_before for m in earlier)
    return Signal(
        "repeats_own",
        value,
        f"repeats own {what} ({_ordinal(times)} time in {_seconds(span)})",
    )


def burst(text: str, context: Context) -> Signal | None:
    """Many lines from the sender in a short time (flooding): 3 lines in 30 s (this one
    included) 1/4, 4 lines 1/2, 5 lines 3/4, 6 or more 1."""
    recent = _within(context.history, BURST_WINDOW_S)
    lines = len(recent) + 1
    if lines < 3:
        return None
    return Signal("burst", _ramp(lines, 2, 6), f"{lines} messages in {BURST_WINDOW_S:.0f} s")


def escalation(text: str, context: Context) -> Signal | None:
    """An earlier line of the sender already scored as harmful: from 0 at harm 0.5 to 1 at
    0.9 (``ESCALATION_FROM``/``ESCALATION_FULL``), the worst line in five minutes."""
    scored = [m for m in _within(context.history, ESCALATION_WINDOW_S) if m.harm is not None]
    if not scored:
        return None
    worst = max(scored, key=lambda m: (m.harm or 0.0, -m.seconds_before))
    value = _ramp(worst.harm or 0.0, ESCALATION_FROM, ESCALATION_FULL)
    if value == 0.0:
        return None
    return Signal(
        "escalation",
        value,
        f"earlier message ({_seconds(worst.seconds_before)} before) scored harm "
        f"{worst.harm:.2f} (escalation)",
    )


def targets_one_user(text: str, context: Context) -> Signal | None:
    """The sender keeps addressing the same user (@mention or reply): 2nd message at them in
    two minutes 1/3, 3rd 2/3, 4th or more 1."""
    targets = addressees(text, context.reply_to)
    if not targets:
        return None
    recent = _within(context.history, TARGET_WINDOW_S)
    best: tuple[int, str] | None = None
    for target in targets:
        count = 1 + sum(target in mentions(m.text) for m in recent)
        if best is None or count > best[0]:
            best = (count, target)
    assert best is not None
    count, target = best
    if count < 2:
        return None
    role = context.role_of(target)
    who = f"@{target}" if role is None else f"@{target} ({role})"
    span = max(m.seconds_before for m in recent if target in mentions(m.text))
    return Signal(
        "targets_one_user",
        _ramp(count, 1, 4),
        f"{_ordinal(count)} message at {who} in {_seconds(span)}",
    )


def _record_parts(r: Record) -> list[str]:
    parts = []
    for n, word in (
        (r.warnings, "warning"),
        (r.timeouts, "timeout"),
        (r.bans_lifted, "lifted ban"),
        (r.denied_holds, "denied hold"),
    ):
        if n:
            parts.append(_plural(n, word))
    return parts


def record(text: str, context: Context) -> Signal | None:
    """Moderators have acted on the sender here before: a warning counts 1/2, a timeout 3/4,
    a lifted ban 1, a denied hold 1/4 (a hold denied is a moderator's "no", but a mild one),
    summed and capped at 1."""
    r = context.record
    if r is None:
        return None
    raw = 0.5 * r.warnings + 0.75 * r.timeouts + 1.0 * r.bans_lifted + 0.25 * r.denied_holds
    if raw <= 0:
        return None
    parts = _record_parts(r)
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return Signal("record", min(1.0, raw), f"after {listed} in this channel")


def new_account_link(text: str, context: Context) -> Signal | None:
    """A new account's first message here carries a link (how spam bots arrive): 1 for an
    account a day old or less, 1/2 for one under a week. Silent when the age is unknown."""
    r = context.record
    if r is None or r.account_age_s is None or r.account_age_s >= NEW_ACCOUNT_S:
        return None
    if context.history:
        return None
    domains = find_domains(text)
    if not domains:
        return None
    value = 1.0 if r.account_age_s <= VERY_NEW_ACCOUNT_S else 0.5
    return Signal(
        "new_account_link",
        value,
        f"new account ({_age(r.account_age_s)} old), first message, with a link to {domains[0]}",
    )


def crowd_chant(text: str, context: Context) -> Signal | None:
    """Other chatters just said the same thing: an emote wave or a copypasta echo, normal on
    Twitch, so this *lowers* risk (``score.py`` gives it a negative weight). One other chatter
    1/3, two 2/3, three or more 1."""
    me = _text(text)
    users = {
        line.user
        for line in context.chat_before
        if 0 <= line.seconds_before <= CHANT_WINDOW_S
        and line.user != context.user
        and _same(me, _text(line.text))
    }
    if not users:
        return None
    n = len(users)
    return Signal(
        "crowd_chant",
        _ramp(n, 0, 3),
        f"echoes {_plural(n, 'other chatter')} in {CHANT_WINDOW_S:.0f} s (crowd chant)",
    )


SignalFn = Callable[[str, Context], "Signal | None"]

#: every signal, in the order explanations are listed
SIGNALS: Final[tuple[SignalFn, ...]] = (
    targets_one_user,
    escalation,
    record,
    repeats_own,
    burst,
    new_account_link,
    crowd_chant,
)


def signals(text: str, context: Context) -> tuple[Signal, ...]:
    """Every signal that has something to say about ``text`` in ``context``."""
    out = []
    for fn in SIGNALS:
        found = fn(text, context)
        if found is not None:
            out.append(found)
    return tuple(out)
