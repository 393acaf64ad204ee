"""Connections: a channel's owner points ChatWarden at a chat on another platform (an IRC
channel, Twitch chat over its IRC dialect or over EventSub and Helix (target ``eventsub``), a
Discord channel, a Matrix room).

A connection's credential (the server password or token, on IRC an operator block's password,
on Twitch EventSub also the refresh token and the application's client secret) is a secret:
sealed with the deployment's connector keys (``store/secretbox.py``) before it reaches the
store, opened only for the runner that connects (``runnable``), never part of a
``Connection``, a mod log entry, an error or a log line. Adding one without a key
configured is an error, never a plaintext row. Only the owner manages connections (the
permission ``manage_connections``, scope ``channel:manage``); every change is in the mod log.
A connection's runner reports what it sees (``report_status``): connected, disconnected or
error, the last message's time and the last error. A Twitch connector that refreshed its
user access token stores the new pair through ``store_tokens`` (sealed, never logged).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection as DbConnection

from chatwarden.errors import ConfigError, InputError, NotFound
from chatwarden.service.base import Deps, ServiceBase
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, _ToDict
from chatwarden.store import audit
from chatwarden.store import connections as store
from chatwarden.store.connections import ConnectionRow
from chatwarden.store.secretbox import NO_KEY, SecretBox

log = logging.getLogger(__name__)

PLATFORMS = ("irc", "twitch", "matrix", "discord")
#: platforms ``chatwarden connect run`` can run today (Twitch: its IRC dialect)
RUNNABLE = ("irc", "twitch", "discord", "matrix")
#: a Twitch connection's target for EventSub (WebSocket) and Helix, rather than its IRC dialect
EVENTSUB = "eventsub"
_TWITCH_LOGIN = re.compile(r"[a-z0-9_]{1,25}")
STATUSES = ("connected", "disconnected", "error")
MAX_PER_CHANNEL = 10
_RULE_KEYS = frozenset({"id", "name", "enabled", "trigger", "actions", "exempt_roles"})
MAX_SECRET = 4096
TWITCH_IRC = "irc.chat.twitch.tv:6697"


@dataclass(frozen=True, slots=True)
class ConnectionSpec:
    """What a connection points at: ``target`` (IRC: the server's ``host:port``; Matrix: the
    homeserver; Discord: the guild), ``room`` (the IRC channel, the Matrix room, the Discord
    channel) and ``account`` (the bot's nick, login or user id)."""

    platform: str
    target: str
    room: str
    account: str
    tls: bool = False
    oper: str | None = None  # plain IRC: an operator block's name (its password is a secret)
    client_id: str | None = None  # Twitch EventSub: the application's client id (not secret)
    automod: bool = False  # Twitch EventSub: also manage the messages Twitch's AutoMod holds
    roles: tuple[tuple[str, str], ...] = ()  # Discord: (role id, ChatWarden role) pairs
    warn: str = "skip"  # Discord has no warnings: "skip" or "reply" (the bot says it)
    policy_rooms: tuple[str, ...] = ()  # Matrix: Draupnir/Mjolnir policy rooms to follow
    publish_room: str | None = None  # Matrix: a policy room ChatWarden's bans are published to


@dataclass(frozen=True, slots=True)
class Credentials:
    """The secrets of one connection; never shown (``repr`` hides them)."""

    secret: str | None = field(default=None, repr=False)  # server password, token
    oper_password: str | None = field(default=None, repr=False)
    # Twitch EventSub: refresh the user access token (``secret``) when Twitch refuses it
    refresh_token: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)

    def values(self) -> list[str]:
        found = (self.secret, self.oper_password, self.refresh_token, self.client_secret)
        return [v for v in found if v]


@dataclass(frozen=True, slots=True)
class ConnectionChange:
    """What an update changes in a stored connection's settings (None keeps it): only what
    does not change which chat it is (its platform, target, room and account stay)."""

    tls: bool | None = None  # plain IRC
    oper: str | None = None  # plain IRC: an operator block's name (with its password)
    client_id: str | None = None  # Twitch EventSub: a new token may be another application's
    automod: bool | None = None  # Twitch EventSub
    roles: tuple[tuple[str, str], ...] | None = None  # Discord's role map, Matrix's levels
    warn: str | None = None  # Discord, Matrix

    def given(self) -> bool:
        return any(getattr(self, name) is not None for name in self.__slots__)


#: the options a connection is set up with (the rest a runner reports: cursor, platform rules)
_SETUP_OPTIONS = (
    "tls",
    "oper",
    "client_id",
    "automod",
    "token_refresh",
    "roles",
    "levels",
    "warn",
    "policy_rooms",
    "publish_room",
)
_SECRET_FIELDS = ("credential", "oper_password", "refresh_token", "client_secret")


@dataclass(frozen=True, slots=True)
class Connection(_ToDict):
    """A stored connection as anyone may see it: whether it has a credential, never which."""

    id: int
    channel_id: int
    platform: str
    target: str
    room: str
    account: str
    options: dict[str, Any]
    has_credential: bool
    status: str
    status_at: datetime | None
    last_message_at: datetime | None
    last_error: str | None
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RunnableConnection:
    """A connection with its credentials opened, for the runner that connects."""

    connection: Connection
    channel_name: str
    credentials: Credentials


def to_connection(row: ConnectionRow) -> Connection:
    return Connection(
        id=row.id,
        channel_id=row.channel_id,
        platform=row.platform,
        target=row.target,
        room=row.room,
        account=row.account,
        options=dict(row.options or {}),
        has_credential=row.credential is not None,
        status=row.status,
        status_at=row.status_at,
        last_message_at=row.last_message_at,
        last_error=row.last_error,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _text(name: str, value: object, longest: int, *, spaces: bool = False) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{name} is required")
    value = value.strip()
    if len(value) > longest or not value.isprintable() or (not spaces and " " in value):
        raise InputError(f"{name} must be at most {longest} printable characters, no spaces")
    return value


def _host_port(target: str, tls: bool) -> str:
    """``host:port`` (the port defaults to 6697 with TLS, else 6667)."""
    host, sep, port = target.rpartition(":") if not target.endswith("]") else (target, "", "")
    if not sep:
        host, port = target, "6697" if tls else "6667"
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"target {target!r}: an IRC server is HOST:PORT (port 1-65535)")
    return f"{host}:{int(port)}"


def check_spec(spec: ConnectionSpec, creds: Credentials) -> ConnectionSpec:
    """The spec, normalised; ``InputError`` saying what is wrong (never with a secret)."""
    if spec.platform not in PLATFORMS:
        raise InputError(f"platform must be one of {', '.join(PLATFORMS)}")
    for name, value in (
        ("credential", creds.secret),
        ("oper_password", creds.oper_password),
        ("refresh_token", creds.refresh_token),
        ("client_secret", creds.client_secret),
    ):
        if value is not None and (len(value) > MAX_SECRET or not value.isprintable()):
            raise InputError(f"{name} must be at most {MAX_SECRET} printable characters")
    if spec.platform == "twitch" and spec.target.strip().lower() == EVENTSUB:
        return _check_eventsub(spec, creds)
    if creds.refresh_token is not None or creds.client_secret is not None:
        raise InputError(
            "refresh_token and client_secret are for Twitch EventSub connections only "
            f"(platform 'twitch', target {EVENTSUB!r})"
        )
    if spec.platform == "discord":
        return _check_discord(spec, creds)
    if spec.platform == "matrix":
        return _check_matrix(spec, creds)
    if spec.policy_rooms or spec.publish_room is not None:
        raise InputError("policy_rooms and publish_room are for Matrix connections only")
    if spec.roles or spec.warn != "skip":
        raise InputError("roles and warn are for Discord connections only")
    if spec.client_id is not None or spec.automod:
        raise InputError(
            "client_id and automod are for Twitch EventSub connections only "
            f"(platform 'twitch', target {EVENTSUB!r})"
        )
    if spec.platform == "twitch":
        target, tls = spec.target.strip() or TWITCH_IRC, spec.tls or not spec.target.strip()
    else:
        target, tls = _text("target", spec.target, 255), spec.tls
    room = _text("room", spec.room, 200)
    account = _text("account", spec.account, 100)
    oper = _text("oper", spec.oper, 100) if spec.oper is not None else None
    if spec.platform in RUNNABLE:
        target = _host_port(target, tls)
        if not room.startswith(("#", "&")) or "," in room:
            raise InputError(f"room {room!r}: an IRC channel starts with '#'")
    if (oper is None) != (creds.oper_password is None):
        raise InputError("oper and oper_password go together")
    if oper is not None and spec.platform != "irc":
        raise InputError("an operator block (oper) is for plain IRC only")
    if spec.platform == "twitch":
        room, account = room.lower(), account.lower()
        if creds.secret is None:
            raise InputError("a Twitch connection needs its bot's token as the credential")
    return ConnectionSpec(spec.platform, target, room, account, tls, oper)


