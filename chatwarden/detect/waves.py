"""Bot waves vs crowdspeak: who is posting the same thing.

When several users post near-duplicates (``similarity.SimilarityIndex``) the question is who
they are. A **bot wave** is throwaway accounts posting the same text or links: first-time
chatters, not (or only just) following, young or unverified accounts, look-alike names.
**Crowdspeak** is regulars joining an emote wave or a copypasta, a community ritual (Ford et
al. 2017) that must never be punished.

Only text that says something can make a wave (``informative``): at least ``min_words``
distinct words that are neither very common chat words (``similarity.COMMON``) nor the
channel's emotes, or a link to a domain off the allow-list. "lol", "gg", "one more",
"greetings from mexico" and emote walls are what a crowd types at once; many people sending
them is no sign of coordination, whoever they are.

Only *newcomers* can be bot-like: first-time chatters, or chatters whose first message here
was less than ``newcomer_s`` ago. Regulars, whatever their account looks like (a young
account, no verified email), are never bot-like, and neither is a newcomer who has been
chatting: ``conversing_messages`` of their recent messages here were unlike the wave's
text (throwaway accounts post their spam, they do not converse). A newcomer gets points from
the facts the service supplies:

========================================  ======
not an established follower                 1
account younger than ``young_account_s``    1
no verified email or phone                  0.5
name looks like another member's            0.5
links to a domain not on the allow-list     0.5
========================================  ======

1.5 points or more is *bot-like*: a genuine new viewer who is not following yet but has an
older or verified account (1 point) is not. A cluster with ``min_users`` users is a bot wave
when at least ``bot_share`` of its users are bot-like, and then only its bot-like, non-exempt
members are acted on; a cluster that regulars dominate stays crowdspeak even if some
newcomers join in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from chatwarden.detect.config import WaveConfig
from chatwarden.detect.evasion import fold_name
from chatwarden.detect.similarity import COMMON, Cluster
from chatwarden.detect.types import (
    DELETE,
    HOLD,
    NO_ACTION,
    DetectAction,
    Finding,
    MessageContext,
    WaveKind,
    WaveReport,
    timeout,
)

BOT_LIKE_POINTS = 1.5
LOOKALIKE_POINTS = 0.5  # a name like another member's
MAX_NAMES = 40  # names kept per cluster for the look-alike check
MAX_RETRO = 100  # earlier messages listed when a cluster turns out to be a bot wave


@dataclass(frozen=True, slots=True)
class SenderFacts:
    """What the wave and raid detectors know about a message's sender."""

    newcomer: bool
    established: bool
    young: bool
    unverified: bool
    bad_link: bool = False
    conversing: bool = False  # has been chatting here about other things (never bot-like)


REGULAR = SenderFacts(newcomer=False, established=True, young=False, unverified=False)
"""Stands for any sender who is not a newcomer (their other facts don't matter here)."""


def informative(words: frozenset[str], emotes: frozenset[str], min_words: int) -> bool:
    """Whether a message's word set (``similarity.features``) says enough to make a wave:
    ``min_words`` distinct words that are not common chat words and not channel emotes
    (``emotes`` in lower case, as the features are)."""
    if len(words) < min_words:
        return False
    return len(words - COMMON - emotes) >= min_words


def sender_facts(
    ctx: MessageContext,
    newcomer: bool,
    config: WaveConfig,
    *,
    bad_link: bool = False,
    conversing: bool = False,
) -> SenderFacts:
    age = ctx.account_age_s()
    follow = ctx.follow_age_s()
    return SenderFacts(
        newcomer=newcomer,
        established=follow is not None and follow >= config.established_follow_s,
        young=age is None or age < config.young_account_s,
        unverified=not (ctx.email_verified or ctx.phone_verified),
        bad_link=bad_link,
        conversing=conversing,
    )


def bot_points(facts: SenderFacts, lookalike: str | None) -> tuple[float, list[str]]:
    """Bot-likeness points and the reasons, in words."""
    if not facts.newcomer:
        return 0.0, ["has chatted here before"]
    if facts.conversing:
        return 0.0, ["first-time chatter who has been chatting here about other things"]
    points = 0.0
    reasons = ["first-time chatter"]
    if not facts.established:
        points += 1
        reasons.append("not an established follower")
    if facts.young:
        points += 1
        reasons.append("young account")
    if facts.unverified:
        points += 0.5
        reasons.append("no verified email or phone")
    if lookalike is not None:
        points += LOOKALIKE_POINTS
        reasons.append(f"name looks like {lookalike}")
    if facts.bad_link:
        points += 0.5
        reasons.append("links to a domain that is not allowed here")
    return points, reasons


