"""Chat modes: slow, followers-only, subscribers-only, emote-only, unique chat, non-mod delay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from chatwarden.errors import InputError, describe_validation_errors
from chatwarden.service import events
from chatwarden.service.base import ServiceBase
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, ChatSettings
from chatwarden.store import audit
from chatwarden.store import channels as channel_store


class ModeService(ServiceBase):
    def get(self, channel_id: int) -> ChatSettings:
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
        return ChatSettings.model_validate(channel.chat_settings)

    def update(self, actor: Actor, channel_id: int, patch: Mapping[str, Any]) -> ChatSettings:
        """Change some modes; unknown keys or bad values raise ``InputError`` naming the key."""
        if not isinstance(patch, Mapping) or not patch:
            raise InputError("give at least one chat setting to change")
        with self.transaction() as out:
            conn = out.conn
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.UPDATE_CHAT_SETTINGS)
            before = ChatSettings.model_validate(channel.chat_settings)
            try:
                after = ChatSettings.model_validate({**before.model_dump(), **dict(patch)})
            except ValidationError as exc:
                raise InputError(
                    f"chat settings: {describe_validation_errors(exc.errors())}"
                ) from None
            data = after.model_dump(mode="json")
            changed = {k: v for k, v in data.items() if before.model_dump(mode="json").get(k) != v}
            if changed:
                channel_store.update_channel_txn(conn, channel_id, chat_settings=data)
                audit.append_txn(
                    conn,
                    channel_id=channel_id,
                    actor_id=actor.user_id,
                    action="chat_settings.update",
                    created_at=out.now,
                    details={"changed": changed},
                )
                out.emit(
                    channel,
                    events.CHAT_SETTINGS_UPDATE,
                    events.chat_settings_update(channel, data),
                    public=True,
                )
        return after