def check_credentials(spec: ConnectionSpec, creds: Credentials) -> Credentials:
    """The credentials as the connector sends them (after ``check_spec``): a Twitch token given
    in its IRC form (``oauth:...``), a Discord token in its header's (``Bot ...``) or a Matrix
    one in its (``Bearer ...``) is the same token."""
    secret = creds.secret
    if secret is not None and spec.platform == "twitch" and spec.target == EVENTSUB:
        secret = secret.removeprefix("oauth:")
    elif secret is not None and spec.platform == "discord":
        secret = secret.removeprefix("Bot ")
    elif secret is not None and spec.platform == "matrix":
        secret = secret.removeprefix("Bearer ")
    if secret is not None and not secret.strip():
        raise InputError("credential is empty")
    return Credentials(secret, creds.oper_password, creds.refresh_token, creds.client_secret)


def setup_options(spec: ConnectionSpec, creds: Credentials) -> dict[str, Any]:
    """The options a checked spec is stored with (never a secret, only whether one is kept)."""
    options: dict[str, Any] = {"tls": spec.tls}
    if spec.oper is not None:
        options["oper"] = spec.oper
    if spec.client_id is not None:
        options.update(client_id=spec.client_id, automod=spec.automod)
        options["token_refresh"] = creds.refresh_token is not None
    if spec.platform == "discord":
        options.update(roles=dict(spec.roles), warn=spec.warn)
    if spec.platform == "matrix":
        options.update(levels=dict(spec.roles), warn=spec.warn)
        if spec.policy_rooms:
            options["policy_rooms"] = list(spec.policy_rooms)
        if spec.publish_room is not None:
            options["publish_room"] = spec.publish_room
    return options


def stored_spec(row: ConnectionRow) -> ConnectionSpec:
    """The spec a stored connection was set up with (``setup_options`` read back)."""
    o = row.options or {}
    roles = o.get("roles") if row.platform == "discord" else o.get("levels")
    return ConnectionSpec(
        row.platform,
        row.target,
        row.room,
        row.account,
        bool(o.get("tls")),
        o.get("oper"),
        o.get("client_id"),
        bool(o.get("automod")),
        tuple((str(k), str(v)) for k, v in dict(roles or {}).items()),
        str(o.get("warn", "skip")),
        tuple(str(r) for r in o.get("policy_rooms") or ()),
        o.get("publish_room"),
    )


def _check_eventsub(spec: ConnectionSpec, creds: Credentials) -> ConnectionSpec:
    """A Twitch EventSub connection: the broadcaster's login (``room``), the bot's login
    (``account``, a moderator of the channel whose user access token is the credential) and
    the application's client id."""
    room = _text("room", spec.room, 26).lstrip("#").lower()
    account = _text("account", spec.account, 25).lower()
    for name, login in (("room", room), ("account", account)):
        if not _TWITCH_LOGIN.fullmatch(login):
            raise InputError(f"{name} {login!r}: a Twitch login is 1-25 letters, digits or _")
    client_id = _text("client_id", spec.client_id, 100)
    if spec.oper is not None or creds.oper_password is not None:
        raise InputError("an operator block (oper) is for plain IRC only")
    if creds.secret is None:
        raise InputError("a Twitch connection needs its bot's user access token as the credential")
    if (creds.refresh_token is None) != (creds.client_secret is None):
        raise InputError(
            "refresh_token and client_secret go together (refreshing a Twitch token needs both)"
        )
    return ConnectionSpec("twitch", EVENTSUB, room, account, True, None, client_id, spec.automod)


#: the ChatWarden roles a Discord role may map to (the owner is whoever made the channel)
DISCORD_ROLES = ("lead_moderator", "moderator", "vip", "subscriber", "viewer")


