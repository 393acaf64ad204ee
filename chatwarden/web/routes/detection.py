"""Proactive detection over HTTP: Shield Mode (one click, preset, bulk ban), trust gates,
suspicious users, shared ban information, policy lists, the strike ladder and the detection
settings. Permission checks happen in the services; every change is in the mod log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from chatwarden.detect.config import spam_filter_fields
from chatwarden.service.detection.settings import to_json
from chatwarden.service.detection.shield import BULK_BAN_MAX_USERS, BULK_BAN_MAX_WINDOW_S
from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import ChannelArg, RowId, UserArg
from chatwarden.web.state import services_of

router = APIRouter(tags=["detection"])

_PATCH = Body(description="Only the fields to change; nested objects merge.")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ShieldSwitch(_Body):
    active: bool = Field(description="true: Shield Mode on (applies the preset); false: off.")
    reason: str = Field("", max_length=500)


class BulkBan(_Body):
    phrase: str = Field(min_length=1, max_length=200)
    window_s: int = Field(
        900,
        ge=1,
        le=BULK_BAN_MAX_WINDOW_S,
        description="Look at messages from the last this many seconds.",
    )
    dry_run: bool = Field(True, description="Preview only (the default); false bans.")
    max_users: int = Field(100, ge=1, le=BULK_BAN_MAX_USERS, description="Ban at most this many.")


class SuspiciousFlag(_Body):
    status: Literal["monitored", "restricted"]
    reason: str = Field("", max_length=500)


class NewPolicyList(_Body):
    name: str = Field(min_length=2, max_length=64)
    description: str = Field("", max_length=1000)
    data: str | None = Field(None, max_length=1_000_000, description="Terms to start with.")
    format: Literal["csv", "json"] | None = None


# -- settings -------------------------------------------------------------------------------------


@router.get("/channels/{name}/detection/settings")
def get_detection_settings(channel: ChannelArg, actor: CurrentActor, request: Request) -> Any:
    """All detection settings: ``enabled`` (live detectors), ``detectors`` (spam filters,
    waves, raid, evasion, trust gates, strike ladder), ``shared_bans``, ``offences``."""
    return to_json(services_of(request).detection.get(actor, channel.id))


@router.get("/detection/spam-filters")
def spam_filters(actor: CurrentActor) -> dict[str, Any]:
    """The number settings of each spam filter (``detectors.spam.<filter>``) with the bounds
    the settings API enforces: ``min``, ``exclusive_min``, ``max``, the default and what it
    means. The same for every channel (signed-in users)."""
    del actor  # signed in: the bounds are no secret, but this is no public page
    return spam_filter_fields()


@router.patch("/channels/{name}/detection/settings")
def update_detection_settings(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    patch: Annotated[dict[str, Any], _PATCH],
) -> Any:
    """Change detection settings (lead moderators and the owner)."""
    return to_json(services_of(request).detection.update(actor, channel.id, patch))


@router.get("/channels/{name}/detection/trust")
def get_trust_gates(channel: ChannelArg, actor: CurrentActor, request: Request) -> Any:
    """Trust gates: email/phone verification required of whom, and exempt roles."""
    return to_json(services_of(request).trust.get(actor, channel.id))


@router.patch("/channels/{name}/detection/trust")
def update_trust_gates(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    patch: Annotated[
        dict[str, Any],
        Body(examples=[{"email": {"applies_to": "first_time_chatters"}}]),
    ],
) -> Any:
    return to_json(services_of(request).trust.update(actor, channel.id, patch))


@router.get("/channels/{name}/detection/strikes")
def get_strike_ladder(channel: ChannelArg, actor: CurrentActor, request: Request) -> Any:
    """The strike ladder: ``enabled``, ``steps`` (warn/timeout/ban) and ``expire_s``."""
    return to_json(services_of(request).strikes.get_config(actor, channel.id))


@router.patch("/channels/{name}/detection/strikes")
def update_strike_ladder(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    patch: Annotated[dict[str, Any], Body(examples=[{"enabled": True, "expire_s": 86400}])],
) -> Any:
    return to_json(services_of(request).strikes.update_config(actor, channel.id, patch))


@router.get("/channels/{name}/users/{username}/strikes")
def user_strikes(
    channel: ChannelArg, user: UserArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """A user's active offences here and what the next one would bring."""
    return services_of(request).strikes.user_strikes(actor, channel.id, user.id).to_dict()


