"""Channel health analytics and shadow mode over HTTP (moderators view; lead moderators and the
owner configure shadow mode), plus the charting library's JavaScript for Mod View."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chatwarden.errors import InputError, NotFound
from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import ChannelArg
from chatwarden.web.state import services_of

router = APIRouter(tags=["health analytics"])
assets = APIRouter(include_in_schema=False)

#: plotly.js as shipped inside the installed ``plotly`` Python package (offline, no CDN)
PLOTLY_JS = Path(str(files("plotly").joinpath("package_data", "plotly.min.js")))

#: Health windows lie between these: a window near the years 1 or 9999 made the bucket
#: arithmetic overflow (a 500); no chat is that old, and none that new.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _in_calendar(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is not None and not EARLIEST <= value <= LATEST:
        raise InputError(f"times must lie between {EARLIEST.date()} and {LATEST.date()}")
    return value  # a time without a zone is refused by the service, naming the field


Start = Annotated[
    datetime | None,
    Query(description="ISO 8601 with a time zone; default: end minus 60 buckets"),
    AfterValidator(_in_calendar),
]
End = Annotated[
    datetime | None,
    Query(description="ISO 8601 with a time zone; default: now"),
    AfterValidator(_in_calendar),
]
Res = Annotated[Literal["minute", "hour", "day"], Query()]


@router.get("/channels/{name}/health")
def health_series(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    start: Start = None,
    end: End = None,
    resolution: Res = "minute",
) -> dict[str, Any]:
    """The channel's health metrics per bucket (definitions: docs/analytics.md)."""
    return services_of(request).analytics.series(actor, channel.id, start, end, resolution)


@router.get("/channels/{name}/health/export")
def health_export(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    format: Literal["csv", "parquet"] = "csv",
    start: Start = None,
    end: End = None,
    resolution: Res = "minute",
) -> Response:
    """The series as a CSV or Parquet download (one row per bucket, ``name.key`` columns)."""
    data, media, filename = services_of(request).analytics.export(
        actor, channel.id, format, start, end, resolution
    )
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/health/compare", responses={404: {"description": "No channel by a name given."}})
def health_compare(
    actor: CurrentActor,
    request: Request,
    metric: str = "messages_per_min",
    channels: Annotated[
        str | None,
        Query(description="Comma-separated channel names; default: every channel you moderate"),
    ] = None,
    start: Start = None,
    end: End = None,
    resolution: Res = "hour",
) -> dict[str, Any]:
    """One metric over time for several channels (e.g. ``held_rate``, ``harm_rate.bullying``)."""
    services = services_of(request)
    ids = None
    if channels is not None:
        names = [n.strip() for n in channels.split(",") if n.strip()]
        if not names or len(names) > 20:
            raise InputError("name 1 to 20 channels")
        ids = [services.channels.get_channel_by_name(n).id for n in names]
    return services.analytics.compare(actor, metric, ids, start, end, resolution)


class ShadowConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidate_settings: dict[str, Any] | None = Field(
        None,
        description="AutoMod settings to try: overall_level, levels, vip_exempt, terms "
        "(absent keys keep the live value).",
        examples=[{"overall_level": 3}],
    )
    candidate_model: str | None = Field(
        None, description="A model name this server registered (e.g. 'bundled')."
    )
    enabled: bool = True


@router.get("/channels/{name}/shadow")
def get_shadow(channel: ChannelArg, actor: CurrentActor, request: Request) -> dict[str, Any]:
    """The channel's shadow-mode candidate (``config`` null when none was set)."""
    services = services_of(request)
    return {
        "config": services.shadow.get_config(actor, channel.id),
        "models": services.shadow.model_names,
    }


@router.put("/channels/{name}/shadow")
def put_shadow(
    channel: ChannelArg, actor: CurrentActor, request: Request, body: ShadowConfig
) -> dict[str, Any]:
    """Set the candidate; it is evaluated on the messages stored from now on, without effects."""
    return services_of(request).shadow.configure(
        actor,
        channel.id,
        candidate_settings=body.candidate_settings,
        candidate_model=body.candidate_model,
        enabled=body.enabled,
    )


@router.delete("/channels/{name}/shadow")
def delete_shadow(channel: ChannelArg, actor: CurrentActor, request: Request) -> dict[str, Any]:
    """Stop evaluating (the results so far stay)."""
    config = services_of(request).shadow.disable(actor, channel.id)
    if config is None:
        raise NotFound("this channel has no shadow-mode candidate")
    return config


@router.get("/channels/{name}/shadow/results")
def shadow_results(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    start: Start = None,
    end: End = None,
    resolution: Res = "hour",
) -> dict[str, Any]:
    """Disagreement rate, agreement of each policy with the moderators, and samples."""
    return services_of(request).shadow.results(actor, channel.id, start, end, resolution)


@assets.get("/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    """plotly.js from the installed Python package, cached for a day."""
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )
