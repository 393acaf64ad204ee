"""Email verification: the caller's address, a new link by mail, and following a link."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from chatwarden.web.auth import CurrentActor, limit_by_ip
from chatwarden.web.schemas import EmailAddress, EmailToken
from chatwarden.web.state import services_of

router = APIRouter(tags=["accounts"])


@router.get("/me/email")
def email_status(actor: CurrentActor, request: Request) -> dict[str, Any]:
    """The caller's address, whether it is verified, and whether this server can mail a
    verification link (``verification_available``; ``resend_in_s`` until the next may go)."""
    return services_of(request).emails.status(actor).to_dict()


@router.put("/me/email")
def change_email(body: EmailAddress, actor: CurrentActor, request: Request) -> dict[str, Any]:
    """Add or change the caller's address (a logged-in session only). A new address is
    unverified; a verification link is mailed when the server can (``mail_sent``, ``message``)."""
    return services_of(request).emails.change_email(actor, body.email).to_dict()


@router.post(
    "/me/email/verification",
    responses={
        409: {"description": "No address yet, already verified, or no mail server is set up."},
        429: {"description": "A link was mailed too recently (Retry-After)."},
        503: {"description": "The mail server failed."},
    },
)
def resend(actor: CurrentActor, request: Request) -> dict[str, Any]:
    """Mail a new verification link to the caller's unverified address (rate limited)."""
    return services_of(request).emails.resend(actor).to_dict()


@router.post(
    "/email/verify",
    dependencies=[Depends(limit_by_ip)],
    responses={400: {"description": "Unknown, used, expired or stale link (the code says)."}},
)
def verify(body: EmailToken, request: Request) -> dict[str, Any]:
    """Follow a verification link (no login needed: the token is the proof). Codes:
    ``email_token_invalid``, ``email_token_used``, ``email_token_expired``,
    ``email_token_stale``."""
    return services_of(request).emails.verify(body.token).to_dict()