@router.put("/channels/{name}/permits/{username}")
def permit_links(
    channel: ChannelArg, user: UserArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """``!permit``: let a chatter post links outside the allow-list for a while."""
    until = services_of(request).spam.permit(actor, channel.id, user.id)
    return {"user_id": user.id, "until": until.isoformat()}


# -- Shield Mode ----------------------------------------------------------------------------------


@router.get("/channels/{name}/shield")
def shield_status(channel: ChannelArg, actor: CurrentActor, request: Request) -> dict[str, Any]:
    """Whether Shield Mode is on, its preset, and what turning it off will restore."""
    return services_of(request).shield.status(actor, channel.id).to_dict()


@router.put("/channels/{name}/shield")
def switch_shield(
    body: ShieldSwitch, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """One click: ``{"active": true}`` applies the preset (saving the current chat modes and
    AutoMod settings); ``{"active": false}`` restores them exactly."""
    shield = services_of(request).shield
    if body.active:
        return shield.activate(actor, channel.id, body.reason).to_dict()
    return shield.deactivate(actor, channel.id, body.reason).to_dict()


@router.patch("/channels/{name}/shield/preset")
def update_shield_preset(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    patch: Annotated[dict[str, Any], Body(examples=[{"slow_mode_s": 30}])],
) -> Any:
    """Edit the preset (lead moderators and the owner)."""
    return to_json(services_of(request).shield.update_preset(actor, channel.id, patch))


@router.post("/channels/{name}/shield/bulk-ban")
def bulk_ban(
    body: BulkBan, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Ban recent chatters whose messages contain a phrase. ``dry_run`` (default) previews."""
    return (
        services_of(request)
        .shield.bulk_ban(
            actor,
            channel.id,
            body.phrase,
            window_s=body.window_s,
            dry_run=body.dry_run,
            max_users=body.max_users,
        )
        .to_dict()
    )


# -- suspicious users -----------------------------------------------------------------------------


@router.get("/channels/{name}/suspicious-users")
def list_suspicious(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    include_cleared: bool = False,
) -> list[dict[str, Any]]:
    """Monitored and restricted users, each with why (``reasons``) and who flagged them."""
    users = services_of(request).suspicious.list_users(
        actor, channel.id, include_cleared=include_cleared
    )
    return [u.to_dict() for u in users]


@router.put("/channels/{name}/suspicious-users/{username}")
def flag_suspicious(
    body: SuspiciousFlag, channel: ChannelArg, user: UserArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Monitor or restrict a user by hand."""
    suspicious = services_of(request).suspicious
    return suspicious.flag(actor, channel.id, user.id, body.status, body.reason).to_dict()


@router.delete(
    "/channels/{name}/suspicious-users/{username}", status_code=status.HTTP_204_NO_CONTENT
)
def clear_suspicious(
    channel: ChannelArg,
    user: UserArg,
    actor: CurrentActor,
    request: Request,
    reason: Annotated[str, Query(max_length=500)] = "",
) -> None:
    """Clear a user: they chat normally and the automatic checks leave them alone."""
    services_of(request).suspicious.clear(actor, channel.id, user.id, reason)


# -- shared ban information -----------------------------------------------------------------------


@router.get("/channels/{name}/sharing")
def list_sharing(
    channel: ChannelArg, actor: CurrentActor, request: Request
) -> list[dict[str, Any]]:
    """Channels this one shares ban information with; ``active`` when both agreed."""
    return [p.to_dict() for p in services_of(request).sharing.list_partners(actor, channel.id)]


@router.put("/channels/{name}/sharing/{partner}")
def agree_sharing(
    partner: str, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Agree to share ban information with ``partner`` (the owner)."""
    return services_of(request).sharing.agree(actor, channel.id, partner).to_dict()


@router.delete("/channels/{name}/sharing/{partner}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_sharing(
    partner: str, channel: ChannelArg, actor: CurrentActor, request: Request
) -> None:
    services_of(request).sharing.revoke(actor, channel.id, partner)


# -- policy lists ---------------------------------------------------------------------------------


@router.get("/policy-lists")
def list_policy_lists(request: Request) -> list[dict[str, Any]]:
    """Every community policy list (anyone may read and export them)."""
    return [p.to_dict() for p in services_of(request).policy_lists.list_all()]


@router.get("/policy-lists/{list_id}")
def get_policy_list(list_id: RowId, request: Request) -> dict[str, Any]:
    return services_of(request).policy_lists.get(list_id).to_dict()


@router.get("/policy-lists/{list_id}/export", response_class=PlainTextResponse)
def export_policy_list(
    list_id: RowId,
    request: Request,
    format: Annotated[Literal["list", "csv", "json"], Query()] = "list",
) -> PlainTextResponse:
    """``list``: ``{"name", "description", "terms"}`` (importable); csv/json: terms only."""
    text = services_of(request).policy_lists.export(list_id, format)
    return PlainTextResponse(text, media_type="text/csv" if format == "csv" else "application/json")


@router.post("/channels/{name}/policy-lists", status_code=status.HTTP_201_CREATED)
def create_policy_list(
    body: NewPolicyList, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Create a list curated by this channel's lead moderators and owner."""
    lists = services_of(request).policy_lists
    return lists.create(
        actor, channel.id, body.name, body.description, body.data, body.format
    ).to_dict()


@router.put("/policy-lists/{list_id}/terms")
def import_policy_list(
    list_id: RowId,
    actor: CurrentActor,
    request: Request,
    data: Annotated[str, Body(media_type="text/plain", max_length=1_000_000)],
    format: Annotated[Literal["csv", "json"] | None, Query()] = None,
) -> dict[str, Any]:
    """Replace the list's terms from an export (list JSON, or terms CSV/JSON)."""
    return services_of(request).policy_lists.import_terms(actor, list_id, data, format).to_dict()


@router.delete("/policy-lists/{list_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_policy_list(list_id: RowId, actor: CurrentActor, request: Request) -> None:
    services_of(request).policy_lists.delete(actor, list_id)


@router.get("/channels/{name}/policy-subscriptions")
def list_policy_subscriptions(
    channel: ChannelArg, actor: CurrentActor, request: Request
) -> list[dict[str, Any]]:
    return [p.to_dict() for p in services_of(request).policy_lists.subscriptions(actor, channel.id)]


@router.put("/channels/{name}/policy-subscriptions/{list_id}")
def subscribe_policy_list(
    list_id: RowId, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Block the list's terms in this channel (updates follow the list)."""
    return services_of(request).policy_lists.subscribe(actor, channel.id, list_id).to_dict()


@router.delete(
    "/channels/{name}/policy-subscriptions/{list_id}", status_code=status.HTTP_204_NO_CONTENT
)
def unsubscribe_policy_list(
    list_id: RowId, channel: ChannelArg, actor: CurrentActor, request: Request
) -> None:
    services_of(request).policy_lists.unsubscribe(actor, channel.id, list_id)
