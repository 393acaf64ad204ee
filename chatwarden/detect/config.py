"""Per-channel detection settings: one typed, frozen pydantic object per detector.

Defaults follow what chat bots made standard (Nightbot, Bearry, AstronomiBot) and Twitch's own
verification and Shield Mode features; docs/detection.md gives the reasons and sources.
All durations are in seconds.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chatwarden.settings import Role

FilterActionName = Literal["delete", "hold", "timeout"]

MODS = frozenset({Role.OWNER, Role.LEAD_MODERATOR, Role.MODERATOR})
MODS_VIPS = MODS | {Role.VIP}
MODS_VIPS_SUBS = MODS_VIPS | {Role.SUBSCRIBER}


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FilterConfig(_Config):
    """What every spam filter shares: on/off, who is exempt and what happens on a hit.

    ``action`` ``timeout`` escalates: the n-th offence of this filter within
    ``escalation_window_s`` gets ``timeouts[min(n, len) - 1]`` seconds (Nightbot's "5 s for a
    first offence, then the configured length").
    """

    enabled: bool = True
    min_length: int = Field(0, ge=0, description="Only check messages at least this long.")
    exempt_roles: frozenset[Role] = MODS_VIPS
    action: FilterActionName = "delete"
    timeouts: tuple[int, ...] = Field((5, 600), min_length=1)
    escalation_window_s: int = Field(3600, gt=0)

    @model_validator(mode="after")
    def _positive_timeouts(self) -> FilterConfig:
        if any(t <= 0 for t in self.timeouts):
            raise ValueError("timeouts must be positive seconds")
        return self


class CapsConfig(FilterConfig):
    """Share of capital letters among letters (channel emotes ignored)."""

    threshold: float = Field(0.7, gt=0, le=1)
    min_length: int = Field(15, ge=0, description="Minimum number of letters.")


class SymbolsConfig(FilterConfig):
    """Share of non-letter, non-digit, non-space characters."""

    threshold: float = Field(0.5, gt=0, le=1)
    min_length: int = Field(15, ge=0, description="Minimum number of non-space characters.")


class RepetitionConfig(FilterConfig):
    """A character repeated in a row, or the same word many times (channel emotes ignored)."""

    max_char_run: int = Field(15, ge=2, description="Longest allowed run of one character.")
    max_word_repeats: int = Field(8, ge=2, description="Most times one word may appear.")
    min_length: int = Field(0, ge=0)


class EmotesConfig(FilterConfig):
    """Number of channel emotes in one message."""

    max_emotes: int = Field(20, ge=1)


class LengthConfig(FilterConfig):
    """Message length in characters."""

    max_length: int = Field(400, ge=1)


MAX_ALLOWED_DOMAINS = 500
_DOMAIN_RE = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9][a-z0-9-]{0,61}[a-z0-9]"
)


class LinksConfig(FilterConfig):
    """Links to domains outside the allow-list (subdomains included); ``!permit`` for a time."""

    allowed_domains: frozenset[str] = frozenset(
        {"twitch.tv", "clips.twitch.tv", "youtube.com", "youtu.be"}
    )
    permit_s: int = Field(60, gt=0, description="How long a moderator's permit lasts.")
    exempt_roles: frozenset[Role] = MODS_VIPS_SUBS

    @field_validator("allowed_domains")
    @classmethod
    def _domain_names(cls, value: frozenset[str]) -> frozenset[str]:
        """Host names as links are matched (lower case, no ``www.``); anything else refused."""
        if len(value) > MAX_ALLOWED_DOMAINS:
            raise ValueError(f"at most {MAX_ALLOWED_DOMAINS} domains, got {len(value)}")
        out = set()
        for raw in value:
            domain = raw.strip().lower().rstrip(".").removeprefix("www.")
            if not _DOMAIN_RE.fullmatch(domain):
                raise ValueError(f"{raw!r} is not a domain name (like example.com)")
            out.add(domain)
        return frozenset(out)


class MentionsConfig(FilterConfig):
    """@mentions in one message."""

    max_mentions: int = Field(5, ge=1)


class RateConfig(FilterConfig):
    """Per-user rate limit: at most ``max_messages`` in any ``per_s`` seconds."""

    max_messages: int = Field(8, ge=1)
    per_s: float = Field(10.0, gt=0)
    action: FilterActionName = "timeout"
    timeouts: tuple[int, ...] = Field((10, 60, 600), min_length=1)


class SpamConfig(_Config):
    """All the per-message spam filters of a channel, and the channel's emote set."""

    emotes: frozenset[str] = Field(
        frozenset(), description="The channel's emote codes (case-sensitive, e.g. 'Kappa')."
    )
    caps: CapsConfig = CapsConfig()
    symbols: SymbolsConfig = SymbolsConfig()
    repetition: RepetitionConfig = RepetitionConfig()
    emote_flood: EmotesConfig = EmotesConfig()
    length: LengthConfig = LengthConfig()
    links: LinksConfig = LinksConfig()
    mentions: MentionsConfig = MentionsConfig()
    rate: RateConfig = RateConfig()


class SimilarityConfig(_Config):
    """Near-duplicate grouping across users (bottom-k MinHash of normalised word sets)."""

    min_jaccard: float = Field(
        0.5, gt=0, le=1, description="Word-set Jaccard similarity that makes a near-duplicate."
    )
    min_chars: int = Field(8, ge=1, description="Shorter normalised texts only match exactly.")
    window_s: int = Field(120, gt=0)
    max_messages: int = Field(2000, ge=10, description="Bound on the window's size.")


class WaveConfig(_Config):
    """Bot wave vs crowdspeak: a cluster of near-duplicates from several users.

    Only text that says something can make a wave: at least ``min_words`` distinct words that
    are neither very common chat words nor the channel's emotes (or a link to a domain off the
    allow-list). Short common chat ("lol", "gg", "one more", an emote wall) is repeated by
    many people at once all the time and is never a wave. A cluster of such text becomes a
    wave once ``min_users`` distinct users posted into it within the similarity window. It is
    a *bot wave* when the share of its users that look like throwaway accounts (young,
    unverified, first message here, look-alike names, not chatting otherwise) reaches
    ``bot_share``; otherwise it is crowdspeak and is never punished.
    """

    enabled: bool = True
    similarity: SimilarityConfig = SimilarityConfig()
    min_users: int = Field(4, ge=2)
    min_words: int = Field(
        4,
        ge=1,
        description="Distinct uncommon words (not common chat words, not channel emotes) "
        "a message needs to be part of a wave, unless it links to a domain off the allow-list.",
    )
    conversing_messages: int = Field(
        3,
        ge=1,
        description="A newcomer with this many of their recent messages here unlike the "
        "wave's text is chatting, not a throwaway account: never bot-like.",
    )
    bot_share: float = Field(0.6, gt=0, le=1)
    young_account_s: int = Field(7 * 86400, gt=0)
    established_follow_s: int = Field(
        7 * 86400, gt=0, description="Followers older than this count as regulars."
    )
    lookalike_ratio: float = Field(
        80.0, ge=0, le=100, description="rapidfuzz ratio at which two names look alike."
    )
    newcomer_s: int = Field(
        3600, gt=0, description="A first-time chatter stays a newcomer this long."
    )
    action: FilterActionName = "delete"
    exempt_roles: frozenset[Role] = MODS_VIPS_SUBS
    timeouts: tuple[int, ...] = Field((600,), min_length=1)


class RaidConfig(_Config):
    """Channel-level hate-raid detection over a short sliding window.

    The newcomers' messages of the last ``window_s`` seconds are scored from young accounts,
    near-duplicate messages and hostile AutoMod scores (``raid.py``). An alert needs at least
    ``min_newcomers`` first-time chatters in the window, at least ``min_hostile_share`` of
    their messages hostile and a score of at least ``threshold``, or a burst: at least
    ``burst_newcomers`` newcomers, ``burst_young_share`` of them young, with
    ``burst_min_hostile_share`` of their messages hostile. Either needs a surge: at least
    ``surge_ratio`` times the first-time chatters that the channel's own rate over the
    ``baseline_s`` before the window would bring (a busy channel always has newcomers).
    After an alert the detector stays quiet for ``cooldown_s``.
    """

    enabled: bool = True
    window_s: int = Field(30, gt=0)
    min_newcomers: int = Field(5, ge=2)
    threshold: float = Field(0.5, gt=0, le=1)
    hostile_harm: float = Field(0.5, gt=0, le=1, description="AutoMod harm that counts hostile.")
    min_hostile_share: float = Field(
        0.2, ge=0, le=1, description="A burst with fewer hostile messages is not a hate raid."
    )
    burst_newcomers: int = Field(15, ge=2)
    burst_young_share: float = Field(0.7, ge=0, le=1)
    burst_min_hostile_share: float = Field(0.15, ge=0, le=1)
    young_account_s: int = Field(7 * 86400, gt=0)
    baseline_s: int = Field(
        600,
        gt=0,
        description="The channel's usual rate of first-time chatters is measured over this "
        "long before the window.",
    )
    surge_ratio: float = Field(
        3.0,
        ge=1,
        description="An alert needs at least this many times the first-time chatters the "
        "channel's usual rate would bring in the window.",
    )
    cooldown_s: int = Field(120, ge=0)
    auto_shield: bool = Field(
        False, description="The owner allows turning Shield Mode on automatically."
    )


class EvasionConfig(_Config):
    """Ban-evasion score against the accounts banned in the channel.

    Signals (0-1 each): shared fingerprint, name similarity, writing-style similarity, young
    account; ``likely`` at ``likely_score``, ``possible`` at ``possible_score``. A newcomer is
    assessed on each of their first ``assess_messages`` messages, every line so far counting
    (style needs a few lines; at most 8 are kept per user), as long as more text could still
    change the level.
    """

    enabled: bool = True
    likely_score: float = Field(0.65, gt=0, le=1)
    possible_score: float = Field(0.45, gt=0, le=1)
    young_account_s: int = Field(30 * 86400, gt=0)
    assess_messages: int = Field(8, ge=1)
    max_banned: int = Field(1000, ge=1, description="Most banned profiles kept (newest win).")
    # Twitch's defaults: likely evaders monitored (a channel may restrict them), possible ones
    # not flagged ("off": assessed, reported by ``evasion_of``, no finding)
    likely_treatment: Literal["monitor", "restrict"] = "monitor"
    possible_treatment: Literal["monitor", "restrict", "off"] = "off"

    @model_validator(mode="after")
    def _ordered(self) -> EvasionConfig:
        if self.possible_score > self.likely_score:
            raise ValueError("possible_score must not exceed likely_score")
        return self


VerificationScope = Literal["nobody", "everyone", "first_time_chatters", "conditions"]


class VerificationRule(_Config):
    """Whom one kind of verification (email or phone) is required of.

    ``conditions``: accounts younger than ``account_younger_than_s`` or followers newer than
    ``follower_newer_than_s`` (non-followers included); a limit left None is not checked.
    """

    applies_to: VerificationScope = "nobody"
    account_younger_than_s: int | None = Field(None, gt=0)
    follower_newer_than_s: int | None = Field(None, gt=0)


class TrustGateConfig(_Config):
    """Twitch-style chat verification: email and/or phone required of some chatters."""

    email: VerificationRule = VerificationRule()
    phone: VerificationRule = VerificationRule()
    exempt_roles: frozenset[Role] = MODS_VIPS_SUBS


class StrikeStepConfig(_Config):
    kind: Literal["warn", "timeout", "ban"]
    seconds: int | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _seconds(self) -> StrikeStepConfig:
        if (self.kind == "timeout") != (self.seconds is not None):
            raise ValueError("seconds is required for timeout and only for timeout")
        return self


class StrikeConfig(_Config):
    """warn -> timeout 10 min -> timeout 24 h -> ban; offences expire after ``expire_s``."""

    enabled: bool = False
    steps: tuple[StrikeStepConfig, ...] = Field(
        (
            StrikeStepConfig(kind="warn"),
            StrikeStepConfig(kind="timeout", seconds=600),
            StrikeStepConfig(kind="timeout", seconds=86400),
            StrikeStepConfig(kind="ban"),
        ),
        min_length=1,
    )
    expire_s: int = Field(30 * 86400, gt=0)


class DetectionConfig(_Config):
    """A channel's whole detection configuration (what the service stores per channel)."""

    spam: SpamConfig = SpamConfig()
    waves: WaveConfig = WaveConfig()
    raid: RaidConfig = RaidConfig()
    evasion: EvasionConfig = EvasionConfig()
    trust: TrustGateConfig = TrustGateConfig()
    strikes: StrikeConfig = StrikeConfig()


SPAM_FILTERS = (
    "caps",
    "symbols",
    "repetition",
    "emote_flood",
    "length",
    "links",
    "mentions",
    "rate",
)


#: pydantic's bound on a number -> the key a form reads it under
_BOUND_KEYS: tuple[tuple[type[Ge | Gt | Le | Lt], str], ...] = (
    (Ge, "min"),
    (Gt, "exclusive_min"),
    (Le, "max"),
    (Lt, "exclusive_max"),
)


def number_fields(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """Each whole-number or decimal setting of ``model`` with its bounds, default and
    description, as the settings API enforces them (for a form: ``min``, ``max``,
    ``exclusive_min``, ``exclusive_max``)."""
    out: dict[str, dict[str, Any]] = {}
    for name, info in model.model_fields.items():
        if info.annotation not in (int, float):
            continue
        field: dict[str, Any] = {
            "type": "integer" if info.annotation is int else "number",
            "default": info.default,
            "description": info.description or "",
        }
        for bound in info.metadata:
            for kind, key in _BOUND_KEYS:
                if isinstance(bound, kind):
                    field[key] = getattr(bound, kind.__name__.lower())
        out[name] = field
    return out


def spam_filter_fields() -> dict[str, dict[str, dict[str, Any]]]:
    """``number_fields`` of each spam filter (``SpamConfig``'s caps, symbols, ...)."""
    fields = SpamConfig.model_fields
    out = {}
    for name in SPAM_FILTERS:
        model = fields[name].annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        out[name] = number_fields(model)
    return out
