"""``GET /livez`` and ``GET /readyz``: probes for a process manager or a load balancer.

Both are unauthenticated and outside the per-user rate limit (they take no credentials), and
say nothing secret. ``/livez`` touches nothing: the process answers HTTP. ``/readyz`` answers
200 only when the database answers and, on a gateway (``serve --bus``), Redis answers too;
otherwise 503 naming what failed (``service/health/readiness.py``, which reuses a report for a
second so probes cannot load the database).
"""

from __future__ import annotations

from typing import Any, Literal, cast

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from chatwarden.service.health.readiness import Readiness, ReadinessReport

router = APIRouter(tags=["operations"])

NO_STORE = {"Cache-Control": "no-store"}


class Live(BaseModel):
    status: Literal["live"] = "live"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    checks: dict[str, str] = Field(
        description="Each dependency (database; redis with --bus) and 'ok'.",
        examples=[{"database": "ok", "redis": "ok"}],
    )


def readiness_of(request: Request) -> Readiness:
    return cast(Readiness, request.app.state.readiness)


def not_ready_body(report: ReadinessReport) -> dict[str, Any]:
    """The 503 body: the usual error shape, plus each check's result."""
    failed = ", ".join(report.failed)
    return {
        "error": {"code": "not_ready", "message": f"not ready: {failed} did not answer"},
        "checks": report.checks,
    }


@router.get("/livez", response_model=Live)
def livez() -> JSONResponse:
    """The process is up (nothing else is checked)."""
    return JSONResponse(Live().model_dump(), headers=NO_STORE)


@router.get(
    "/readyz",
    response_model=Ready,
    responses={
        503: {
            "description": "A dependency did not answer (`not_ready`); `checks` names each "
            "one's result (`ok` or the error's class)."
        }
    },
)
def readyz(request: Request) -> JSONResponse:
    """Ready for traffic: the database answers (and Redis, on a gateway)."""
    report = readiness_of(request).check()
    if report.ready:
        return JSONResponse(Ready(checks=report.checks).model_dump(), headers=NO_STORE)
    return JSONResponse(not_ready_body(report), status_code=503, headers=NO_STORE)
