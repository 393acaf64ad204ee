"""THE permission table: which channel role may do what, in one place.

Twitch semantics: moderators act on viewers, subscribers, followers and VIPs, never on the owner
or on another moderator; a lead moderator also manages moderators and VIPs and nearly all
settings, but not the owner's private terms; VIPs moderate nothing. Site admins may do anything.
An API token additionally needs the scope ``SCOPE_OF[perm]``. Someone banned in a channel holds
only what every viewer holds there (``acting_role``): a ban takes a moderator's powers at once,
on every path (HTTP, sockets), and an unban gives them back.
"""

from __future__ import annotations

from enum import StrEnum

from chatwarden.errors import Forbidden
from chatwarden.service.types import Actor
from chatwarden.settings import Role


class Permission(StrEnum):
    SEND_MESSAGE = "send_message"
    ACKNOWLEDGE_WARNING = "acknowledge_warning"
    CREATE_UNBAN_REQUEST = "create_unban_request"
    VIEW_QUEUE = "view_queue"
    RESOLVE_HELD = "resolve_held"
    PRECHECK = "precheck"
    DELETE_MESSAGE = "delete_message"
    WARN = "warn"
    TIMEOUT = "timeout"
    BAN = "ban"
    UNBAN = "unban"
    UPDATE_CHAT_SETTINGS = "update_chat_settings"
    VIEW_AUTOMOD_SETTINGS = "view_automod_settings"
    UPDATE_AUTOMOD_SETTINGS = "update_automod_settings"
    MANAGE_TERMS = "manage_terms"
    MANAGE_PRIVATE_TERMS = "manage_private_terms"
    VIEW_MOD_LOG = "view_mod_log"
    VIEW_USER_CARD = "view_user_card"
    ADD_NOTE = "add_note"
    DELETE_NOTE = "delete_note"
    VIEW_UNBAN_REQUESTS = "view_unban_requests"
    RESOLVE_UNBAN_REQUEST = "resolve_unban_request"
    MANAGE_VIPS = "manage_vips"
    MANAGE_MODERATORS = "manage_moderators"
    MANAGE_LEAD_MODERATORS = "manage_lead_moderators"
    MANAGE_SUBSCRIPTIONS = "manage_subscriptions"
    MANAGE_WEBHOOKS = "manage_webhooks"
    VIEW_MEMBERS = "view_members"
    # channel health analytics and shadow mode (issue 6)
    VIEW_HEALTH = "view_health"
    MANAGE_SHADOW = "manage_shadow"
    # replay and policy preview (issue 6)
    PREVIEW_AUTOMOD = "preview_automod"
    EXPORT_CHAT_HISTORY = "export_chat_history"
    # proactive detection (issue 5)
    VIEW_DETECTION = "view_detection"
    TOGGLE_SHIELD = "toggle_shield"
    UPDATE_SHIELD_PRESET = "update_shield_preset"
    BULK_BAN = "bulk_ban"
    UPDATE_DETECTION_SETTINGS = "update_detection_settings"
    MANAGE_SUSPICIOUS = "manage_suspicious"
    MANAGE_SHARING = "manage_sharing"
    MANAGE_POLICY_LISTS = "manage_policy_lists"
    PERMIT_LINKS = "permit_links"
    # learning from moderators (issue 14)
    EXPORT_LABELS = "export_labels"
    # the channel's rules, offered as timeout and ban reasons (issue 15)
    MANAGE_RULES = "manage_rules"
    # connections to other platforms' chats, whose credentials are secrets (issue 17)
    MANAGE_CONNECTIONS = "manage_connections"


_EVERYONE = frozenset(Role)
_MODS = frozenset({Role.OWNER, Role.LEAD_MODERATOR, Role.MODERATOR})
_LEADS = frozenset({Role.OWNER, Role.LEAD_MODERATOR})
_OWNER = frozenset({Role.OWNER})

