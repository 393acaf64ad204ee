"""A Twitch EventSub connection's channel AutoMod settings and its ChatWarden channel's, in
either direction (``chatwarden connect automod ID pull|push``).

The connection's token is used as the connector uses it (refreshed once when Twitch refuses
it and a refresh token is stored; the new pair is stored sealed). Pull: Twitch's levels become
the channel's through ``AutoModSettingsService.update_settings``, so it is permission-checked
and in the mod log (``automod.settings.update``, ``via`` naming the connection) like any
settings change. Push: the channel's settings (read with the actor's permission) are written
to Twitch, and the mod log records ``connection.automod_push`` with what was sent. A dry run
changes nothing on either side. What does not map is reported (``automod.not_mapped``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import httpx

from chatwarden.connectors.twitch.automod import (
    MANAGE_SCOPE,
    READ_SCOPE,
    Difference,
    differences,
    not_mapped,
    pull_patch,
    push_body,
)
from chatwarden.connectors.twitch.helix import Helix, HelixAuthError, HelixError, HelixScopeError
from chatwarden.connectors.twitch.oauth import TOKEN_URL, TokenRefresher, Tokens
from chatwarden.connectors.twitch.parse import HELIX_URL
from chatwarden.errors import ChatWardenError, Forbidden, InputError, Unavailable

if TYPE_CHECKING:
    from chatwarden.service.types import Actor
    from chatwarden.services import Services

Direction = Literal["pull", "push"]


@dataclass(frozen=True, slots=True)
class AutoModSync:
    """What a pull or push did (or, dry, would do)."""

    direction: Direction
    dry_run: bool
    before: list[Difference]  # ChatWarden's vs Twitch's settings before
    sent: dict[str, int] | None = None  # push: Update AutoMod Settings' body
    after: list[Difference] = field(default_factory=list)  # where they still differ after
    not_mapped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return not self.dry_run and bool(self.before)


async def sync_automod(
    services: Services,
    actor: Actor,
    connection_id: int,
    direction: Direction,
    *,
    dry_run: bool = False,
    channel_id: int | None = None,
    via: str = "cli",
    helix_url: str = HELIX_URL,
    token_url: str = TOKEN_URL,
    on_tokens: Callable[[Tokens], None] | None = None,
) -> AutoModSync:
    """Pull Twitch's AutoMod settings into the channel or push the channel's to Twitch.
    Errors are ``ChatWardenError``s saying what to do (never with a secret)."""
    if direction not in ("pull", "push"):
        raise InputError("direction must be 'pull' or 'push'")
    stored = services.connections.twitch_access(actor, connection_id, channel_id=channel_id)
    c, creds = stored.connection, stored.credentials
    assert creds.secret is not None  # an EventSub connection always has its token

    def keep(tokens: Tokens) -> None:
        services.connections.store_tokens(c.id, tokens.access_token, tokens.refresh_token)
        if on_tokens is not None:
            on_tokens(tokens)

    refresher = None
    if creds.refresh_token and creds.client_secret:
        refresher = TokenRefresher(
            str(c.options["client_id"]),
            creds.client_secret,
            creds.refresh_token,
            token_url=token_url,
            on_tokens=keep,
        )
    helix = Helix(
        str(c.options["client_id"]),
        creds.secret,
        base_url=helix_url,
        refresh=refresher.refresh if refresher is not None else None,
    )
    scope = READ_SCOPE  # what the call being made needs (Get takes read or manage)
    try:
        broadcaster = str((await helix.user(c.room))["id"])
        moderator = str((await helix.user(c.account))["id"])
        twitch = await helix.automod_settings(broadcaster, moderator)
        ours = services.automod.get_settings(actor, c.channel_id)
        before = differences(ours, twitch)
        notes = not_mapped(ours, twitch)
        if direction == "pull":
            if dry_run or not before:
                return AutoModSync("pull", dry_run, before, after=before, not_mapped=notes)
            ours = services.automod.update_settings(
                actor, c.channel_id, pull_patch(twitch), via=f"twitch connection {c.id} ({via})"
            )
            after = differences(ours, twitch)
            return AutoModSync("pull", False, before, after=after, not_mapped=notes)
        body = push_body(ours)
        if dry_run or not before:
            return AutoModSync("push", dry_run, before, body, before, notes)
        scope = MANAGE_SCOPE
        twitch = await helix.update_automod_settings(broadcaster, moderator, body)
        after = differences(ours, twitch)
        services.connections.record_automod_push(
            actor, c.id, sent=body, differs=[d.field for d in after], via=via
        )
        return AutoModSync("push", False, before, body, after, notes)
    except HelixScopeError as exc:
        raise Forbidden(
            f"connection {c.id}: the stored Twitch token lacks the scope {exc.scope or scope}; "
            f"authorise the application again with it and store the new token with "
            f"`chatwarden connect update {c.id}`"
        ) from None
    except HelixAuthError as exc:
        raise Unavailable(
            f"connection {c.id}: Twitch refused the stored token ({exc.message}); store a new "
            f"one with `chatwarden connect update {c.id}`"
        ) from None
    except HelixError as exc:
        raise _explain(exc, c.id, c.account, c.room, scope) from None
    except ValueError as exc:  # Twitch answered something not as documented
        raise Unavailable(f"connection {c.id}: {exc}") from None
    except httpx.HTTPError as exc:  # not reached, timed out: a message, not a traceback
        raise Unavailable(
            f"connection {c.id}: Twitch could not be reached ({type(exc).__name__}); try again"
        ) from None
    finally:
        await helix.aclose()
        if refresher is not None:
            await refresher.aclose()


def _explain(
    exc: HelixError, connection_id: int, bot: str, room: str, scope: str
) -> ChatWardenError:
    if exc.status == 403:
        return Forbidden(
            f"connection {connection_id}: Twitch says {bot!r} is not a moderator of {room!r} "
            f"(403: {exc.message}); make it one, or store the broadcaster's token, which also "
            f"needs {scope}"
        )
    if exc.status == 400:
        return InputError(
            f"connection {connection_id}: Twitch refused the request (400: {exc.message})"
        )
    return Unavailable(f"connection {connection_id}: {exc}")
