"""Terms to suggest from what moderators act on again and again (a copypasta, a link, a topic).

About a quarter of what Twitch moderators act on is spam and a fifth the channel's own rules:
things no shared model knows, but that repeat. A phrase (one to four words of the normalised
text, not only function words) or a link's domain that appears in at least ``MIN_ACTED``
messages moderators acted on (from at least ``MIN_SENDERS`` senders, so one chatter's spam
suggests nothing a timeout did not already handle) and in at most ``MAX_STOOD_SHARE`` of the
messages containing it that moderators let stand, is suggested as a blocked term, with the
evidence. A moderator accepts it or not: nothing here changes what AutoMod does.

Of the phrases with the same messages behind them the longest is kept ("free followers at"
and "free followers" found in the same five messages: the longer one; "followers" alone, also
in messages let stand, is not suggested), and nothing a channel term already covers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chatwarden.pipeline.normalise import normalise

MIN_ACTED = 3
MIN_SENDERS = 2
MAX_STOOD_SHARE = 0.1
MAX_WORDS = 4
MAX_SUGGESTIONS = 10

#: words that say nothing on their own: a phrase of only these is never suggested
FUNCTION_WORDS = frozenset(
    "a an the and or but if of to in on at for with by from is are was were be been it its "
    "this that these those i you he she we they me him her us them my your our their his "
    "lol lmao xd gg so just like what who how why do does did not no yes ok".split()
)
_DOMAIN = re.compile(r"(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:/\S*)?", re.I)


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    sender_id: int
    acted: bool  # moderators acted on it (1) or let it stand (0)


@dataclass(frozen=True, slots=True)
class Suggestion:
    term: str
    kind: str  # phrase | link
    acted: int
    stood: int
    senders: int
    examples: tuple[str, ...]
    explanation: str


def _patterns(text: str) -> set[tuple[str, str]]:
    """(kind, pattern) of one message: its phrases and its links' domains."""
    found: set[tuple[str, str]] = {("link", m.group(1).lower()) for m in _DOMAIN.finditer(text)}
    words = [w for w in re.split(r"[^\w']+", normalise(text).text) if w]
    for n in range(1, MAX_WORDS + 1):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            if all(w in FUNCTION_WORDS for w in gram) or len(" ".join(gram)) < 3:
                continue
            found.add(("phrase", " ".join(gram)))
    return found


def suggest_terms(examples: Sequence[Example], existing: Iterable[str] = ()) -> list[Suggestion]:
    """The phrases and domains worth a blocked term, most acted on first."""
    have = {t.lower() for t in existing}
    acted: dict[tuple[str, str], list[int]] = defaultdict(list)
    stood: dict[tuple[str, str], int] = defaultdict(int)
    for i, ex in enumerate(examples):
        for key in _patterns(ex.text):
            if ex.acted:
                acted[key].append(i)
            else:
                stood[key] += 1
    picked: dict[tuple[int, ...], Suggestion] = {}
    for (kind, pattern), hits in acted.items():
        senders = len({examples[i].sender_id for i in hits})
        n_stood = stood.get((kind, pattern), 0)
        if (
            len(hits) < MIN_ACTED
            or senders < MIN_SENDERS
            or n_stood > MAX_STOOD_SHARE * (len(hits) + n_stood)
            or any(pattern in t or t in pattern for t in have)  # a term has it already
        ):
            continue
        why = (
            f"moderators acted on {len(hits)} messages with {pattern!r} from {senders} chatters"
            + (f" and let {n_stood} stand" if n_stood else ", none let stand")
        )
        found = Suggestion(
            pattern,
            kind,
            len(hits),
            n_stood,
            senders,
            tuple(dict.fromkeys(examples[i].text for i in hits))[:3],
            why,
        )
        same: tuple[int, ...] = (*hits, -n_stood)
        best = picked.get(same)
        if best is None or _rank(found) > _rank(best):
            picked[same] = found  # the same messages: links first, then the longest phrase
    out = sorted(picked.values(), key=lambda s: (-s.acted, s.stood, s.term))
    return out[:MAX_SUGGESTIONS]


def _rank(s: Suggestion) -> tuple[bool, int]:
    """Among suggestions with the same messages behind them: a link, then the longest."""
    return (s.kind == "link", len(s.term))
