"""Hate raids: a channel-level burst of first-time chatters that looks coordinated and hostile.

The detector keeps the last ``window_s`` seconds of messages from *newcomers* (first-time
chatters, or chatters whose first message here was in the last ``newcomer_s``). Once at least
``min_newcomers`` distinct newcomers are in the window it scores the burst, each share 0-1:

* ``young``: newcomers whose account is younger than ``young_account_s`` (an unknown age is
  no evidence: not young);
* ``hostile``: newcomer messages AutoMod held or blocked, or scored ``harm >= hostile_harm``
  (messages made only of the channel's own emotes never count: a text model can read an
  emote named "...Rage" as hostile, and raiders rarely have the channel's sub emotes; nor
  does a wall of one repeated word that AutoMod let through);
* ``similar``: newcomer messages that are near-duplicates of another newcomer's message.

``score = 0.2 young + 0.6 hostile + 0.2 similar``. A friendly raid (another streamer's viewers
arriving together, "raid hype" spam) has similar messages but established accounts and no
hostility, so it stays under the threshold; so does a spam-bot wave (young and similar, not
hostile: the wave detector's business); a hate raid has all three. At ``threshold``, with
at least ``min_hostile_share`` of the messages hostile, the detector raises one
``raid.suspected`` alert recommending Shield Mode, then stays quiet for ``cooldown_s``.
A *burst* alerts too: at least ``burst_newcomers`` newcomers in the window, at least
``burst_young_share`` of them young and ``burst_min_hostile_share`` of their messages hostile
(a flood of new accounts whose slogans mostly slip past AutoMod). Both need a *surge*: at
least ``surge_ratio`` times the first-time chatters that the channel's own rate over the
``baseline_s`` before the window would bring (``usual_arrivals``); a busy channel always
has some.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from chatwarden.decision import Action
from chatwarden.detect.config import RaidConfig
from chatwarden.detect.types import FLAG, Finding, MessageContext

W_YOUNG, W_HOSTILE, W_SIMILAR = 0.2, 0.6, 0.2
MAX_WINDOW = 5000  # newcomer messages kept at most, whatever the window
MAX_ARRIVALS = 20_000  # first-time chatters' arrival times kept for the baseline


@dataclass(frozen=True, slots=True)
class _Entry:
    at: datetime
    user_id: int
    young: bool
    hostile: bool
    cluster_id: int
    arrival: bool  # the user's first message in the channel


def _wall(text: str) -> bool:
    """One word (any case) repeated: "WIGGLE WIGGLE WIGGLE", "KEKW KEKW". A text model reads
    the repetition and capitals as aggression; chat types it together to cheer."""
    words = text.casefold().split()
    return len(words) > 1 and len(set(words)) == 1


class RaidDetector:
    """Sliding-window raid detector for one channel.

    Constant work per message (amortised): the window is a deque of entries that expire from
    the left, and every share is kept as a running count (messages, hostile messages, distinct
    users and their young flag, per-cluster users and the messages in clusters that more than
    one user posted into), updated as entries arrive and expire; nothing rescans the window.
    """

    def __init__(self, config: RaidConfig | None = None) -> None:
        self.config = config if config is not None else RaidConfig()
        self._window: deque[_Entry] = deque()
        self._quiet_until: datetime | None = None
        self._hostile = 0  # hostile messages in the window
        self._users: dict[int, list[int]] = {}  # user id -> [messages in window, young of last]
        self._young_users = 0
        self._arrivals = 0  # users whose first message here is in the window
        self._clusters: dict[int, dict[int, int]] = {}  # cluster id -> user id -> messages
        self._cluster_msgs: dict[int, int] = {}  # cluster id -> messages in window
        self._similar = 0  # messages in clusters with more than one user
        self._history: deque[datetime] = deque()  # arrival times over ``baseline_s``

    def __len__(self) -> int:
        return len(self._window)

    def quiet(self, until: datetime | None) -> None:
        """Raise no alert before ``until`` (None: alert when one is due), as after an alert
        of its own: a process that took the channel over continues the cooldown of an alert
        raised before."""
        self._quiet_until = until

    def _expire(self, now: datetime) -> None:
        horizon = now - timedelta(seconds=self.config.window_s)
        window = self._window
        while window and (window[0].at < horizon or len(window) > MAX_WINDOW):
            self._remove(window.popleft())
        history = self._history
        horizon = now - timedelta(seconds=max(self.config.baseline_s, self.config.window_s))
        while history and (history[0] < horizon or len(history) > MAX_ARRIVALS):
            history.popleft()

    def usual_arrivals(self) -> float:
        """First-time chatters the channel's own rate over the ``baseline_s`` before the
        window would bring in one window. Time this detector has not watched (a new channel,
        a restart) counts as quiet, so a raid early on is not mistaken for the usual."""
        cfg = self.config
        span = cfg.baseline_s - cfg.window_s
        if span <= 0:
            return 0.0
        before = max(0, len(self._history) - self._arrivals)
        return before * cfg.window_s / span

    def _add(self, e: _Entry) -> None:
        self._window.append(e)
        self._hostile += e.hostile
        self._arrivals += e.arrival
        rec = self._users.get(e.user_id)
        if rec is None:
            self._users[e.user_id] = [1, int(e.young)]
            self._young_users += e.young
        else:
            rec[0] += 1
            self._young_users += int(e.young) - rec[1]
            rec[1] = int(e.young)
        members = self._clusters.setdefault(e.cluster_id, {})
        n = self._cluster_msgs.get(e.cluster_id, 0)
        was = len(members) > 1
        members[e.user_id] = members.get(e.user_id, 0) + 1
        self._cluster_msgs[e.cluster_id] = n + 1
        if len(members) > 1:
            self._similar += n + 1 - (n if was else 0)

    def _remove(self, e: _Entry) -> None:
        self._hostile -= e.hostile
        self._arrivals -= e.arrival
        rec = self._users[e.user_id]
        rec[0] -= 1
        if rec[0] == 0:  # the user's last entry: its young flag is the one counted
            self._young_users -= rec[1]
            del self._users[e.user_id]
        members = self._clusters[e.cluster_id]
        n = self._cluster_msgs[e.cluster_id]
        was = len(members) > 1
        left = members[e.user_id] - 1
        if left:
            members[e.user_id] = left
        else:
            del members[e.user_id]
        if n == 1:
            del self._clusters[e.cluster_id], self._cluster_msgs[e.cluster_id]
        else:
            self._cluster_msgs[e.cluster_id] = n - 1
        self._similar -= (n if was else 0) - (n - 1 if len(members) > 1 else 0)

    def observe(
        self,
        ctx: MessageContext,
        *,
        newcomer: bool,
        cluster_id: int,
        emotes: frozenset[str] = frozenset(),
    ) -> Finding | None:
        """File one message; return a ``raid.suspected`` alert when this message tips it."""
        cfg = self.config
        now = ctx.at
        self._expire(now)
        if not cfg.enabled or not newcomer:
            return None
        age = ctx.account_age_s()
        young = age is not None and age < cfg.young_account_s
        hostile = ctx.harm >= cfg.hostile_harm or ctx.automod_action is not Action.ALLOW
        if hostile and emotes and all(t in emotes for t in ctx.text.split()):
            hostile = False  # the channel's own emotes (a text model may read "Rage" as hostile)
        elif hostile and ctx.automod_action is Action.ALLOW and _wall(ctx.text):
            hostile = False  # one word repeated: a crowd's emote or hype wall, not abuse
        arrival = ctx.first_message_in_channel and ctx.user_id not in self._users
        self._add(_Entry(now, ctx.user_id, young, hostile, cluster_id, arrival))
        if arrival:
            self._history.append(now)
        if self._quiet_until is not None and now < self._quiet_until:
            return None
        users = self._users
        arrivals = self._arrivals
        if arrivals < cfg.min_newcomers:
            return None
        usual = self.usual_arrivals()
        if arrivals < cfg.surge_ratio * usual:
            return None  # no more first-time chatters than this channel usually gets
        n_msgs = len(self._window)
        young_share = self._young_users / len(users)
        hostile_share = self._hostile / n_msgs
        similar_share = self._similar / n_msgs
        score = W_YOUNG * young_share + W_HOSTILE * hostile_share + W_SIMILAR * similar_share
        scored = score >= cfg.threshold and hostile_share >= cfg.min_hostile_share
        # a flood of young accounts is a raid even when most of its lines slip past AutoMod
        burst = (
            arrivals >= cfg.burst_newcomers
            and young_share >= cfg.burst_young_share
            and hostile_share >= cfg.burst_min_hostile_share
        )
        if not (scored or burst):
            return None
        self._quiet_until = now + timedelta(seconds=cfg.cooldown_s)
        first = self._window[0].at
        explanation = (
            f"possible hate raid: {arrivals} first-time chatters in the last {cfg.window_s} s; "
            f"{young_share * 100:.0f}% have accounts younger than "
            f"{cfg.young_account_s // 86400} d, {hostile_share * 100:.0f}% of their messages "
            f"are hostile, {similar_share * 100:.0f}% are near-duplicates. "
            + (
                "Turning on Shield Mode."
                if cfg.auto_shield
                else "Recommendation: turn on Shield Mode."
            )
        )
        return Finding(
            detector="raid",
            code="raid.suspected",
            action=FLAG,
            explanation=explanation,
            evidence={
                "score": round(score, 4),
                "threshold": cfg.threshold,
                "newcomers": len(users),
                "first_time_chatters": arrivals,
                "usual_first_time_chatters": round(usual, 2),
                "messages": n_msgs,
                "young_share": round(young_share, 4),
                "hostile_share": round(hostile_share, 4),
                "similar_share": round(similar_share, 4),
                "window_s": cfg.window_s,
                "rule": "score" if scored else "burst",
                "first_at": first.isoformat(),
                "user_ids": sorted(users)[:200],
                "recommendation": "shield_mode",
                "auto_shield": cfg.auto_shield,
            },
        )