def _snowflake(name: str, value: str) -> str:
    value = _text(name, value, 20)
    if not value.isdigit():
        raise InputError(f"{name} {value!r}: a Discord id is digits")
    return value


def _check_discord(spec: ConnectionSpec, creds: Credentials) -> ConnectionSpec:
    """A Discord connection: the guild id (``target``), the channel id (``room``), the bot's
    user id (``account``), the bot token as the credential, a role map and the warn mode."""
    guild = _snowflake("target", spec.target)
    room = _snowflake("room", spec.room.lstrip("#"))
    account = _snowflake("account", spec.account)
    if spec.oper is not None or creds.oper_password is not None:
        raise InputError("an operator block (oper) is for plain IRC only")
    if spec.client_id is not None or spec.automod:
        raise InputError("client_id and automod are for Twitch EventSub connections only")
    if len(spec.roles) > 50:
        raise InputError("at most 50 Discord roles may be mapped")
    for role_id, role in spec.roles:
        if not role_id.isdigit() or len(role_id) > 20 or role not in DISCORD_ROLES:
            raise InputError(
                f"roles: {role_id!r} -> {role!r}: a role id maps to one of {DISCORD_ROLES}"
            )
    if spec.warn not in ("skip", "reply"):
        raise InputError("warn must be 'skip' or 'reply'")
    if creds.secret is None:
        raise InputError("a Discord connection needs its bot token as the credential")
    return ConnectionSpec("discord", guild, room, account, True, roles=spec.roles, warn=spec.warn)


#: the ChatWarden roles a Matrix power level may map to
MATRIX_ROLES = ("owner", "lead_moderator", "moderator", "vip", "subscriber")
_LOOPBACK = ("localhost", "127.0.0.1", "::1")
_MXID = re.compile(r"@[^\s:]+:\S+")


def _homeserver(value: str) -> str:
    """The homeserver's base URL: https, or http on loopback only (the token would travel in
    the clear)."""
    url = _text("target", value, 255).rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.scheme not in ("https", "http") or parts.query or parts.fragment:
        raise InputError(f"target {url!r}: a homeserver is an https:// URL")
    if parts.scheme == "http" and host not in _LOOPBACK:
        raise InputError(f"target {url!r}: a homeserver is an https:// URL (http on loopback only)")
    return url


def _check_matrix(spec: ConnectionSpec, creds: Credentials) -> ConnectionSpec:
    """A Matrix connection: the homeserver's URL (``target``), the room's id or alias
    (``room``: ``!id`` or ``#alias:server``), the bot's user id (``account``:
    ``@bot:server``), its access token as the credential, power levels mapped to roles
    (``roles``: (level, role) pairs; none: 100 owner, 50 moderator) and the warn mode."""
    target = _homeserver(spec.target)
    room = _text("room", spec.room, 255)
    if not (room.startswith("!") and len(room) > 1) and not (
        room.startswith("#") and ":" in room[2:]
    ):
        raise InputError(f"room {room!r}: a Matrix room is '!id' or '#alias:server'")
    account = _text("account", spec.account, 255)
    if not _MXID.fullmatch(account):
        raise InputError(f"account {account!r}: a Matrix user id is '@name:server'")
    if spec.oper is not None or creds.oper_password is not None:
        raise InputError("an operator block (oper) is for plain IRC only")
    if spec.client_id is not None or spec.automod:
        raise InputError("client_id and automod are for Twitch EventSub connections only")
    if len(spec.roles) > 20:
        raise InputError("at most 20 Matrix power levels may be mapped")
    for level, role in spec.roles:
        if not level.lstrip("-").isdigit() or len(level) > 17 or role not in MATRIX_ROLES:
            raise InputError(
                f"roles: {level!r} -> {role!r}: a power level maps to one of {MATRIX_ROLES}"
            )
    if spec.warn not in ("skip", "reply"):
        raise InputError("warn must be 'skip' or 'reply'")
    if len(spec.policy_rooms) > MAX_POLICY_ROOMS:
        raise InputError(f"at most {MAX_POLICY_ROOMS} policy rooms may be followed")
    lists = tuple(dict.fromkeys(_matrix_room(f"policy room {r!r}", r) for r in spec.policy_rooms))
    publish = spec.publish_room
    if publish is not None:
        publish = _matrix_room(f"publish_room {publish!r}", publish)
    if creds.secret is None:
        raise InputError("a Matrix connection needs its bot's access token as the credential")
    return ConnectionSpec(
        "matrix",
        target,
        room,
        account,
        True,
        roles=spec.roles,
        warn=spec.warn,
        policy_rooms=lists,
        publish_room=publish,
    )