#: perm -> the roles that hold it
TABLE: dict[Permission, frozenset[Role]] = {
    Permission.SEND_MESSAGE: _EVERYONE,
    Permission.ACKNOWLEDGE_WARNING: _EVERYONE,
    Permission.CREATE_UNBAN_REQUEST: _EVERYONE,
    Permission.VIEW_QUEUE: _MODS,
    Permission.RESOLVE_HELD: _MODS,
    Permission.PRECHECK: _MODS,
    Permission.DELETE_MESSAGE: _MODS,
    Permission.WARN: _MODS,
    Permission.TIMEOUT: _MODS,
    Permission.BAN: _MODS,
    Permission.UNBAN: _MODS,
    Permission.UPDATE_CHAT_SETTINGS: _MODS,
    Permission.VIEW_AUTOMOD_SETTINGS: _MODS,
    Permission.UPDATE_AUTOMOD_SETTINGS: _LEADS,
    Permission.MANAGE_TERMS: _MODS,
    Permission.MANAGE_PRIVATE_TERMS: _OWNER,
    Permission.VIEW_MOD_LOG: _MODS,
    Permission.VIEW_USER_CARD: _MODS,
    Permission.ADD_NOTE: _MODS,
    Permission.DELETE_NOTE: _LEADS,
    Permission.VIEW_UNBAN_REQUESTS: _MODS,
    Permission.RESOLVE_UNBAN_REQUEST: _MODS,
    Permission.MANAGE_VIPS: _LEADS,
    Permission.MANAGE_MODERATORS: _LEADS,
    Permission.MANAGE_LEAD_MODERATORS: _OWNER,
    Permission.MANAGE_SUBSCRIPTIONS: _OWNER,
    Permission.MANAGE_WEBHOOKS: _OWNER,
    Permission.VIEW_MEMBERS: _MODS,
    Permission.VIEW_HEALTH: _MODS,
    Permission.MANAGE_SHADOW: _LEADS,
    Permission.PREVIEW_AUTOMOD: _MODS,
    Permission.EXPORT_CHAT_HISTORY: _MODS,
    Permission.VIEW_DETECTION: _MODS,
    Permission.TOGGLE_SHIELD: _MODS,
    Permission.UPDATE_SHIELD_PRESET: _LEADS,
    Permission.BULK_BAN: _MODS,
    Permission.UPDATE_DETECTION_SETTINGS: _LEADS,
    Permission.MANAGE_SUSPICIOUS: _MODS,
    Permission.MANAGE_SHARING: _OWNER,
    Permission.MANAGE_POLICY_LISTS: _LEADS,
    Permission.PERMIT_LINKS: _MODS,
    Permission.EXPORT_LABELS: _LEADS,
    Permission.MANAGE_RULES: _LEADS,
    Permission.MANAGE_CONNECTIONS: _OWNER,
}

#: perms that act on another person: the actor must outrank the target
TARGETED = frozenset(
    {
        Permission.DELETE_MESSAGE,
        Permission.WARN,
        Permission.TIMEOUT,
        Permission.BAN,
        Permission.UNBAN,
        Permission.MANAGE_VIPS,
        Permission.MANAGE_MODERATORS,
        Permission.MANAGE_LEAD_MODERATORS,
        Permission.MANAGE_SUSPICIOUS,
    }
)

SCOPES = (
    "chat:write",
    "moderation:read",
    "moderation:write",
    "channel:manage",
    "webhooks:manage",
    "tokens:manage",  # list and revoke the account's API tokens (accounts.TOKENS_SCOPE)
)

SCOPE_OF: dict[Permission, str] = {
    Permission.SEND_MESSAGE: "chat:write",
    Permission.ACKNOWLEDGE_WARNING: "chat:write",
    Permission.CREATE_UNBAN_REQUEST: "chat:write",
    Permission.VIEW_QUEUE: "moderation:read",
    Permission.PRECHECK: "moderation:read",
    Permission.VIEW_AUTOMOD_SETTINGS: "moderation:read",
    Permission.VIEW_MOD_LOG: "moderation:read",
    Permission.VIEW_USER_CARD: "moderation:read",
    Permission.VIEW_UNBAN_REQUESTS: "moderation:read",
    Permission.VIEW_MEMBERS: "moderation:read",
    Permission.VIEW_HEALTH: "moderation:read",
    Permission.MANAGE_SHADOW: "channel:manage",
    Permission.PREVIEW_AUTOMOD: "moderation:read",
    Permission.EXPORT_CHAT_HISTORY: "moderation:read",
    Permission.RESOLVE_HELD: "moderation:write",
    Permission.DELETE_MESSAGE: "moderation:write",
    Permission.WARN: "moderation:write",
    Permission.TIMEOUT: "moderation:write",
    Permission.BAN: "moderation:write",
    Permission.UNBAN: "moderation:write",
    Permission.UPDATE_CHAT_SETTINGS: "moderation:write",
    Permission.MANAGE_TERMS: "moderation:write",
    Permission.ADD_NOTE: "moderation:write",
    Permission.DELETE_NOTE: "moderation:write",
    Permission.RESOLVE_UNBAN_REQUEST: "moderation:write",
    Permission.UPDATE_AUTOMOD_SETTINGS: "channel:manage",
    Permission.MANAGE_PRIVATE_TERMS: "channel:manage",
    Permission.MANAGE_VIPS: "channel:manage",
    Permission.MANAGE_MODERATORS: "channel:manage",
    Permission.MANAGE_LEAD_MODERATORS: "channel:manage",
    Permission.MANAGE_SUBSCRIPTIONS: "channel:manage",
    Permission.MANAGE_WEBHOOKS: "webhooks:manage",
    Permission.VIEW_DETECTION: "moderation:read",
    Permission.TOGGLE_SHIELD: "moderation:write",
    Permission.BULK_BAN: "moderation:write",
    Permission.MANAGE_SUSPICIOUS: "moderation:write",
    Permission.UPDATE_SHIELD_PRESET: "channel:manage",
    Permission.UPDATE_DETECTION_SETTINGS: "channel:manage",
    Permission.MANAGE_SHARING: "channel:manage",
    Permission.MANAGE_POLICY_LISTS: "channel:manage",
    Permission.PERMIT_LINKS: "moderation:write",
    Permission.EXPORT_LABELS: "moderation:read",
    Permission.MANAGE_RULES: "channel:manage",
    Permission.MANAGE_CONNECTIONS: "channel:manage",
}

_RANK = {Role.OWNER: 3, Role.LEAD_MODERATOR: 2, Role.MODERATOR: 1}


def rank(role: Role) -> int:
    """Owner 3, lead moderator 2, moderator 1, everyone else 0."""
    return _RANK.get(role, 0)


def is_mod(role: Role) -> bool:
    return role in _MODS


def acting_role(role: Role, *, banned: bool) -> Role:
    """The role whose powers someone holds: a banned person acts as a viewer (the owner is
    never banned in their own channel). As a *target*, the granted role still counts, so a
    moderator cannot unban a lead moderator banned by the owner."""
    return Role.VIEWER if banned and role is not Role.OWNER else role


def can(
    role: Role,
    perm: Permission,
    target_role: Role | None = None,
    *,
    is_admin: bool = False,
    banned: bool = False,
) -> bool:
    """May someone with channel ``role`` (``banned`` there or not) do ``perm`` (to a person
    with ``target_role``)?"""
    if is_admin:
        return True
    role = acting_role(role, banned=banned)
    if role not in TABLE[perm]:
        return False
    if perm in TARGETED and target_role is not None:
        return rank(role) > rank(target_role)
    return True


def allowed(
    actor: Actor,
    role: Role,
    perm: Permission,
    target_role: Role | None = None,
    *,
    banned: bool = False,
) -> bool:
    """``require`` without the error: the token's scope, the role, the ban and the rank."""
    return actor.has_scope(SCOPE_OF[perm]) and can(
        role, perm, target_role, is_admin=actor.is_admin, banned=banned
    )


def require(
    actor: Actor,
    role: Role,
    perm: Permission,
    target_role: Role | None = None,
    *,
    banned: bool = False,
) -> None:
    """Raise ``Forbidden`` unless ``actor`` (with ``role`` here, ``banned`` or not) may do
    ``perm``."""
    scope = SCOPE_OF[perm]
    if not actor.has_scope(scope):
        raise Forbidden(f"this token lacks the {scope!r} scope needed to {perm.value}")
    if not can(role, perm, target_role, is_admin=actor.is_admin, banned=banned):
        if banned and not actor.is_admin and role in TABLE[perm]:
            raise Forbidden(f"you are banned in this channel and cannot {perm.value} here")
        if target_role is not None and role in TABLE[perm]:
            raise Forbidden(f"a {role.value} cannot {perm.value} a {target_role.value}")
        raise Forbidden(f"a {role.value} cannot {perm.value} in this channel")