@dataclass(slots=True)
class WaveState:
    """Per-cluster state of the wave detector."""

    names: dict[int, tuple[str, str]] = field(default_factory=dict)  # uid -> (name, folded)
    folded: dict[int, str] = field(default_factory=dict)  # uid -> folded name (same users)
    seen: set[int] = field(default_factory=set)  # users whose bot-likeness is decided
    bot_like: dict[int, list[str]] = field(default_factory=dict)  # uid -> reasons
    messages: list[tuple[int, int | None]] = field(default_factory=list)  # (uid, message id)
    kind: WaveKind | None = None  # last kind announced
    informative: bool = True  # False: too short or common to be a bot wave (crowdspeak)
    offences: dict[int, int] = field(default_factory=dict)  # uid -> actions taken


Pending = list[tuple[int, str, SenderFacts, int | None]]
"""A cluster's members before it has ``min_users`` users (most clusters never do): kept as
``Cluster.extra``, a plain list of (user id, name, facts, message id)."""


def _admit(
    state: WaveState,
    uid: int,
    name: str,
    facts: SenderFacts,
    message_id: int | None,
    config: WaveConfig,
) -> None:
    if uid not in state.bot_like and uid not in state.seen:
        state.seen.add(uid)
        # a look-alike name adds LOOKALIKE_POINTS: compared only where that can make the
        # difference or shows in the reasons (never for regulars, who get no points at all)
        look = None
        if facts.newcomer and bot_points(facts, None)[0] + LOOKALIKE_POINTS >= BOT_LIKE_POINTS:
            look = _lookalike(state, uid, name, config)
        points, why = bot_points(facts, look)
        if points >= BOT_LIKE_POINTS:
            state.bot_like[uid] = why
    if uid not in state.names and len(state.names) < MAX_NAMES:
        _remember_name(state, uid, name)
    if len(state.messages) < MAX_RETRO:
        state.messages.append((uid, message_id))


def _remember_name(state: WaveState, uid: int, name: str) -> None:
    folded = fold_name(name)
    state.names[uid] = (name, folded)
    state.folded[uid] = folded


def _lookalike(state: WaveState, user_id: int, name: str, config: WaveConfig) -> str | None:
    """The most similar other member's name, if similar enough to be a look-alike."""
    folded = state.folded
    own = folded.pop(user_id, None)  # compared with the others only
    try:
        if not folded:
            return None
        hit = process.extractOne(
            fold_name(name), folded, scorer=fuzz.ratio, score_cutoff=config.lookalike_ratio
        )
    finally:
        if own is not None:
            folded[user_id] = own
    return None if hit is None else state.names[hit[2]][0]


def classify(cluster: Cluster, config: WaveConfig) -> tuple[WaveKind | None, float]:
    """The cluster's kind now (None: too few users to be a wave) and its bot-like share."""
    state = cluster.extra
    users = len(cluster.users)
    if users < config.min_users or not isinstance(state, WaveState):
        return None, 0.0
    share = len(state.bot_like) / users
    bot = state.informative and share >= config.bot_share
    return ("bot_wave" if bot else "crowdspeak"), share


def report(cluster: Cluster, config: WaveConfig) -> WaveReport | None:
    kind, share = classify(cluster, config)
    state = cluster.extra
    if kind is None or not isinstance(state, WaveState):
        return None
    users = len(cluster.users)
    reasons = [
        f"{users} users posted near-duplicates of this message",
        f"{len(state.bot_like)} of them ({share * 100:.0f}%) look like throwaway accounts "
        f"(bot wave from {config.bot_share * 100:.0f}%)",
    ]
    if not state.informative:
        reasons.append(
            f"fewer than {config.min_words} uncommon words: common chat, never a bot wave"
        )
    return WaveReport(
        cluster_id=cluster.id,
        kind=kind,
        sample_text=cluster.sample,
        first_at=cluster.first_at,
        last_at=cluster.last_at,
        user_ids=tuple(cluster.users),
        bot_like_user_ids=tuple(state.bot_like),
        message_count=cluster.count,
        reasons=tuple(reasons),
    )


def _action(config: WaveConfig, nth: int) -> DetectAction:
    if config.action == "delete":
        return DELETE
    if config.action == "hold":
        return HOLD
    return timeout(config.timeouts[min(nth, len(config.timeouts)) - 1])


