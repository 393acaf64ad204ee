"""Channel health analytics: the minute roll-up job and the queries over its rows.

The live chat path is untouched: ``roll_up()`` runs in ``Services.tick()`` and rolls up
*finished* minutes from what is already stored (messages with their decision, review items,
the mod log). Per channel a watermark says which minutes are done; the rows of a stretch of
minutes and the watermark's move (a compare-and-set) commit in one transaction, so several
processes may run the job at once and each minute is rolled up exactly once.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from chatwarden.analytics import (
    MessageFact,
    MinuteRollup,
    ModActionFact,
    ResolutionFact,
    minute_of,
    roll_minute,
)
from chatwarden.analytics.rollup import MINUTE
from chatwarden.analytics.series import (
    MAX_BUCKETS,
    RESOLUTIONS,
    STEP,
    Bucket,
    Resolution,
    build_series,
    flat_columns,
    flatten,
    floor_to,
)
from chatwarden.config import AnalyticsSettings
from chatwarden.csvcells import escape_cell
from chatwarden.errors import Forbidden, InputError
from chatwarden.extras import missing_extra
from chatwarden.service.base import Deps, ServiceBase
from chatwarden.service.health.opsmetrics import OpsMetrics
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor
from chatwarden.store import analytics as store
from chatwarden.store.analytics import RollupRow
from chatwarden.store.channels import ChannelRow
from chatwarden.store.engine import is_unique_violation

ExportFormat = Literal["csv", "parquet"]


def _categories(reasons: Sequence[Mapping[str, Any]] | None) -> tuple[str, ...]:
    if not reasons:
        return ()
    return tuple(
        sorted(
            {
                str(r["category"])
                for r in reasons
                if r.get("kind") == "category" and r.get("category")
            }
        )
    )


def _row_to_rollup(row: RollupRow) -> MinuteRollup:
    return MinuteRollup(
        channel_id=row.channel_id,
        minute=row.minute,
        messages=row.messages,
        chatters=row.chatters,
        repeated=row.repeated,
        entropy_sum=row.entropy_sum,
        emote_only=row.emote_only,
        allowed=row.allowed,
        held=row.held,
        blocked=row.blocked,
        category_findings=dict(row.category_findings),
        held_by_category=dict(row.held_by_category),
        resolved_allowed=row.resolved_allowed,
        resolved_denied=row.resolved_denied,
        expired=row.expired,
        decision_seconds=tuple(row.decision_seconds),
        mod_actions=row.mod_actions,
        mod_actions_by_actor=dict(row.mod_actions_by_actor),
        first_time_chatters=row.first_time_chatters,
        raid_events=row.raid_events,
        bot_wave_events=row.bot_wave_events,
    )


def _rollup_to_row(rollup: MinuteRollup) -> dict[str, Any]:
    row = asdict(rollup)
    row["decision_seconds"] = list(rollup.decision_seconds)
    return row


class AnalyticsService(ServiceBase):
    def __init__(
        self, deps: Deps, metrics: OpsMetrics, settings: AnalyticsSettings | None = None
    ) -> None:
        super().__init__(deps)
        self.metrics = metrics
        self.settings = settings if settings is not None else deps.config.analytics

    # -- the roll-up job (Services.tick) ------------------------------------------------------

    def roll_up(self) -> int:
        """Roll up every channel's finished minutes (at most ``max_minutes_per_tick`` each);
        returns the number of minutes rows were written for."""
        now = self.clock.now()
        horizon = minute_of(now - timedelta(seconds=self.settings.grace_s))
        with self.db.read() as conn:
            channels = store.channels_txn(conn)
            marks = store.watermarks_txn(conn)
        written = 0
        after = dict(marks)
        # catching up a long history must not hold up the rest of the tick (delayed chat)
        deadline = time.monotonic() + self.settings.budget_s
        for channel in channels:
            mark = marks.get(channel.id)
            for _ in range(self.settings.max_rounds_per_tick):
                if (mark is not None and mark >= horizon) or time.monotonic() > deadline:
                    break
                result = self._roll_channel(channel, mark, horizon)
                if result is None:
                    break  # another process rolled these minutes up
                mark, count = result
                after[channel.id] = mark
                written += count
        oldest = min(after.values(), default=horizon)
        self.metrics.rollup_lag.set(max(0.0, (now - oldest).total_seconds()))
        return written

    def _roll_channel(
        self, channel: ChannelRow, mark: datetime | None, horizon: datetime
    ) -> tuple[datetime, int] | None:
        cid = int(channel.id)
        with self.db.read() as conn:
            nxt = store.next_activity_txn(conn, cid, mark)
            if nxt is None or minute_of(nxt) >= horizon:
                start = end = horizon  # nothing finished to roll up: jump to the horizon
                rollups: list[MinuteRollup] = []
                firsts: list[dict[str, Any]] = []
                returns: dict[int, datetime] = {}
            else:
                start = minute_of(nxt)
                end = min(horizon, start + self.settings.max_minutes_per_tick * MINUTE)
                emotes = store.emote_set_txn(conn, cid)
                rollups, firsts, returns = self._compute(conn, cid, start, end, emotes)
        new_mark = end
        try:
            with self.db.write() as conn:
                if not store.advance_watermark_txn(conn, cid, mark, new_mark):
                    raise _Lost
                store.insert_rollups_txn(conn, [_rollup_to_row(r) for r in rollups])
                store.insert_first_chatters_txn(conn, firsts)
                store.mark_returned_txn(conn, cid, returns)
        except _Lost:
            return None  # another process rolled these minutes up
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            return None
        for rollup in rollups:
            for action, n in (
                ("allow", rollup.allowed),
                ("hold", rollup.held),
                ("block", rollup.blocked),
            ):
                if n:
                    self.metrics.messages_decided.labels(action=action).inc(n)
        span = (new_mark - mark) if mark is not None else (new_mark - start)
        self.metrics.rollup_minutes.inc(max(0, int(span / MINUTE)))
        return new_mark, len(rollups)

    def _compute(
        self,
        conn: Connection,
        cid: int,
        start: datetime,
        end: datetime,
        emotes: Sequence[str],
    ) -> tuple[list[MinuteRollup], list[dict[str, Any]], dict[int, datetime]]:
        # category findings hold a message (AutoMod's policy), so only held and blocked
        # messages can name a category
        decisions = store.decisions_between_txn(conn, cid, start, end, ("held", "blocked"))
        resolutions = _resolutions_by_minute(conn, cid, start, end)
        mod_actions = _mod_actions_by_minute(conn, cid, start, end)
        chatters = _Chatters(
            cid,
            gap=timedelta(seconds=self.settings.return_gap_s),
            window=timedelta(days=self.settings.return_window_days),
        )
        rollups: list[MinuteRollup] = []
        minute = start
        while minute < end:
            # one indexed read per minute: no per-row timestamps to decode
            rows = store.messages_in_minute_txn(conn, cid, minute)
            known = store.first_chatters_txn(conn, cid, chatters.unknown(rows))
            first_time = chatters.see(minute, rows, known)
            facts = [
                MessageFact(
                    int(m.sender_id), m.text, m.initial_status, _categories(decisions.get(m.id))
                )
                for m in rows
            ]
            rollup = roll_minute(
                cid,
                minute,
                facts,
                resolutions=resolutions.get(minute, ()),
                mod_actions=mod_actions.get(minute, ()),
                first_time_senders=first_time,
                emotes=emotes,
            )
            if not rollup.is_empty:
                rollups.append(rollup)
            minute += MINUTE
        firsts, returns = chatters.finish()
        return rollups, firsts, returns

    # -- queries -------------------------------------------------------------------------------

    def series(
        self,
        actor: Actor,
        channel_id: int,
        start: datetime | None = None,
        end: datetime | None = None,
        resolution: str = "minute",
    ) -> dict[str, Any]:
        """The channel's health metrics per bucket in ``[start, end)`` (default: the last hour
        at minute resolution). Buckets after the roll-up's watermark are not finished yet."""
        res, start, end = self._range(start, end, resolution)
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_HEALTH)
            body = self._series_txn(conn, channel, start, end, res)
        return body

    def _series_txn(
        self,
        conn: Connection,
        channel: ChannelRow,
        start: datetime,
        end: datetime,
        res: Resolution,
    ) -> dict[str, Any]:
        cid = int(channel.id)
        first = floor_to(start, res)
        rows = [_row_to_rollup(r) for r in store.rollups_between_txn(conn, cid, first, end)]
        returned: dict[datetime, int] = {}
        for f in store.first_chatters_between_txn(conn, cid, first, end):
            if f.returned_at is not None:
                key = floor_to(f.first_at, res)
                returned[key] = returned.get(key, 0) + 1
        buckets = build_series(rows, start, end, res, returned=returned)
        actors = {int(a) for r in rows for a in r.mod_actions_by_actor}
        names = {str(k): v for k, v in store.usernames_txn(conn, actors).items()}
        mark = store.watermark_txn(conn, cid)
        return {
            "channel": channel.name,
            "resolution": res,
            "start": first.isoformat(),
            "end": end.isoformat(),
            "rolled_until": None if mark is None else mark.isoformat(),
            "return_window_days": self.settings.return_window_days,
            "buckets": [b.metrics(names) for b in buckets],
        }

    def _range(
        self, start: datetime | None, end: datetime | None, resolution: str
    ) -> tuple[Resolution, datetime, datetime]:
        if resolution not in RESOLUTIONS:
            raise InputError(f"resolution must be one of {', '.join(RESOLUTIONS)}")
        res: Resolution = resolution
        for name, value in (("start", start), ("end", end)):
            if value is not None and value.tzinfo is None:
                raise InputError(f"{name} needs a time zone (e.g. 2026-11-24T10:00:00Z)")
        end = end if end is not None else self.clock.now()
        start = start if start is not None else end - 60 * STEP[res]
        if start >= end:
            raise InputError("start must be before end")
        if (end - floor_to(start, res)) / STEP[res] > MAX_BUCKETS:
            raise InputError(f"at most {MAX_BUCKETS} buckets per query; use a coarser resolution")
        return res, start, end

    def compare(
        self,
        actor: Actor,
        metric: str,
        channel_ids: Sequence[int] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        resolution: str = "hour",
    ) -> dict[str, Any]:
        """One metric over time for several channels: by default every channel the actor owns
        or moderates. Naming a channel the actor may not view health of is ``Forbidden``."""
        res, start, end = self._range(start, end, resolution)
        with self.db.read() as conn:
            if channel_ids is None:
                chosen = [
                    self.channel_txn(conn, r.id)
                    for r in store.moderated_channels_txn(conn, actor.user_id)
                ]
            else:
                chosen = [self.channel_txn(conn, cid) for cid in dict.fromkeys(channel_ids)]
            for channel in chosen:
                self.require_txn(conn, actor, channel, Permission.VIEW_HEALTH)
            bodies = [self._series_txn(conn, c, start, end, res) for c in chosen]
        if metric not in flatten(Bucket(start=start, minutes=1).metrics()):
            raise InputError(f"unknown metric {metric!r}")
        flat = [[flatten(b) for b in body["buckets"]] for body in bodies]
        return {
            "metric": metric,
            "resolution": res,
            "starts": [b["start"] for b in flat[0]] if flat else [],
            "channels": {
                body["channel"]: [b.get(metric) for b in rows]
                for body, rows in zip(bodies, flat, strict=True)
            },
        }

    def export(
        self,
        actor: Actor,
        channel_id: int,
        fmt: str,
        start: datetime | None = None,
        end: datetime | None = None,
        resolution: str = "minute",
    ) -> tuple[bytes, str, str]:
        """The series as a file: (content, media type, file name). One row per bucket, nested
        metrics flattened to ``name.key`` columns."""
        if fmt not in ("csv", "parquet"):
            raise InputError("format must be csv or parquet")
        body = self.series(actor, channel_id, start, end, resolution)
        records = [flatten(b) for b in body["buckets"]]
        columns = flat_columns(records)
        name = f"{body['channel']}-health-{body['resolution']}.{fmt}"
        if fmt == "csv":
            return _to_csv(records, columns), "text/csv; charset=utf-8", name
        return _to_parquet(records, columns), "application/vnd.apache.parquet", name

    def can_view(self, actor: Actor, channel_id: int) -> bool:
        try:
            with self.db.read() as conn:
                channel = self.channel_txn(conn, channel_id)
                self.require_txn(conn, actor, channel, Permission.VIEW_HEALTH)
        except Forbidden:
            return False
        return True

    def pending_review_count(self) -> int:
        with self.db.read() as conn:
            return store.pending_review_count_txn(conn)


