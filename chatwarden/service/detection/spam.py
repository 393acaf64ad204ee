"""Moderator inputs to the spam filters: a link permit (``!permit``) for one chatter.

The links filter refuses links to domains outside the channel's allow-list; a moderator may
permit one chatter to post links for ``detectors.spam.links.permit_s`` seconds (60 by default),
only a chatter they outrank (a moderator cannot permit the owner or another moderator).
The permit lives with the channel's detectors and in the shared chat state
(``ChatState.grant_permit``; Redis with ``--bus``), so the process that decides the channel (a
worker, a new shard owner) applies it on its next batch (see service/detection/hook.py).
"""

from __future__ import annotations

from datetime import datetime

from chatwarden.errors import Forbidden
from chatwarden.service.base import Deps, ServiceBase
from chatwarden.service.detection.hook import DetectionHook
from chatwarden.service.detection.settings import load_state_txn
from chatwarden.service.permissions import Permission, rank
from chatwarden.service.types import Actor
from chatwarden.store import audit


class SpamService(ServiceBase):
    def __init__(self, deps: Deps, hook: DetectionHook) -> None:
        super().__init__(deps)
        self.hook = hook

    def permit(self, actor: Actor, channel_id: int, user_id: int) -> datetime:
        """Let ``user_id`` post links for a while; returns when the permit ends (logged)."""
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            target = self.user_txn(out.conn, user_id)
            role = self.require_txn(out.conn, actor, channel, Permission.PERMIT_LINKS)
            target_role = self.role_txn(out.conn, channel, user_id)
            if not actor.is_admin and rank(target_role) >= rank(role):
                # as for every action on a person: only on someone the actor outranks
                raise Forbidden(f"a {role.value} cannot permit links for a {target_role.value}")
            state = load_state_txn(out.conn, channel_id)
            until = self.hook.permit(state, user_id, out.now)
            audit.append_txn(
                out.conn,
                channel_id=channel_id,
                actor_id=actor.user_id,
                action="detection.permit",
                created_at=out.now,
                target_user_id=user_id,
                reason=f"{target.username} may post links until {until.isoformat()}",
                details={"until": until.isoformat()},
            )
        return until
