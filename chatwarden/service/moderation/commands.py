"""Running a slash command typed in chat (``slash.py`` parses it) through the same services as
Mod View's buttons: the same permission check against the sender's role, the same mod-log
entry and the same events. A command is never posted as chat; an unknown one is an
``InputError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatwarden.errors import Conflict
from chatwarden.service.chat.modes import ModeService
from chatwarden.service.detection.shield import ShieldService
from chatwarden.service.moderation.actions import ActionService
from chatwarden.service.moderation.slash import SlashCommand, parse
from chatwarden.service.platform.accounts import AccountService
from chatwarden.service.platform.channels import ChannelService
from chatwarden.service.types import Actor, _ToDict
from chatwarden.settings import Role

#: mode commands -> the chat-settings patch each one applies
_MODES: dict[str, dict[str, Any]] = {
    "slowoff": {"slow_mode_s": 0},
    "followersoff": {"followers_only_min_age_s": None},
    "subscribers": {"subscribers_only": True},
    "subscribersoff": {"subscribers_only": False},
    "emoteonly": {"emote_only": True},
    "emoteonlyoff": {"emote_only": False},
    "uniquechat": {"unique_chat": True},
    "uniquechatoff": {"unique_chat": False},
}
_ROLES = {"mod": Role.MODERATOR, "vip": Role.VIP}


@dataclass(frozen=True, slots=True)
class CommandResult(_ToDict):
    """What a command did, in words for the moderator who typed it."""

    command: str
    message: str


def _span(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


class CommandService:
    """Slash commands in chat, each checked against the sender's permissions by the service it
    calls (a viewer's ``/ban`` is ``Forbidden`` exactly as the ban button would be)."""

    def __init__(
        self,
        accounts: AccountService,
        channels: ChannelService,
        actions: ActionService,
        modes: ModeService,
        shield: ShieldService,
    ) -> None:
        self.accounts = accounts
        self.channels = channels
        self.actions = actions
        self.modes = modes
        self.shield = shield

    def run(self, actor: Actor, channel_id: int, text: str) -> CommandResult:
        """Parse ``text`` and run it as ``actor`` in the channel."""
        command = parse(text)
        return CommandResult(command.name, self._run(actor, channel_id, command))

    def _run(self, actor: Actor, channel_id: int, c: SlashCommand) -> str:
        done = self._on_channel(actor, channel_id, c)
        return done if done is not None else self._on_user(actor, channel_id, c)

    def _on_channel(self, actor: Actor, channel_id: int, c: SlashCommand) -> str | None:
        """A command on the channel (chat modes, Shield Mode, deleting, clearing); None: the
        command names a user."""
        if c.name in _MODES:
            self.modes.update(actor, channel_id, _MODES[c.name])
            return f"/{c.name}: chat settings changed"
        if c.name == "slow":
            assert c.duration_s is not None
            self.modes.update(actor, channel_id, {"slow_mode_s": c.duration_s})
            return f"slow mode: one message per {_span(c.duration_s)}"
        if c.name == "followers":
            self.modes.update(actor, channel_id, {"followers_only_min_age_s": c.duration_s})
            age = f" following for at least {_span(c.duration_s)}" if c.duration_s else ""
            return f"followers-only chat: followers{age} may chat"
        if c.name == "shield":
            self.shield.activate(actor, channel_id, c.reason)
            return "Shield Mode is on"
        if c.name == "shieldoff":
            self.shield.deactivate(actor, channel_id)
            return "Shield Mode is off"
        if c.name == "delete":
            assert c.message_id is not None
            self.actions.delete_message(actor, channel_id, c.message_id)
            return f"message {c.message_id} deleted"
        if c.name == "clear":
            count = self.actions.clear_chat(actor, channel_id)
            return f"chat cleared ({count} messages removed)"
        return None

    def _on_user(self, actor: Actor, channel_id: int, c: SlashCommand) -> str:
        """A command on the user ``c.user`` names (sanctions and roles)."""
        assert c.user is not None
        user = self.accounts.get_user_by_name(c.user)
        name = user.username
        if c.name == "ban":
            self.actions.ban(actor, channel_id, user.id, c.reason)
            return f"{name} is banned"
        if c.name == "unban":
            self.actions.unban(actor, channel_id, user.id)
            return f"{name} is unbanned"
        if c.name == "timeout":
            assert c.duration_s is not None
            self.actions.timeout(actor, channel_id, user.id, c.duration_s, c.reason)
            return f"{name} is timed out for {_span(c.duration_s)}"
        if c.name == "untimeout":
            self.actions.untimeout(actor, channel_id, user.id)
            return f"{name}'s timeout is lifted"
        if c.name == "warn":
            self.actions.warn(actor, channel_id, user.id, c.reason)
            return f"{name} is warned"
        if c.name in _ROLES:
            self.channels.set_role(actor, channel_id, user.id, _ROLES[c.name])
            return f"{name} is now a {_ROLES[c.name].value.replace('_', ' ')}"
        role = _ROLES[c.name.removeprefix("un")]
        if self.channels.role_of(channel_id, user.id) is not role:
            raise Conflict(f"{name} is not a {role.value}")
        self.channels.set_role(actor, channel_id, user.id, Role.VIEWER)
        return f"{name} is no longer a {role.value}"