def _resolutions_by_minute(
    conn: Connection, cid: int, start: datetime, end: datetime
) -> dict[datetime, list[ResolutionFact]]:
    """The review items resolved in ``[start, end)``, by the minute they were resolved in."""
    out: dict[datetime, list[ResolutionFact]] = {}
    for r in store.resolutions_between_txn(conn, cid, start, end):
        out.setdefault(minute_of(r.resolved_at), []).append(
            ResolutionFact(r.status, r.held_at, r.resolved_at)
        )
    return out


def _mod_actions_by_minute(
    conn: Connection, cid: int, start: datetime, end: datetime
) -> dict[datetime, list[ModActionFact]]:
    """The mod-log entries of ``[start, end)``, by the minute they were written in."""
    out: dict[datetime, list[ModActionFact]] = {}
    for a in store.mod_actions_between_txn(conn, cid, start, end):
        out.setdefault(minute_of(a.created_at), []).append(
            ModActionFact(a.actor_id, a.action, a.details)
        )
    return out


@dataclass
class _Chatters:
    """Who chats here for the first time in a stretch of minutes (rows to store), and which
    earlier first-time chatters come back: a message ``gap`` to ``window`` after their first."""

    cid: int
    gap: timedelta
    window: timedelta
    firsts: list[dict[str, Any]] = field(default_factory=list)
    first_here: dict[int, datetime] = field(default_factory=dict)  # first seen in this stretch
    returns: dict[int, datetime] = field(default_factory=dict)

    def unknown(self, rows: Sequence[Row[int, int, str, str]]) -> list[int]:
        """The senders of a minute whose first message is not known from this stretch."""
        return sorted({int(m.sender_id) for m in rows} - self.first_here.keys())

    def see(
        self,
        minute: datetime,
        rows: Sequence[Row[int, int, str, str]],
        known: Mapping[int, tuple[datetime, datetime | None]],
    ) -> set[int]:
        """The first-time chatters of ``minute`` (``known``: the stored first and return times
        of its senders who chatted before the stretch); notes who came back."""
        first_time: set[int] = set()
        for m in rows:
            sender = int(m.sender_id)
            if sender in first_time or sender in self.returns:
                continue
            if sender in self.first_here:
                first_at: datetime | None = self.first_here[sender]
            elif sender in known:
                first_at, back = known[sender]
                if back is not None:
                    continue  # came back already
            else:
                first_time.add(sender)  # their first message in this channel
                self.first_here[sender] = minute
                self.firsts.append({"channel_id": self.cid, "user_id": sender, "first_at": minute})
                continue
            if first_at is not None and first_at + self.gap <= minute <= first_at + self.window:
                self.returns[sender] = minute
        return first_time

    def finish(self) -> tuple[list[dict[str, Any]], dict[int, datetime]]:
        """The first-chatter rows to insert (a chatter first seen in this stretch who came
        back in it too, with ``returned_at``), and the returns of chatters stored before."""
        first_rows = {f["user_id"]: f for f in self.firsts}
        for uid, when in list(self.returns.items()):
            if uid in first_rows:
                first_rows[uid]["returned_at"] = when
                del self.returns[uid]
        for f in self.firsts:
            f.setdefault("returned_at", None)
        return self.firsts, self.returns


class _Lost(Exception):
    """Another process moved the watermark first."""


def _to_csv(records: Iterable[Mapping[str, Any]], columns: list[str]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([escape_cell(c) for c in columns])  # no cell a spreadsheet would run
    for record in records:
        cells = (record.get(c) for c in columns)
        writer.writerow(
            ["" if v is None else escape_cell(v) if isinstance(v, str) else v for v in cells]
        )
    return buf.getvalue().encode()


def _to_parquet(records: Sequence[Mapping[str, Any]], columns: list[str]) -> bytes:
    try:  # the [parquet] extra; CSV needs nothing
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise missing_extra(exc, "parquet", "a Parquet export") from exc

    data = {c: [r.get(c) for r in records] for c in columns}
    table = pa.table(data)
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()
