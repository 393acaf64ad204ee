"""The per-message spam filters chat bots made standard.

Caps ratio, symbol ratio, repeated characters/words, emote flood, message length, links
(domain allow-list, per-user permit) and mention spam. Each filter is a pure function of the
message text and its config that returns a ``SpamHit`` (measured value, limit, explanation) or
None; ``check_spam`` runs them all with exemptions. Escalating timeouts need a user's recent
offences, which ``ChannelDetectors`` keeps; ``filter_action`` turns a hit count into an action.

Emotes are not text (``chatwarden.detect.emotes``: the channel's codes, the bundled global and
third-party codes, channel-emote shapes such as "vkimmWiggle"): the caps, symbols and
repetition filters skip them. Nightbot's caps filter fires on emote names such as "LUL" (a
known complaint); a line of only emotes is an emote wall, which emote-only mode and the emote
limit handle; an emote repeated is the emote limit's business, not the repetition filter's.
Emoji are pictures too, not symbols.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chatwarden.detect.config import (
    CapsConfig,
    EmotesConfig,
    FilterConfig,
    LengthConfig,
    LinksConfig,
    MentionsConfig,
    RepetitionConfig,
    SpamConfig,
    SymbolsConfig,
)
from chatwarden.detect.emotes import (
    EMOJI_RE,
    INVISIBLE_RE,
    count_emoji,
    is_picture,
    may_hold_smiley,
    text_words,
)
from chatwarden.detect.types import DELETE, HOLD, DetectAction, MessageContext, timeout
from chatwarden.settings import Role


@dataclass(frozen=True, slots=True)
class SpamHit:
    """One filter that a message tripped."""

    filter: str  # caps, symbols, repetition, emote_flood, length, links, mentions, rate
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return f"spam.{self.filter}"


def filter_action(config: FilterConfig, offence_number: int) -> DetectAction:
    """The action for the ``offence_number``-th hit (1-based) of a filter within its window."""
    if config.action == "delete":
        return DELETE
    if config.action == "hold":
        return HOLD
    index = min(max(offence_number, 1), len(config.timeouts)) - 1
    return timeout(config.timeouts[index])


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


# ---- the filters ---------------------------------------------------------------------------


_UPPER = bytes(range(65, 91))
_LETTERS = _UPPER + bytes(range(97, 123))
_SPACE = b" \t\n\r\x0b\x0c"
_ALNUM_SPACE = _LETTERS + b"0123456789" + _SPACE


def caps(
    text: str,
    tokens: list[str],
    words: list[str],
    config: SpamConfig,
    permitted: bool = False,
    bad: list[str] | None = None,
) -> SpamHit | None:
    """Capitals among the letters of the words that are not emotes (``words``), over at least
    ``min_length`` letters."""
    cfg = config.caps
    if len(text) < cfg.min_length or text.islower():
        return None  # too short to have enough letters, or no capitals at all
    body = " ".join(words) if len(words) != len(tokens) else text
    if body.isascii():
        raw = body.encode("ascii")
        letters = len(raw) - len(raw.translate(None, _LETTERS))
        upper = len(raw) - len(raw.translate(None, _UPPER))
    else:
        letters = sum(map(str.isalpha, body))
        upper = sum(map(str.isupper, body))
    if letters < cfg.min_length or letters == 0:
        return None
    ratio = upper / letters
    if ratio <= cfg.threshold:
        return None
    return SpamHit(
        "caps",
        f"{_pct(ratio)} capitals (limit {_pct(cfg.threshold)}) over {letters} letters",
        {"ratio": round(ratio, 4), "limit": cfg.threshold, "letters": letters},
    )


def symbols(
    text: str,
    tokens: list[str],
    words: list[str],
    config: SpamConfig,
    permitted: bool = False,
    bad: list[str] | None = None,
) -> SpamHit | None:
    """Characters that are neither letters, digits nor spaces, among the non-space characters
    of the words that are not emotes (``words``), emoji and characters that draw nothing left
    out."""
    cfg = config.symbols
    if len(text) < cfg.min_length:
        return None
    body = " ".join(words) if len(words) != len(tokens) else text
    if body.isascii():
        raw = body.encode("ascii")
        chars = len(raw.translate(None, _SPACE))
        odd = len(raw.translate(None, _ALNUM_SPACE))
    else:
        body = INVISIBLE_RE.sub("", EMOJI_RE.sub("", body))
        chars = len(body) - sum(map(str.isspace, body))
        odd = chars - sum(map(str.isalnum, body))
    if chars < cfg.min_length or chars == 0:
        return None
    ratio = odd / chars
    if ratio <= cfg.threshold:
        return None
    return SpamHit(
        "symbols",
        f"{_pct(ratio)} symbols (limit {_pct(cfg.threshold)}) over {chars} characters",
        {"ratio": round(ratio, 4), "limit": cfg.threshold, "characters": chars},
    )


_RUN_CACHE: dict[int, re.Pattern[str]] = {}


def _run_re(limit: int) -> re.Pattern[str]:
    pattern = _RUN_CACHE.get(limit)
    if pattern is None:
        pattern = _RUN_CACHE[limit] = re.compile(r"(\S)\1{" + str(limit) + ",}")
    return pattern


_PAIR = re.compile(r"(.)\1", re.DOTALL)


def _may_have_run(text: str, limit: int) -> bool:
    """False when ``text`` surely has no run of more than ``limit`` equal characters.

    A run of ``limit + 1`` or more covers two positions ``step`` apart that are both
    multiples of ``step`` (``step = (limit + 1) // 2``), so two equal neighbours in
    ``text[::step]`` are needed, which one search of that short string rules out for most
    messages without the full regex.
    """
    step = max((limit + 1) // 2, 1)
    return _PAIR.search(text[::step]) is not None


def _words(text: str, tokens: list[str], emotes: frozenset[str]) -> list[str]:
    """The tokens of ``text`` that are not emotes. Every bundled emote code and every
    channel-emote shape holds a capital and every smiley one of a few punctuation marks, so
    text without either has none unless the channel lists codes of its own (most chat: the
    look-up is skipped)."""
    if not emotes and text.lower() == text and not may_hold_smiley(text):
        return tokens
    return text_words(tokens, emotes)


def _visible(text: str) -> str:
    """``text`` as the repetition filter reads it: without the characters that draw nothing (a
    run of them is padding) and with each emoji a space (a picture repeated is the emote
    limit's business, like an emote; whitespace never makes a run)."""
    return text if text.isascii() else EMOJI_RE.sub(" ", INVISIBLE_RE.sub("", text))


def repetition(
    text: str,
    tokens: list[str],
    words: list[str],
    config: SpamConfig,
    permitted: bool = False,
    bad: list[str] | None = None,
) -> SpamHit | None:
    cfg = config.repetition
    if len(text) < cfg.min_length:
        return None
    shown = _visible(text)
    if len(shown) > cfg.max_char_run and _may_have_run(shown, cfg.max_char_run):
        m = _run_re(cfg.max_char_run).search(shown)
        if m is not None:
            run = len(m.group(0))
            return SpamHit(
                "repetition",
                f"{m.group(1)!r} repeated {run} times in a row (limit {cfg.max_char_run})",
                {"kind": "characters", "run": run, "limit": cfg.max_char_run},
            )
    if len(words) > cfg.max_word_repeats:
        counts = Counter(w.casefold() for w in words if w.isascii() or not is_picture(w))
        word, count = counts.most_common(1)[0] if counts else ("", 0)
        if count > cfg.max_word_repeats:
            return SpamHit(
                "repetition",
                f"{word!r} repeated {count} times (limit {cfg.max_word_repeats})",
                {"kind": "words", "word": word, "count": count, "limit": cfg.max_word_repeats},
            )
    return None


def emote_flood(
    text: str,
    tokens: list[str],
    words: list[str],
    config: SpamConfig,
    permitted: bool = False,
    bad: list[str] | None = None,
) -> SpamHit | None:
    """Pictures in one message: the channel's emotes and emoji (a repeated picture is this
    filter's business, not the repetition filter's)."""
    cfg = config.emote_flood
    emoji = count_emoji(text)
    if emoji + len(tokens) <= cfg.max_emotes:
        return None
    count = emoji + (sum(1 for t in tokens if t in config.emotes) if config.emotes else 0)
    if count <= cfg.max_emotes:
        return None
    return SpamHit(
        "emote_flood",
        f"{count} emotes and emoji (limit {cfg.max_emotes})",
        {"emotes": count, "limit": cfg.max_emotes},
    )


def length(
    text: str,
    tokens: list[str],
    words: list[str],
    config: SpamConfig,
    permitted: bool = False,
    bad: list[str] | None = None,
) -> SpamHit | None:
    cfg = config.length
    if len(text) <= cfg.max_length:
        return None
    return SpamHit(
        "length",
        f"{len(text)} characters (limit {cfg.max_length})",
        {"length": len(text), "limit": cfg.max_length},
    )


_TLDS = (
    "com|net|org|io|gg|tv|co|me|ly|xyz|ru|info|biz|app|dev|link|live|site|shop|store|online|"
    "top|club|fun|win|click|pw|cc|us|uk|de|fr|nl|be|es|it|pl|br|in|cn|jp|kr|to|tk|ml|ga|cf|gq|"
    "sh|am|fm|ai|so|ws|su|ee|lt|lv|eu|ca|au|nz|ch|at|se|no|fi|dk|cz|sk|hu|ro|gr|pt|ie|tr|ua|kz"
)
# a scheme or www., or host.tld with a known TLD; then an optional path
_LINK_RE = re.compile(
    r"(?:(?:https?://|www\.)([a-z0-9-]+(?:\.[a-z0-9-]+)+)"
    r"|\b((?:[a-z0-9-]+\.)+(?:" + _TLDS + r")))\b(?:[/?#]\S*)?",
    re.IGNORECASE,
)


# every link has a dot followed by a letter or digit ("www.x", "host.tld"): without one there
# is nothing for the (much slower) link pattern to find
_DOT_ALNUM = re.compile(r"\.[a-z0-9]", re.IGNORECASE)


def may_link(text: str) -> bool:
    """False when ``text`` surely has no link (no dot followed by a letter or digit)."""
    return "." in text and _DOT_ALNUM.search(text) is not None


def find_domains(text: str) -> list[str]:
    """The host names of every link in ``text`` (lower case, without ``www.``)."""
    if not may_link(text):
        return []
    out = []
    for m in _LINK_RE.finditer(text):
        host = (m.group(1) or m.group(2) or "").lower().rstrip(".")
        out.append(host.removeprefix("www."))
    return out


def domain_allowed(host: str, allowed: frozenset[str]) -> bool:
    """``host`` is an allowed domain or a subdomain of one."""
    parts = host.split(".")
    return any(".".join(parts[i:]) in allowed for i in range(len(parts) - 1))


def unallowed_domains(text: str, config: SpamConfig) -> list[str]:
    """The link hosts in ``text`` that are not on the channel's allow-list."""
    return [h for h in find_domains(text) if not domain_allowed(h, config.links.allowed_domains)]


def links(
    text: str,
    tokens: list[str],
    words: list[str],
    config: SpamConfig,
    permitted: bool = False,
    bad: list[str] | None = None,
) -> SpamHit | None:
    if permitted:
        return None
    bad = unallowed_domains(text, config) if bad is None else bad
    if not bad:
        return None
    shown = ", ".join(sorted(set(bad)))
    return SpamHit(
        "links",
        f"link to {shown}, which is not on the channel's allowed list",
        {"domains": sorted(set(bad))},
    )


def mentions(
    text: str,
    tokens: list[str],
    words: list[str],
    config: SpamConfig,
    permitted: bool = False,
    bad: list[str] | None = None,
) -> SpamHit | None:
    cfg = config.mentions
    if len(tokens) <= cfg.max_mentions:
        return None
    count = sum(1 for t in tokens if len(t) > 1 and t[0] == "@")
    if count <= cfg.max_mentions:
        return None
    return SpamHit(
        "mentions",
        f"{count} mentions (limit {cfg.max_mentions})",
        {"mentions": count, "limit": cfg.max_mentions},
    )


_F = TypeVar("_F", bound=FilterConfig)
_FilterFn = Callable[
    [str, list[str], list[str], SpamConfig, bool, "list[str] | None"], "SpamHit | None"
]


_FILTERS: tuple[tuple[str, _FilterFn], ...] = (
    ("caps", caps),
    ("symbols", symbols),
    ("repetition", repetition),
    ("emote_flood", emote_flood),
    ("length", length),
    ("links", links),
    ("mentions", mentions),
)


@dataclass(frozen=True, slots=True)
class _Plan:
    """The filters that apply to one role under one config (None: off or exempt), with the
    bounds that let ``check_spam`` skip a filter without calling it: caps trips only if
    capitals / letters > threshold over at least max(min_length, 1) letters (emotes left
    out), so the text needs more than ``caps_upper`` capitals; symbols likewise needs more
    than ``symbols_odd`` characters that are not letters, digits or spaces."""

    caps: CapsConfig | None
    symbols: SymbolsConfig | None
    repetition: RepetitionConfig | None
    emote_flood: EmotesConfig | None
    length: LengthConfig | None
    links: LinksConfig | None
    mentions: MentionsConfig | None
    caps_upper: float
    symbols_odd: float
    count_from: int  # shortest text caps or symbols look at (no counts needed below it)
    empty: bool


_NEVER = 1 << 30
# per config object and role; configs are frozen, so each plan is computed once
_PLANS: dict[int, tuple[SpamConfig, dict[Role, _Plan]]] = {}


def _plan(config: SpamConfig, role: Role) -> _Plan:
    entry = _PLANS.get(id(config))
    if entry is None or entry[0] is not config:
        if len(_PLANS) > 256:
            _PLANS.clear()
        entry = _PLANS[id(config)] = (config, {})
    plan = entry[1].get(role)
    if plan is None:
        c = config

        def on(f: _F) -> _F | None:
            return f if f.enabled and role not in f.exempt_roles else None

        parts = (
            on(c.caps),
            on(c.symbols),
            on(c.repetition),
            on(c.emote_flood),
            on(c.length),
            on(c.links),
            on(c.mentions),
        )
        plan = entry[1][role] = _Plan(
            *parts,
            caps_upper=c.caps.threshold * max(c.caps.min_length, 1),
            symbols_odd=c.symbols.threshold * max(c.symbols.min_length, 1),
            count_from=min(
                c.caps.min_length if parts[0] is not None else _NEVER,
                c.symbols.min_length if parts[1] is not None else _NEVER,
            ),
            empty=all(f is None for f in parts),
        )
    return plan


def check_spam(
    ctx: MessageContext,
    config: SpamConfig,
    *,
    permitted: bool = False,
    bad_domains: list[str] | None = None,
) -> list[SpamHit]:
    """Every per-message filter this message trips (the sender's role exemptions applied).

    ``permitted``: a moderator gave the sender a link permit that is still running.
    ``bad_domains``: ``unallowed_domains(ctx.text, config)`` if the caller already has it.

    Most messages trip nothing, so each filter is first ruled out by cheap bounds (length,
    token count, a character it needs, for ASCII text a count of capitals or symbols) and
    only called when it might trip; the results are the same as calling every filter.
    """
    plan = _plan(config, ctx.role)
    if plan.empty:
        return []
    text = ctx.text
    n = len(text)
    hits: list[SpamHit] = []
    tokens: list[str] | None = None
    words: list[str] | None = None
    emotes = config.emotes
    raw = b""  # the text as ASCII bytes for the counts below (b"": not ASCII, no shortcut)
    if n >= plan.count_from and text.isascii():
        raw = text.encode("ascii")

    f = plan.caps
    if (
        f is not None
        and n >= f.min_length
        and not (raw and len(raw) - len(raw.translate(None, _UPPER)) <= plan.caps_upper)
    ):
        tokens = text.split()
        words = _words(text, tokens, emotes)
        hit = caps(text, tokens, words, config, permitted, bad_domains)
        if hit is not None:
            hits.append(hit)
    f2 = plan.symbols
    if (
        f2 is not None
        and n >= f2.min_length
        and not (raw and len(raw.translate(None, _ALNUM_SPACE)) <= plan.symbols_odd)
    ):
        if tokens is None:
            tokens = text.split()
        if words is None:
            words = _words(text, tokens, emotes)
        hit = symbols(text, tokens, words, config, permitted, bad_domains)
        if hit is not None:
            hits.append(hit)
    f3 = plan.repetition
    if f3 is not None and n >= f3.min_length:
        # a run needs more than max_char_run characters; word repeats more than
        # max_word_repeats tokens, so at least twice as many characters, less one
        shown = _visible(text)
        run = len(shown) > f3.max_char_run and _may_have_run(shown, f3.max_char_run)
        if run or n >= 2 * f3.max_word_repeats + 1:
            if tokens is None:
                tokens = text.split()
            if run or len(tokens) > f3.max_word_repeats:
                if words is None:
                    words = _words(text, tokens, emotes)
                hit = repetition(text, tokens, words, config, permitted, bad_domains)
                if hit is not None:
                    hits.append(hit)
    f4 = plan.emote_flood
    if (
        f4 is not None
        and n >= f4.min_length
        and n > f4.max_emotes
        and (emotes or not (raw or text.isascii()))  # channel emotes, or emoji to count
    ):
        if tokens is None:
            tokens = text.split()
        if len(tokens) > f4.max_emotes or not text.isascii():
            hit = emote_flood(text, tokens, tokens, config, permitted, bad_domains)
            if hit is not None:
                hits.append(hit)
    f5 = plan.length
    if f5 is not None and n >= f5.min_length:
        hit = length(text, [], [], config, permitted, bad_domains)
        if hit is not None:
            hits.append(hit)
    f6 = plan.links
    if (
        f6 is not None
        and n >= f6.min_length
        and not permitted
        and (bad_domains is None or bad_domains)
        and "." in text
    ):
        hit = links(text, [], [], config, permitted, bad_domains)
        if hit is not None:
            hits.append(hit)
    f7 = plan.mentions
    if f7 is not None and n >= f7.min_length and "@" in text and n >= 2 * f7.max_mentions + 1:
        if tokens is None:
            tokens = text.split()
        if len(tokens) > f7.max_mentions:
            hit = mentions(text, tokens, tokens, config, permitted, bad_domains)
            if hit is not None:
                hits.append(hit)
    return hits


def filter_config(config: SpamConfig, name: str) -> FilterConfig:
    """The config of the filter called ``name`` (``spam.<name>`` codes)."""
    value = getattr(config, name)
    assert isinstance(value, FilterConfig)
    return value


def any_enabled(config: SpamConfig) -> bool:
    """Whether any per-message filter or the rate limit is on."""
    return config.rate.enabled or any(filter_config(config, n).enabled for n, _fn in _FILTERS)