def note(cluster: Cluster, ctx: MessageContext, facts: SenderFacts, config: WaveConfig) -> bool:
    """Record a message in a cluster that is not (yet) a wave; False when ``observe`` must
    run instead (the cluster is, or with this message becomes, a wave)."""
    extra = cluster.extra
    if len(cluster.users) >= config.min_users or isinstance(extra, WaveState):
        return False
    entry = (ctx.user_id, ctx.username, facts, ctx.message_id)
    if extra is None:
        cluster.extra = [entry]
    else:
        assert isinstance(extra, list)
        extra.append(entry)
    return True


def observe(
    cluster: Cluster,
    ctx: MessageContext,
    facts: SenderFacts,
    config: WaveConfig,
    *,
    emotes: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Update ``cluster`` (which ``ctx`` just joined) and return the wave findings for it.

    ``emotes``: the channel's emote codes in lower case (not uncommon words, see
    ``informative``)."""
    uid = ctx.user_id
    extra = cluster.extra
    if isinstance(extra, WaveState):
        state = extra
        state.informative = state.informative or facts.bad_link
        _admit(state, uid, ctx.username, facts, ctx.message_id, config)
    else:
        pending: Pending
        if isinstance(extra, list):
            pending = extra
            pending.append((uid, ctx.username, facts, ctx.message_id))
        else:
            pending = [(uid, ctx.username, facts, ctx.message_id)]
            cluster.extra = pending
        if len(cluster.users) < config.min_users:
            return []
        # the cluster just became a wave: decide every member, names compared both ways
        state = WaveState(
            informative=any(e[2].bad_link for e in pending)
            or informative(cluster.words, emotes, config.min_words)
        )
        for e_uid, name, _f, _m in pending:
            if e_uid not in state.names and len(state.names) < MAX_NAMES:
                _remember_name(state, e_uid, name)
        for e_uid, name, e_facts, mid in pending:
            _admit(state, e_uid, name, e_facts, mid, config)
        cluster.extra = state
    kind, share = classify(cluster, config)
    if kind is None:
        return []
    member = kind == "bot_wave" and uid in state.bot_like and ctx.role not in config.exempt_roles
    if kind == state.kind and not member:
        return []  # a known wave and nothing to do about this message (most of crowdspeak)
    findings: list[Finding] = []
    users = len(cluster.users)
    evidence_base = {
        "cluster_id": cluster.id,
        "sample_text": cluster.sample,
        "users": users,
        "bot_like_users": len(state.bot_like),
        "bot_like_share": round(share, 4),
        "messages": cluster.count,
        "first_at": cluster.first_at.isoformat(),
    }
    if kind != state.kind:
        state.kind = kind
        if kind == "crowdspeak":
            findings.append(
                Finding(
                    detector="wave",
                    code="wave.crowdspeak",
                    action=NO_ACTION,
                    explanation=(
                        f"crowdspeak: {users} chatters posting the same thing, mostly regulars "
                        f"({share * 100:.0f}% look like throwaway accounts); not punished"
                        if state.informative
                        else f"crowdspeak: {users} chatters posting the same common chat; "
                        "not punished"
                    ),
                    evidence=evidence_base,
                )
            )
        else:
            earlier = [
                {"user_id": u, "message_id": m}
                for u, m in state.messages[:-1]
                if u in state.bot_like and u != uid
            ]
            findings.append(
                Finding(
                    detector="wave",
                    code="wave.bot",
                    action=NO_ACTION,
                    explanation=(
                        f"bot wave: {users} chatters posting near-duplicates, "
                        f"{share * 100:.0f}% of them throwaway-looking accounts"
                    ),
                    evidence={
                        **evidence_base,
                        "bot_like_user_ids": list(state.bot_like),
                        "earlier_messages": earlier,
                    },
                )
            )
    if member:
        nth = state.offences.get(uid, 0) + 1
        state.offences[uid] = nth
        findings.append(
            Finding(
                detector="wave",
                code="wave.bot_member",
                action=_action(config, nth),
                explanation=(
                    f"part of a bot wave ({users} chatters posting near-duplicates); "
                    f"this account: {', '.join(state.bot_like[uid])}"
                ),
                evidence={**evidence_base, "reasons": state.bot_like[uid]},
                user_id=uid,
                message_id=ctx.message_id,
            )
        )
    return findings
