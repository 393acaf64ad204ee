"""``ChannelDetectors``: every detector for one channel, with its bounded in-memory state.

The service keeps one per channel and calls ``observe`` for every accepted message, in
timestamp order. Time comes only from the messages (``MessageContext.at``) and from the
arguments of ``permit``/``banned_profile``; there is no wall clock. State is bounded: the
similarity window (``SimilarityConfig.max_messages`` clusters, ``window_s``), the raid window,
and at most ``max_users`` per-user records (least recently active dropped first), each with
a few recent texts, timestamps and offences.

Trust gates are not run here: they decide whether a message is accepted at all, so the service
calls the pure ``trust.trust_gate`` first, and ``observe`` only sees accepted messages.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chatwarden.detect import spam, waves
from chatwarden.detect.config import DetectionConfig
from chatwarden.detect.evasion import BannedIndex, Candidate, background_vector
from chatwarden.detect.raid import RaidDetector
from chatwarden.detect.similarity import SimilarityIndex
from chatwarden.detect.types import (
    DELETE,
    FLAG,
    HOLD,
    NO_ACTION,
    ActionKind,
    BannedProfile,
    DetectAction,
    DetectionResult,
    EvasionAssessment,
    Finding,
    MessageContext,
    WaveReport,
)
from chatwarden.pipeline.normalise import normalise_text

MAX_TEXTS = 8  # recent messages kept per user (writing style of a later ban)
MAX_FINGERPRINTS = 8
_NOTHING = DetectionResult()
BACKGROUND_EVERY_S = 3600  # the channel's style background is recomputed this often
BACKGROUND_USERS = 80  # from the texts of this many recently active chatters


@dataclass(slots=True)
class _User:
    first_time_at: datetime | None = None
    messages: int = 0
    texts: deque[str] = field(default_factory=lambda: deque(maxlen=MAX_TEXTS))
    times: deque[datetime] = field(default_factory=deque)
    offences: dict[str, deque[datetime]] = field(default_factory=dict)
    permit_until: datetime | None = None
    fingerprints: list[str] = field(default_factory=list)
    last_fingerprints: tuple[str, ...] = ()  # the last message's, already merged above
    evasion: EvasionAssessment | None = None
    reassess: bool = True  # another message could still change the evasion assessment
    assessed: int = 0  # the message count at the last evasion assessment
    # near-duplicate clusters of the recent messages (whether a newcomer is conversing)
    clusters: deque[int] = field(default_factory=lambda: deque(maxlen=MAX_TEXTS))


def _aware(at: datetime, what: str) -> None:
    if at.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware")


class ChannelDetectors:
    """All proactive detectors of one channel.

    >>> detectors = ChannelDetectors(1)
    >>> detectors.observe(ctx).findings  # doctest: +SKIP
    """

    def __init__(
        self,
        channel_id: int,
        config: DetectionConfig | None = None,
        *,
        banned: Iterable[BannedProfile] = (),
        max_users: int = 10_000,
    ) -> None:
        self.channel_id = channel_id
        self.max_users = max_users
        self._config = config if config is not None else DetectionConfig()
        self._users: OrderedDict[int, _User] = OrderedDict()
        self._similar = SimilarityIndex(self._config.waves.similarity)
        self._raid = RaidDetector(self._config.raid)
        self._banned = BannedIndex(
            banned,
            max_banned=self._config.evasion.max_banned,
            emotes=self._config.spam.emotes,
        )
        self._background_at: datetime | None = None
        self._spans()

    def _spans(self) -> None:
        self._rate_span = timedelta(seconds=self._config.spam.rate.per_s)
        self._newcomer_span = timedelta(seconds=self._config.waves.newcomer_s)
        cfg = self._config
        self._only_evasion = (
            not cfg.waves.enabled and not cfg.raid.enabled and not spam.any_enabled(cfg.spam)
        )
        # read on every message
        rate = cfg.spam.rate
        self._rate_exempt = rate.exempt_roles if rate.enabled else None  # None: limit off
        self._waves_on = cfg.waves.enabled
        self._raid_on = cfg.raid.enabled
        self._emotes_lower = frozenset(e.lower() for e in cfg.spam.emotes)

    # ---- configuration and moderator inputs ------------------------------------------------

    @property
    def config(self) -> DetectionConfig:
        return self._config

    def configure(self, config: DetectionConfig) -> None:
        """Apply new settings; windows, permits and offences are kept."""
        self._config = config
        self._similar.config = config.waves.similarity
        self._raid.config = config.raid
        self._banned.max_banned = config.evasion.max_banned
        self._banned.set_emotes(config.spam.emotes)
        self._spans()

    def quiet_raids(self, until: datetime | None) -> None:
        """No raid alert before ``until`` (None: one when due); see ``RaidDetector.quiet``."""
        self._raid.quiet(until)

    def permit(self, user_id: int, at: datetime, until: datetime | None = None) -> datetime:
        """A moderator's ``!permit``: the user may post links until the returned time (``until``:
        a permit given elsewhere, with its own end)."""
        _aware(at, "at")
        if until is None:
            until = at + timedelta(seconds=self._config.spam.links.permit_s)
        user = self._users.get(user_id)
        if user is None:
            user = self._remember(user_id)
        user.permit_until = until
        return until

    def revoke_permit(self, user_id: int) -> None:
        user = self._users.get(user_id)
        if user is not None:
            user.permit_until = None

    def banned_profile(
        self,
        user_id: int,
        username: str,
        banned_at: datetime,
        fingerprints: Iterable[str] = (),
        texts: Iterable[str] = (),
    ) -> BannedProfile:
        """A profile of a just-banned user from what was seen of them here plus the arguments."""
        _aware(banned_at, "banned_at")
        user = self._users.get(user_id)
        seen_texts = list(user.texts) if user else []
        seen_fps = list(user.fingerprints) if user else []
        return BannedProfile(
            user_id=user_id,
            username=username,
            banned_at=banned_at,
            fingerprints=tuple(dict.fromkeys([*fingerprints, *seen_fps])),
            texts=tuple([*texts, *seen_texts][-MAX_TEXTS * 2 :]),
        )

    def add_banned(self, profile: BannedProfile) -> None:
        """Remember a banned account for ban-evasion scoring."""
        self._banned.add(profile)

    def remove_banned(self, user_id: int) -> None:
        """Forget a banned account (it was unbanned)."""
        self._banned.remove(user_id)

    def clear_evasion(self, user_id: int) -> None:
        """A moderator cleared the user: stop flagging them (until reassessed from scratch)."""
        user = self._users.get(user_id)
        if user is not None:
            user.evasion = None
            user.messages = max(user.messages, self._config.evasion.assess_messages)

    # ---- reads ---------------------------------------------------------------------------

    def evasion_of(self, user_id: int) -> EvasionAssessment | None:
        user = self._users.get(user_id)
        return user.evasion if user else None

    def waves(self, now: datetime) -> list[WaveReport]:
        """The live clusters that are waves (bot waves and crowdspeak), newest last."""
        self._similar.expire(now)
        out = []
        for cluster in self._similar.clusters():
            report = waves.report(cluster, self._config.waves)
            if report is not None:
                out.append(report)
        return out

    def sizes(self) -> dict[str, int]:
        """How much state is held (for tests and metrics)."""
        return {
            "users": len(self._users),
            "clusters": len(self._similar),
            "raid_window": len(self._raid),
            "banned": len(self._banned),
        }

    # ---- the per-message path ------------------------------------------------------------

    def _remember(self, user_id: int) -> _User:
        """A record for a user not seen before (callers look them up first); past
        ``max_users`` the least recently active are dropped."""
        user = self._users[user_id] = _User()
        while len(self._users) > self.max_users:
            self._users.popitem(last=False)
        return user

    def _spam_findings(
        self, ctx: MessageContext, user: _User, hits: list[spam.SpamHit]
    ) -> list[Finding]:
        cfg = self._config.spam
        at = ctx.at
        findings = []
        for hit in hits:
            fcfg = spam.filter_config(cfg, hit.filter)
            times = user.offences.setdefault(hit.filter, deque(maxlen=32))
            since = at - timedelta(seconds=fcfg.escalation_window_s)
            while times and times[0] <= since:
                times.popleft()
            times.append(at)
            action = spam.filter_action(fcfg, len(times))
            findings.append(
                Finding(
                    detector="flood" if hit.filter == "rate" else "spam",
                    code=hit.code,
                    action=action,
                    explanation=hit.explanation,
                    evidence={**hit.evidence, "offence": len(times)},
                    user_id=ctx.user_id,
                    message_id=ctx.message_id,
                )
            )
        return findings

    def _refresh_background(self, now: datetime) -> None:
        last = self._background_at
        if last is not None and (now - last).total_seconds() < BACKGROUND_EVERY_S:
            return
        recent = []
        for u in reversed(self._users.values()):
            if len(u.texts) >= 3:
                recent.append(list(u.texts))
                if len(recent) >= BACKGROUND_USERS:
                    break
        background = background_vector(recent, self._banned.emotes)
        if background is not None or last is None:
            self._banned.set_background(background)
        self._background_at = now

    def _assess_now(self, user: _User) -> bool:
        """Assessed on each of the first ``assess_messages`` messages: the writing style
        shows only over several lines, so the evidence is gathered as they come (each
        assessment uses every line so far and replaces the previous one); after that the
        assessment stands."""
        return user.messages <= self._config.evasion.assess_messages

    def _evasion(self, ctx: MessageContext, user: _User, newcomer: bool) -> list[Finding]:
        cfg = self._config.evasion
        if not cfg.enabled:
            return []
        if newcomer and user.reassess and self._assess_now(user) and len(self._banned):
            self._refresh_background(ctx.at)
            user.evasion = self._banned.assess(
                Candidate(
                    user_id=ctx.user_id,
                    username=ctx.username,
                    account_created_at=ctx.account_created_at,
                    fingerprints=frozenset(user.fingerprints),
                    texts=tuple(user.texts),
                    at=ctx.at,
                ),
                cfg,
            )
            user.reassess = self._banned.last_reachable
            user.assessed = user.messages
        found = user.evasion
        if found is None or found.level == "unlikely":
            return []
        treatment = cfg.likely_treatment if found.level == "likely" else cfg.possible_treatment
        if treatment == "off":
            return []
        treated = "restricted" if treatment == "restrict" else "monitored"
        return [
            Finding(
                detector="evasion",
                code=f"evasion.{found.level}",
                action=HOLD if treatment == "restrict" else FLAG,
                explanation=(f"{found.level} ban evader ({treated}): " + "; ".join(found.reasons)),
                evidence={**found.to_dict(), "treatment": treatment},
                user_id=ctx.user_id,
                message_id=ctx.message_id,
            )
        ]

    def _track(self, ctx: MessageContext) -> tuple[_User, bool]:
        """Update the sender's record; return it and whether the sender is a newcomer."""
        if ctx.channel_id != self.channel_id:
            raise ValueError(
                f"message for channel {ctx.channel_id} given to channel {self.channel_id}"
            )
        if ctx.at.tzinfo is None:
            raise ValueError("MessageContext.at must be timezone-aware")
        users = self._users
        user = users.get(ctx.user_id)
        if user is None:
            user = self._remember(ctx.user_id)
        else:
            users.move_to_end(ctx.user_id)
        user.messages += 1
        first = user.first_time_at
        if ctx.first_message_in_channel:
            newcomer = True
            if first is None:
                user.first_time_at = ctx.at
        else:
            newcomer = first is not None and ctx.at - first < self._newcomer_span
        text = ctx.text
        texts = user.texts
        if not texts or texts[-1] != text:
            texts.append(text[:500])
        fps = ctx.fingerprints
        if fps and fps != user.last_fingerprints:
            user.last_fingerprints = fps
            known = user.fingerprints
            for fp in fps:
                if fp not in known and len(known) < MAX_FINGERPRINTS:
                    known.append(fp)
        return user, newcomer

    @property
    def only_evasion(self) -> bool:
        """True when ban evasion is the only live detector (``check_evasion`` does it all)."""
        return self._only_evasion

    def check_evasion(self, ctx: MessageContext) -> DetectionResult:
        """Only the ban-evasion check (and the sender's record it needs): what ``observe``
        returns when every other detector is off, without their windows."""
        user, newcomer = self._track(ctx)
        findings = self._evasion(ctx, user, newcomer) if newcomer or user.evasion else []
        if not findings and (not newcomer or user.evasion is None):
            return _NOTHING
        # at most one finding, the evasion flag (flag or hold): its action is the result's
        action: DetectAction = findings[0].action if findings else NO_ACTION
        evasion = user.evasion if user.assessed == user.messages else None
        return DetectionResult(tuple(findings), action, (), evasion)

    def observe(self, ctx: MessageContext) -> DetectionResult:
        """Run every detector on one accepted message and update the windows.

        Messages must come in timestamp order (a message older than the window is still
        handled, it just sees a window that has moved on).
        """
        at = ctx.at
        cfg = self._config
        user, newcomer = self._track(ctx)
        text = ctx.text

        bad_domains = (
            spam.unallowed_domains(text, cfg.spam) if "." in text and spam.may_link(text) else []
        )
        permit = user.permit_until
        hits = spam.check_spam(
            ctx,
            cfg.spam,
            permitted=permit is not None and at < permit,
            bad_domains=bad_domains,
        )
        exempt = self._rate_exempt
        if exempt is not None and ctx.role not in exempt:
            times = user.times
            times.append(at)
            if len(times) > 1:  # (a lone entry is this message's own)
                horizon = at - self._rate_span
                while times[0] <= horizon:
                    times.popleft()
            rate = cfg.spam.rate
            if len(times) > rate.max_messages:
                while len(times) > rate.max_messages + 1:
                    times.popleft()
                hits.append(
                    spam.SpamHit(
                        "rate",
                        f"{len(times)} messages within {rate.per_s:g} s "
                        f"(limit {rate.max_messages})",
                        {"messages": len(times), "per_s": rate.per_s, "limit": rate.max_messages},
                    )
                )
        findings = self._spam_findings(ctx, user, hits) if hits else []

        waves_on = self._waves_on
        if not waves_on and not (newcomer and self._raid_on):
            # the raid detector is the only other user of the similarity index, and it looks
            # at newcomers only
            return self._finish(ctx, user, newcomer, findings, [])
        normalised = ctx.normalised if ctx.normalised is not None else normalise_text(ctx.text)
        cluster = self._similar.add(
            normalised,
            ctx.user_id,
            ctx.at,
            ctx.message_id,
            sample=ctx.text,
            link_domains=bad_domains,
        )
        recent = user.clusters
        elsewhere = sum(1 for cid in recent if cid != cluster.id)
        recent.append(cluster.id)
        facts = (
            waves.sender_facts(
                ctx,
                newcomer,
                cfg.waves,
                bad_link=bool(bad_domains),
                conversing=elsewhere >= cfg.waves.conversing_messages,
            )
            if newcomer
            else waves.REGULAR
        )
        if waves_on and not waves.note(cluster, ctx, facts, cfg.waves):
            wave_findings = waves.observe(cluster, ctx, facts, cfg.waves, emotes=self._emotes_lower)
            if findings and waves.classify(cluster, cfg.waves)[0] == "crowdspeak":
                # community ritual: a filter may still remove the message, never time out
                findings = [
                    Finding(
                        f.detector,
                        f.code,
                        DELETE,
                        f.explanation,
                        f.evidence,
                        f.user_id,
                        f.message_id,
                    )
                    if f.action.kind is ActionKind.TIMEOUT
                    else f
                    for f in findings
                ]
            findings.extend(wave_findings)

        alerts: list[Finding] = []
        if newcomer:  # only newcomers fill the raid window (it expires on their messages)
            alert = self._raid.observe(
                ctx, newcomer=newcomer, cluster_id=cluster.id, emotes=cfg.spam.emotes
            )
            if alert is not None:
                alerts.append(alert)
                findings.append(alert)
        elif not findings and user.evasion is None:
            return _NOTHING  # a regular with nothing to report (most messages)

        return self._finish(ctx, user, newcomer, findings, alerts)

    def _finish(
        self,
        ctx: MessageContext,
        user: _User,
        newcomer: bool,
        findings: list[Finding],
        alerts: list[Finding],
    ) -> DetectionResult:
        if newcomer or user.evasion is not None:
            findings.extend(self._evasion(ctx, user, newcomer))
        if not findings and (not newcomer or user.evasion is None):
            return _NOTHING

        action: DetectAction = NO_ACTION
        for f in findings:
            if f.action.outranks(action):
                action = f.action
        evasion = user.evasion if user.assessed == user.messages else None
        return DetectionResult(tuple(findings), action, tuple(alerts), evasion)
