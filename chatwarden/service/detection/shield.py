"""Shield Mode: one click applies the channel's strict preset; off restores what it replaced.

On: the channel's chat modes and AutoMod settings are saved as they are, then made at least
as strict as the preset (followers-only, slow mode, subscribers-only, unique chat, chat delay,
AutoMod level). Verification and first-time-chatter handling are not written anywhere: the
chat path reads them from the preset while Shield Mode is on (service/detection_hook.py).
Off: the saved chat modes and AutoMod settings are written back exactly as they were (changes
made while shielded are discarded, as on Twitch).

Bulk ban by phrase: bans the recent chatters whose messages contain a phrase (matched after
the engine's normalisation, so "h.a.t.e" matches "hate"), after a dry-run preview, at most
``max_users`` at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from chatwarden.errors import ChatWardenError, InputError
from chatwarden.pipeline.normalise import normalise_text
from chatwarden.service import events
from chatwarden.service.base import Deps, Outbox, ServiceBase, clean_text, effective_role
from chatwarden.service.detection.settings import (
    ShieldPreset,
    announce_txn,
    deep_merge,
    diff,
    ensure_row_txn,
    load_state_txn,
    parse_preset,
    to_json,
)
from chatwarden.service.moderation.actions import ActionService
from chatwarden.service.permissions import Permission, can, rank
from chatwarden.service.types import Actor, ChatSettings, _ToDict
from chatwarden.settings import AutoModSettings, Role
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store import detection as store
from chatwarden.store.channels import ChannelRow, MemberRow
from chatwarden.store.detection import SaidRow

BULK_BAN_MAX_USERS = 500  # the hard cap per call
BULK_BAN_MAX_WINDOW_S = 24 * 3600
BULK_BAN_SCAN = 5000  # newest messages looked at


@dataclass(frozen=True, slots=True)
class ShieldStatus(_ToDict):
    channel_id: int
    active: bool
    preset: ShieldPreset
    changed_at: datetime | None
    changed_by: int | None
    saved: dict[str, Any] | None  # what "off" will restore


@dataclass(frozen=True, slots=True)
class BulkBanCandidate(_ToDict):
    user_id: int
    username: str
    messages: int
    sample: str
    last_at: datetime


@dataclass(frozen=True, slots=True)
class BulkBanResult(_ToDict):
    phrase: str
    window_s: int
    dry_run: bool
    matched: int  # distinct chatters whose messages matched
    capped: bool  # more matched than max_users
    candidates: list[BulkBanCandidate]  # who is (or, in a dry run, would be) banned
    skipped: list[dict[str, Any]] = field(default_factory=list)  # {user_id, username, why}
    banned: list[int] = field(default_factory=list)


def _stricter_modes(before: ChatSettings, preset: ShieldPreset) -> ChatSettings:
    follow = before.followers_only_min_age_s
    if preset.followers_only_min_age_s is not None:
        follow = max(follow or 0, preset.followers_only_min_age_s)
    return before.model_copy(
        update={
            "followers_only_min_age_s": follow,
            "slow_mode_s": max(before.slow_mode_s, preset.slow_mode_s),
            "subscribers_only": before.subscribers_only or preset.subscribers_only,
            "unique_chat": before.unique_chat or preset.unique_chat,
            "non_mod_chat_delay_s": max(before.non_mod_chat_delay_s, preset.non_mod_chat_delay_s),
        }
    )


def _stricter_automod(before: dict[str, Any], preset: ShieldPreset) -> dict[str, Any]:
    if preset.automod_level is None:
        return before
    current = AutoModSettings.from_mapping(before)
    target = AutoModSettings.from_mapping({"overall_level": preset.automod_level})
    mine, theirs = current.category_levels(), target.category_levels()
    if all(mine.get(cat, 0) >= level for cat, level in theirs.items()):
        return before  # already at least as strict in every category
    stricter = current.with_level(preset.automod_level)
    return stricter.model_dump(mode="json", exclude={"terms"})


class ShieldService(ServiceBase):
    def __init__(self, deps: Deps, actions: ActionService) -> None:
        super().__init__(deps)
        self.actions = actions

    def status(self, actor: Actor, channel_id: int) -> ShieldStatus:
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_DETECTION)
            row = store.get_detection_txn(conn, channel_id)
            state = load_state_txn(conn, channel_id)
        return ShieldStatus(
            channel_id=channel_id,
            active=state.shield_active,
            preset=state.preset,
            changed_at=None if row is None else row.shield_changed_at,
            changed_by=None if row is None else row.shield_changed_by,
            saved=state.shield_saved,
        )

    def update_preset(
        self, actor: Actor, channel_id: int, patch: Mapping[str, Any]
    ) -> ShieldPreset:
        """Edit the saved preset (takes effect the next time Shield Mode is turned on)."""
        if not isinstance(patch, Mapping) or not patch:
            raise InputError("give at least one shield preset setting to change")
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            self.require_txn(out.conn, actor, channel, Permission.UPDATE_SHIELD_PRESET)
            row = ensure_row_txn(out, channel_id)
            before = to_json(ShieldPreset.model_validate(row.shield_preset))
            after = to_json(parse_preset(deep_merge(before, patch)))
            changed = diff(before, after)
            if changed:
                store.update_detection_txn(out.conn, channel_id, out.now, shield_preset=after)
                announce_txn(out, channel, actor, "shield_preset", "shield.preset.update", changed)
        return ShieldPreset.model_validate(after)

    def activate(self, actor: Actor, channel_id: int, reason: str = "") -> ShieldStatus:
        """Turn Shield Mode on (already on: nothing changes)."""
        reason = clean_text(reason, "reason", 500)
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            self.require_txn(out.conn, actor, channel, Permission.TOGGLE_SHIELD)
            self.activate_txn(out, channel, actor, reason)
        return self.status(actor, channel_id)

    def deactivate(self, actor: Actor, channel_id: int, reason: str = "") -> ShieldStatus:
        """Turn Shield Mode off, restoring the saved settings exactly (already off: no-op)."""
        reason = clean_text(reason, "reason", 500)
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            self.require_txn(out.conn, actor, channel, Permission.TOGGLE_SHIELD)
            self.deactivate_txn(out, channel, actor, reason)
        return self.status(actor, channel_id)

    def activate_txn(
        self, out: Outbox, channel: ChannelRow, actor: Actor | None, reason: str
    ) -> bool:
        """Shield Mode on inside a transaction; ``actor`` None is AutoMod. False if already on."""
        conn, cid = out.conn, channel.id
        row = ensure_row_txn(out, cid)
        if row.shield_active:
            return False
        preset = ShieldPreset.model_validate(row.shield_preset)
        chat_before = dict(channel.chat_settings)
        automod_before = dict(channel.automod_settings)
        modes = _stricter_modes(ChatSettings.model_validate(chat_before), preset)
        chat_after = modes.model_dump(mode="json")
        automod_after = _stricter_automod(automod_before, preset)
        saved = {"chat_settings": chat_before, "automod_settings": automod_before}
        channel_store.update_channel_txn(
            conn, cid, chat_settings=chat_after, automod_settings=automod_after
        )
        if automod_after != automod_before:
            channel_store.bump_settings_rev_txn(conn, cid)
        store.update_detection_txn(
            conn,
            cid,
            out.now,
            shield_active=True,
            shield_saved=saved,
            shield_changed_at=out.now,
            shield_changed_by=None if actor is None else actor.user_id,
        )
        changed = {
            **diff(chat_before, chat_after, "chat_settings."),
            **diff(automod_before, automod_after, "automod_settings."),
        }
        self._announce(out, channel, actor, True, reason, chat_after, changed, preset)
        return True

    def deactivate_txn(
        self, out: Outbox, channel: ChannelRow, actor: Actor | None, reason: str
    ) -> bool:
        conn, cid = out.conn, channel.id
        row = store.get_detection_txn(conn, cid)
        if row is None or not row.shield_active:
            return False
        saved = row.shield_saved or {}
        chat_after = saved.get("chat_settings", dict(channel.chat_settings))
        automod_after = saved.get("automod_settings", dict(channel.automod_settings))
        channel_store.update_channel_txn(
            conn, cid, chat_settings=chat_after, automod_settings=automod_after
        )
        channel_store.bump_settings_rev_txn(conn, cid)
        store.update_detection_txn(
            conn,
            cid,
            out.now,
            shield_active=False,
            shield_saved=None,
            shield_changed_at=out.now,
            shield_changed_by=None if actor is None else actor.user_id,
        )
        changed = {
            **diff(dict(channel.chat_settings), chat_after, "chat_settings."),
            **diff(dict(channel.automod_settings), automod_after, "automod_settings."),
        }
        preset = ShieldPreset.model_validate(row.shield_preset)
        self._announce(out, channel, actor, False, reason, chat_after, changed, preset)
        return True

    @staticmethod
    def _announce(
        out: Outbox,
        channel: ChannelRow,
        actor: Actor | None,
        on: bool,
        reason: str,
        chat_after: dict[str, Any],
        changed: dict[str, Any],
        preset: ShieldPreset,
    ) -> None:
        audit.append_txn(
            out.conn,
            channel_id=channel.id,
            actor_id=None if actor is None else actor.user_id,
            action="shield.on" if on else "shield.off",
            created_at=out.now,
            reason=reason,
            details={"changed": changed, "preset": to_json(preset)},
        )
        out.emit(
            channel,
            events.SHIELD_MODE_BEGIN if on else events.SHIELD_MODE_END,
            events.shield_mode(
                channel,
                moderator_id=None if actor is None else actor.user_id,
                moderator_name=None if actor is None else actor.username,
                at=out.now,
                begin=on,
            ),
            public=True,
        )
        out.emit(
            channel,
            events.CHAT_SETTINGS_UPDATE,
            events.chat_settings_update(channel, chat_after),
            public=True,
        )

    # -- bulk ban by phrase -----------------------------------------------------------------------

    def bulk_ban(
        self,
        actor: Actor,
        channel_id: int,
        phrase: str,
        *,
        window_s: int = 900,
        dry_run: bool = True,
        max_users: int = 100,
    ) -> BulkBanResult:
        """Ban the chatters of the last ``window_s`` seconds whose messages contain ``phrase``.

        ``dry_run`` (the default) only previews who would be banned. At most ``max_users``
        (itself at most ``BULK_BAN_MAX_USERS``) are banned per call, newest chatters first;
        ``capped`` says more matched. Moderators, the owner and already banned users are
        skipped, with the reason.
        """
        phrase, needle = _bulk_ban_input(phrase, window_s, max_users)
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.BULK_BAN)
            since = self.clock.now() - timedelta(seconds=window_s)
            found = _senders_saying(conn, channel_id, needle, since)
            members = channel_store.get_members_txn(conn, channel_id, sorted(found))
        candidates, skipped = _sort_out(channel, actor, role, found, members)
        capped = len(candidates) > max_users
        chosen = candidates[:max_users]
        banned: list[int] = []
        if not dry_run:
            banned = self._ban_each(actor, channel_id, phrase, chosen, skipped)
            with self.transaction() as out:
                audit.append_txn(
                    out.conn,
                    channel_id=channel_id,
                    actor_id=actor.user_id,
                    action="shield.bulk_ban",
                    created_at=out.now,
                    reason=f"phrase {phrase!r}",
                    details={
                        "phrase": phrase,
                        "window_s": window_s,
                        "matched": len(found),
                        "banned": banned,
                        "capped": capped,
                        "skipped": skipped,
                    },
                )
        return BulkBanResult(
            phrase=phrase,
            window_s=window_s,
            dry_run=dry_run,
            matched=len(found),
            capped=capped,
            candidates=chosen,
            skipped=skipped,
            banned=banned,
        )

    def _ban_each(
        self,
        actor: Actor,
        channel_id: int,
        phrase: str,
        chosen: list[BulkBanCandidate],
        skipped: list[dict[str, Any]],
    ) -> list[int]:
        """Ban the chosen chatters one by one (each its own ban, mod log entry and events); a
        ban that fails joins ``skipped`` with its reason. The ids banned."""
        banned: list[int] = []
        for cand in chosen:
            try:
                self.actions.ban(actor, channel_id, cand.user_id, f"bulk ban by phrase {phrase!r}")
                banned.append(cand.user_id)
            except ChatWardenError as exc:
                skipped.append(
                    {"user_id": cand.user_id, "username": cand.username, "why": exc.message}
                )
        return banned


def _bulk_ban_input(phrase: str, window_s: int, max_users: int) -> tuple[str, str]:
    """The cleaned phrase and its normalised needle; ``InputError`` for a bad argument."""
    phrase = clean_text(phrase, "phrase", 200, allow_empty=False)
    needle = normalise_text(phrase).strip()
    if len(needle) < 2:
        raise InputError("phrase must have at least 2 characters after normalisation")
    for name, value, top in (
        ("window_s", window_s, BULK_BAN_MAX_WINDOW_S),
        ("max_users", max_users, BULK_BAN_MAX_USERS),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise InputError(f"{name} must be a whole number from 1 to {top}")
    return phrase, needle


def _senders_saying(
    conn: Connection, channel_id: int, needle: str, since: datetime
) -> dict[int, list[SaidRow]]:
    """The messages since ``since`` that contain ``needle`` as whole words, by sender, newest
    first (the senders in the order of their newest such message)."""
    found: dict[int, list[SaidRow]] = {}
    for row in store.messages_since_txn(conn, channel_id, since, BULK_BAN_SCAN):  # newest first
        if f" {needle} " in f" {normalise_text(row.text)} ":
            found.setdefault(row.sender_id, []).append(row)
    return found


def _sort_out(
    channel: ChannelRow,
    actor: Actor,
    role: Role,
    found: dict[int, list[SaidRow]],
    members: Mapping[int, MemberRow],
) -> tuple[list[BulkBanCandidate], list[dict[str, Any]]]:
    """Who may be bulk banned, and who is skipped with the reason: already banned, the actor
    themself, a role the actor cannot ban, or any moderator or the owner."""
    candidates: list[BulkBanCandidate] = []
    skipped: list[dict[str, Any]] = []
    for uid, msgs in found.items():
        name = str(msgs[0].sender_name)
        member = members.get(uid)
        their = effective_role(channel, uid, member)
        why = None
        if member is not None and member.banned:
            why = "already banned"
        elif uid == actor.user_id:
            why = "that is you"
        elif not actor.is_admin and not can(role, Permission.BAN, their):
            why = f"a {role.value} cannot ban a {their.value}"
        elif rank(their) > 0 or their is Role.OWNER:
            why = f"{their.value}s are not bulk banned"
        if why is not None:
            skipped.append({"user_id": uid, "username": name, "why": why})
            continue
        candidates.append(
            BulkBanCandidate(uid, name, len(msgs), str(msgs[0].text), msgs[0].created_at)
        )
    return candidates, skipped