MAX_POLICY_ROOMS = 10
MAX_MUTES = 10_000


def _matrix_room(what: str, value: object) -> str:
    """A Matrix room id (``!id``) or alias (``#alias:server``)."""
    room = _text(what, value, 255)
    if not (room.startswith("!") and len(room) > 1) and not (
        room.startswith("#") and ":" in room[2:]
    ):
        raise InputError(f"{what}: a Matrix room is '!id' or '#alias:server'")
    return room


class ConnectionService(ServiceBase):
    def __init__(self, deps: Deps, box: SecretBox | None) -> None:
        super().__init__(deps)
        self._box = box

    # -- the owner's ---------------------------------------------------------------------

    def add(
        self,
        actor: Actor,
        channel_id: int,
        spec: ConnectionSpec,
        creds: Credentials,
        *,
        via: str = "api",
    ) -> Connection:
        """Store a connection for the channel, its credentials sealed."""
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.MANAGE_CONNECTIONS)
        spec = check_spec(spec, creds)
        creds = check_credentials(spec, creds)
        sealed = self._seal(creds)
        with self.db.write() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.MANAGE_CONNECTIONS)
            if len(store.list_connections_txn(conn, channel_id)) >= MAX_PER_CHANNEL:
                raise InputError(f"a channel can have at most {MAX_PER_CHANNEL} connections")
            now = self.clock.now()
            options = setup_options(spec, creds)
            connection_id = store.insert_connection_txn(
                conn,
                channel_id=channel_id,
                platform=spec.platform,
                target=spec.target,
                room=spec.room,
                account=spec.account,
                options=options,
                credential=sealed,
                created_by=actor.user_id,
                created_at=now,
            )
            audit.append_txn(
                conn,
                channel_id=channel_id,
                actor_id=actor.user_id,
                action="connection.add",
                created_at=now,
                details={
                    "connection_id": connection_id,
                    "platform": spec.platform,
                    "target": spec.target,
                    "room": spec.room,
                    "account": spec.account,
                    "via": via,
                },
            )
            row = store.get_connection_txn(conn, connection_id)
        assert row is not None
        return to_connection(row)

    def update(
        self,
        actor: Actor,
        connection_id: int,
        change: ConnectionChange,
        creds: Credentials,
        *,
        channel_id: int | None = None,
        via: str = "api",
    ) -> tuple[Connection, list[str]]:
        """Replace a stored connection's credentials (each given one; the others kept) and the
        settings ``change`` gives, checked as ``add`` checks a new one, sealed again; the
        connection keeps its id, status and resume point. The mod log names the fields that
        changed, never a value of a secret one. A running ``connect run`` keeps the
        credentials it started with: restart it. The connection and the changed fields."""
        given = [n for n, v in zip(_SECRET_FIELDS, _fields(creds), strict=True) if v is not None]
        if not given and not change.given():
            raise InputError(
                "nothing to change: give a credential or a setting (tls, oper, client_id, "
                "automod, roles, warn)"
            )
        # one transaction, the row locked: a token refresh stored meanwhile (``store_tokens``)
        # is merged, never overwritten by the credentials read before it
        with self.db.write() as conn:
            row = self._own_row(conn, actor, connection_id, channel_id, lock=True)
            old_spec = stored_spec(row)
            if change.tls is not None and (
                row.platform not in ("irc", "twitch") or row.target == EVENTSUB
            ):
                raise InputError("tls is for IRC connections only")
            if (change.roles is not None or change.warn is not None) and row.platform not in (
                "discord",
                "matrix",
            ):
                raise InputError("roles and warn are for Discord and Matrix connections only")
            old_creds = self._open(row.credential) if row.credential is not None else Credentials()
            spec = ConnectionSpec(
                row.platform,
                row.target,
                row.room,
                row.account,
                old_spec.tls if change.tls is None else change.tls,
                old_spec.oper if change.oper is None else change.oper,
                old_spec.client_id if change.client_id is None else change.client_id,
                old_spec.automod if change.automod is None else change.automod,
                old_spec.roles if change.roles is None else change.roles,
                old_spec.warn if change.warn is None else change.warn,
                old_spec.policy_rooms,
                old_spec.publish_room,
            )
            merged = Credentials(
                *(
                    new if new is not None else old
                    for new, old in zip(_fields(creds), _fields(old_creds), strict=True)
                )
            )
            spec = check_spec(spec, merged)
            merged = check_credentials(spec, merged)
            sealed = self._seal(merged)
            options = {k: v for k, v in (row.options or {}).items() if k not in _SETUP_OPTIONS}
            before = {k: v for k, v in (row.options or {}).items() if k in _SETUP_OPTIONS}
            after = setup_options(spec, merged)
            options.update(after)
            changed = given + sorted(
                k for k in after.keys() | before.keys() if before.get(k) != after.get(k)
            )
            store.update_credential_txn(conn, connection_id, sealed)
            store.update_options_txn(conn, connection_id, options)
            self._log_change_txn(conn, actor, row, "connection.update", via, changed=changed)
            updated = store.get_connection_txn(conn, connection_id)
        assert updated is not None
        log.info("connection %d updated: %s", connection_id, ", ".join(changed) or "nothing")
        return to_connection(updated), changed

    def _own_row(
        self,
        conn: DbConnection,
        actor: Actor,
        connection_id: int,
        channel_id: int | None,
        *,
        lock: bool = False,
    ) -> ConnectionRow:
        """The connection (``NotFound`` when it is not ``channel_id``'s), if ``actor`` may
        manage the channel's connections; ``lock``: locked until the transaction ends."""
        row = store.get_connection_txn(conn, connection_id, for_update=lock)
        if row is None or (channel_id is not None and row.channel_id != channel_id):
            raise NotFound(f"no connection with id {connection_id}")
        channel = self.channel_txn(conn, row.channel_id)
        self.require_txn(conn, actor, channel, Permission.MANAGE_CONNECTIONS)
        return row

    def _log_change_txn(
        self,
        conn: DbConnection,
        actor: Actor,
        row: ConnectionRow,
        action: str,
        via: str,
        **details: Any,
    ) -> None:
        """The mod log's entry for ``actor``'s change to the connection ``row``: its id,
        platform and room, then ``details`` (what changed), then ``via`` (api or cli)."""
        audit.append_txn(
            conn,
            channel_id=row.channel_id,
            actor_id=actor.user_id,
            action=action,
            created_at=self.clock.now(),
            details={
                "connection_id": row.id,
                "platform": row.platform,
                "room": row.room,
                **details,
                "via": via,
            },
        )

    def twitch_access(
        self, actor: Actor, connection_id: int, *, channel_id: int | None = None
    ) -> RunnableConnection:
        """A Twitch EventSub connection with its credentials opened, for the owner to read or
        write the Twitch channel's AutoMod settings with its token (``manage_connections``)."""
        with self.db.read() as conn:
            row = self._own_row(conn, actor, connection_id, channel_id)
            channel = self.channel_txn(conn, row.channel_id)
        if row.platform != "twitch" or row.target != EVENTSUB:
            raise InputError(
                f"connection {connection_id} is not a Twitch EventSub connection (Twitch's AutoMod "
                "settings are read and written through Helix)"
            )
        if row.credential is None or not (row.options or {}).get("client_id"):
            raise InputError(f"connection {connection_id} has no token or client id")
        return RunnableConnection(to_connection(row), channel.name, self._open(row.credential))

    def record_automod_push(
        self,
        actor: Actor,
        connection_id: int,
        *,
        sent: dict[str, int],
        differs: list[str],
        via: str = "api",
    ) -> None:
        """The owner wrote the channel's AutoMod settings to Twitch through the connection:
        the mod log records what was sent and where Twitch's answer still differs."""
        with self.db.write() as conn:
            row = self._own_row(conn, actor, connection_id, None)
            self._log_change_txn(
                conn,
                actor,
                row,
                "connection.automod_push",
                via,
                sent=dict(sent),
                differs=list(differs),
            )

    def list_connections(self, actor: Actor, channel_id: int) -> list[Connection]:
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.MANAGE_CONNECTIONS)
            return [to_connection(r) for r in store.list_connections_txn(conn, channel_id)]

    def remove(
        self, actor: Actor, connection_id: int, *, channel_id: int | None = None, via: str = "api"
    ) -> None:
        """Delete a connection (its sealed credential with it); ``channel_id``: it must be
        that channel's (the API names the channel in the path)."""
        with self.db.write() as conn:
            row = store.get_connection_txn(conn, connection_id)
            if row is None or (channel_id is not None and row.channel_id != channel_id):
                raise NotFound(f"no connection with id {connection_id}")
            channel = self.channel_txn(conn, row.channel_id)
            self.require_txn(conn, actor, channel, Permission.MANAGE_CONNECTIONS)
            store.delete_connection_txn(conn, connection_id)
            audit.append_txn(
                conn,
                channel_id=channel.id,
                actor_id=actor.user_id,
                action="connection.remove",
                created_at=self.clock.now(),
                details={
                    "connection_id": connection_id,
                    "platform": row.platform,
                    "target": row.target,
                    "room": row.room,
                    "via": via,
                },
            )

    # -- the operator's (the CLI on the server, which holds the database and the keys) ----

    def owner_of(self, channel_id: int) -> Actor:
        """The channel's owner: the CLI acts for them (the mod log says ``via: cli``)."""
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            user = self.user_txn(conn, channel.owner_id)
        return Actor(user.id, user.username)

    def get(self, connection_id: int) -> Connection:
        with self.db.read() as conn:
            row = store.get_connection_txn(conn, connection_id)
        if row is None:
            raise NotFound(f"no connection with id {connection_id}")
        return to_connection(row)

    def list_all(self) -> list[Connection]:
        with self.db.read() as conn:
            return [to_connection(r) for r in store.list_connections_txn(conn)]

    def runnable(self, connection_id: int) -> RunnableConnection:
        """The connection with its credentials opened (``SecretBoxError`` when no configured
        key opens them)."""
        with self.db.read() as conn:
            row = store.get_connection_txn(conn, connection_id)
            if row is None:
                raise NotFound(f"no connection with id {connection_id}")
            channel = self.channel_txn(conn, row.channel_id)
        creds = Credentials()
        if row.credential is not None:
            if self._box is None:
                raise ConfigError(NO_KEY)
            creds = self._open(row.credential)
        return RunnableConnection(to_connection(row), channel.name, creds)

    def store_tokens(self, connection_id: int, access_token: str, refresh_token: str) -> bool:
        """A Twitch connector refreshed its user access token: keep the new access and refresh
        tokens (sealed, the client secret kept) so the next run starts with them; False when
        the connection no longer exists. Recorded in the mod log without either token."""
        for name, value in (("access_token", access_token), ("refresh_token", refresh_token)):
            if not value or len(value) > MAX_SECRET or not value.isprintable():
                raise InputError(f"{name} must be 1-{MAX_SECRET} printable characters")
        if self._box is None:
            raise ConfigError(NO_KEY)
        with self.db.write() as conn:
            row = store.get_connection_txn(conn, connection_id, for_update=True)
            if row is None:
                return False
            if row.platform != "twitch" or row.target != EVENTSUB:
                raise InputError(f"connection {connection_id} is not a Twitch EventSub connection")
            old = self._open(row.credential) if row.credential is not None else None
            client_secret = old.client_secret if old is not None else None
            new = Credentials(access_token, None, refresh_token, client_secret)
            store.update_credential_txn(conn, connection_id, self._seal(new))
            audit.append_txn(
                conn,
                channel_id=row.channel_id,
                actor_id=None,
                action="connection.token_refresh",
                created_at=self.clock.now(),
                details={"connection_id": connection_id, "platform": "twitch"},
            )
        log.info("connection %d: the refreshed Twitch tokens are stored (sealed)", connection_id)
        return True

    def report_status(
        self,
        connection_id: int,
        status: str,
        *,
        last_message_at: datetime | None = None,
        last_error: str | None = None,
    ) -> bool:
        """What the connection's runner saw (``last_message_at`` and ``last_error`` kept when
        None); False when the connection no longer exists (removed: its runner stops)."""
        if status not in STATUSES:
            raise InputError(f"status must be one of {', '.join(STATUSES)}")
        with self.db.write() as conn:
            found = store.update_status_txn(
                conn,
                connection_id,
                status=status,
                status_at=self.clock.now(),
                last_message_at=last_message_at,
                last_error=last_error,
            )
        return found > 0

    def report_platform_rules(self, connection_id: int, rules: list[dict[str, Any]]) -> bool:
        """The platform's own moderation rules as the runner read them (Discord's AutoMod
        rules), kept in the connection's options (``platform_rules``, at most 100, with
        ``platform_rules_at``) for Mod View; False when the connection no longer exists."""
        kept = [
            {
                k: v
                for k, v in r.items()
                if isinstance(v, (str, int, bool, list)) and k in _RULE_KEYS
            }
            for r in rules[:100]
        ]
        with self.db.write() as conn:
            row = store.get_connection_txn(conn, connection_id)
            if row is None:
                return False
            options = dict(row.options or {})
            options["platform_rules"] = kept
            options["platform_rules_at"] = self.clock.now().isoformat()
            return store.update_options_txn(conn, connection_id, options) > 0

    def report_cursor(self, connection_id: int, cursor: str) -> bool:
        """A connector's resume point (Matrix's sync token, not a secret), kept in the
        connection's options (``cursor``) so the next run goes on from it; False when the
        connection no longer exists."""
        if not cursor or len(cursor) > 1000 or not cursor.isprintable():
            raise InputError("cursor must be 1-1000 printable characters")
        with self.db.write() as conn:
            row = store.get_connection_txn(conn, connection_id)
            if row is None:
                return False
            options = dict(row.options or {})
            options["cursor"] = cursor
            return store.update_options_txn(conn, connection_id, options) > 0

    def report_mutes(self, connection_id: int, mutes: dict[str, dict[str, Any]]) -> bool:
        """A Matrix connector's muted members (user id -> the power level entry to put back,
        the level set and when it ends), kept in the options (``mutes``) so a restart puts
        them back; False when the connection no longer exists."""
        if len(mutes) > MAX_MUTES:
            raise InputError(f"at most {MAX_MUTES} mutes are kept")
        kept: dict[str, dict[str, Any]] = {}
        for user_id, entry in mutes.items():
            if not _MXID.fullmatch(user_id) or not isinstance(entry.get("muted"), int):
                raise InputError(f"mutes: {user_id!r} is not a muted Matrix user")
            previous = entry.get("previous")
            kept[user_id] = {
                "previous": previous if isinstance(previous, int) else None,
                "muted": entry["muted"],
                "until": float(entry.get("until", 0)),
            }
        with self.db.write() as conn:
            row = store.get_connection_txn(conn, connection_id)
            if row is None:
                return False
            options = dict(row.options or {})
            options["mutes"] = kept
            return store.update_options_txn(conn, connection_id, options) > 0

    def rekey(self) -> int:
        """Seal every stored credential again with the first key (after a new key was put
        first); how many were resealed. Then the old key can be removed."""
        if self._box is None:
            raise ConfigError(NO_KEY)
        with self.db.read() as conn:
            sealed = [
                (r.id, r.credential)
                for r in store.list_connections_txn(conn)
                if r.credential is not None
            ]
        for connection_id, credential in sealed:
            resealed = self._box.reseal(credential)
            with self.db.write() as conn:
                store.update_credential_txn(conn, connection_id, resealed)
        return len(sealed)

    def _seal(self, creds: Credentials) -> str | None:
        if not creds.values():
            return None
        if self._box is None:
            raise ConfigError(NO_KEY)
        data = {"secret": creds.secret, "oper_password": creds.oper_password}
        if creds.refresh_token is not None:
            data.update(refresh_token=creds.refresh_token, client_secret=creds.client_secret)
        return self._box.seal(json.dumps(data, separators=(",", ":")))

    def _open(self, sealed: str) -> Credentials:
        if self._box is None:
            raise ConfigError(NO_KEY)
        opened = json.loads(self._box.open(sealed))
        return Credentials(
            opened.get("secret"),
            opened.get("oper_password"),
            opened.get("refresh_token"),
            opened.get("client_secret"),
        )


def _fields(creds: Credentials) -> tuple[str | None, str | None, str | None, str | None]:
    return (creds.secret, creds.oper_password, creds.refresh_token, creds.client_secret)
