"""Accounts, sessions (cookies for people) and API tokens (bearer, for bots)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response, status

from chatwarden.errors import Unauthorized
from chatwarden.service.platform.accounts import SESSION_PREFIX
from chatwarden.web.auth import (
    CurrentActor,
    clear_session_cookies,
    credentials,
    limit_by_ip,
    limit_signups_by_ip,
    set_session_cookies,
)
from chatwarden.web.csrf import derive_csrf_token
from chatwarden.web.routes.deps import RowId, UserArg
from chatwarden.web.schemas import Credentials, NewToken, Verification
from chatwarden.web.state import edge_of, services_of

router = APIRouter(tags=["accounts"])


@router.post(
    "/accounts", status_code=status.HTTP_201_CREATED, dependencies=[Depends(limit_signups_by_ip)]
)
def register(body: Credentials, request: Request) -> dict[str, Any]:
    """Create an account (username 3-25 letters, digits or ``_``; password 8+ characters)."""
    return services_of(request).accounts.register(body.username, body.password).to_dict()


@router.post(
    "/sessions",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(limit_by_ip)],
    responses={401: {"description": "Wrong username or password."}},
)
def login(body: Credentials, request: Request, response: Response) -> dict[str, Any]:
    """Log in: sets the ``cw_session`` (HttpOnly) and ``cw_csrf`` cookies.

    Send the ``csrf_token`` back in the ``X-CSRF-Token`` header on POST/PUT/PATCH/DELETE.
    """
    edge = edge_of(request)
    account = f"account:{body.username.casefold()}"
    edge.account_limiter.refuse(account, "failed logins for this account")
    try:
        session = edge.services.accounts.login(body.username, body.password)
    except Unauthorized:
        edge.account_limiter.hit(account)  # only failures count: no lock-out by logging in
        raise
    csrf_token = derive_csrf_token(edge.csrf_secret, session.token)
    set_session_cookies(
        response,
        token=session.token,
        csrf_token=csrf_token,
        expires_at=session.expires_at,
        now=edge.services.clock.now(),
        secure=edge.settings.cookie_secure,
    )
    return {
        "user": session.user.to_dict(),
        "expires_at": session.expires_at.isoformat(),
        "csrf_token": csrf_token,
    }


@router.delete("/sessions/current", status_code=status.HTTP_204_NO_CONTENT)
def logout(actor: CurrentActor, request: Request, response: Response) -> None:
    """Log out: the session that authenticated this request (the ``cw_session`` cookie or a
    session token sent as ``Authorization: Bearer``) ends on the server and the cookies are
    cleared. An API token is not a session: revoke it with ``DELETE /tokens/{id}``."""
    found = credentials(request.headers, request.cookies)
    if found is not None and found[0].startswith(SESSION_PREFIX):
        services_of(request).accounts.logout(found[0])
    clear_session_cookies(response, secure=edge_of(request).settings.cookie_secure)


@router.get("/me")
def me(actor: CurrentActor, request: Request) -> dict[str, Any]:
    """The caller's account (and, for an API token, its scopes)."""
    user = services_of(request).accounts.get_user(actor.user_id).to_dict()
    scopes = None if actor.scopes is None else sorted(actor.scopes)
    return {**user, "scopes": scopes}


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
def create_token(body: NewToken, actor: CurrentActor, request: Request) -> dict[str, Any]:
    """Create an API token with scopes; the token is shown once."""
    accounts = services_of(request).accounts
    return accounts.create_api_token(actor, body.name, body.scopes, body.expires_in_s).to_dict()


@router.get("/tokens")
def list_tokens(actor: CurrentActor, request: Request) -> list[dict[str, Any]]:
    """The caller's API tokens (a logged-in session, or a token with ``tokens:manage``)."""
    return [t.to_dict() for t in services_of(request).accounts.list_api_tokens(actor)]


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: RowId, actor: CurrentActor, request: Request) -> None:
    """Revoke one of the caller's API tokens (a session, or a token with ``tokens:manage``)."""
    services_of(request).accounts.revoke_api_token(actor, token_id)


@router.patch("/users/{username}/verification")
def set_verification(
    body: Verification, user: UserArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Set email/phone-verified flags (site admins only)."""
    accounts = services_of(request).accounts
    return accounts.set_verified(
        actor, user.id, email=body.email_verified, phone=body.phone_verified
    ).to_dict()
