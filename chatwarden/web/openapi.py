"""The OpenAPI document tells the truth about errors: every status an operation can answer.

FastAPI documents the success status and 422 only. The error statuses come from a few places
that are the same for every route, so they are derived here from each route's shape instead of
written by hand on each one:

- a logged-in caller (``current_actor`` in the dependency tree): 401 (no or bad credentials),
  403 (the permission table or a token's scopes), 429 (the per-user request limit);
- the per-IP login and sign-up limiters (``limit_by_ip``, ``limit_signups_by_ip``): 429;
- an unsafe method (POST, PUT, PATCH, DELETE): 403 (the CSRF middleware), 409 (a write that
  conflicts with the current state) when a caller is logged in;
- a path parameter (a channel, a user, a row id): 404;
- any parameter or body: 400 (the services' ``invalid_input``) and 422 (request validation);
- every ``/api/v1`` operation: 400 for a NUL character anywhere in the request (``inputs.py``);
- a body: 413 (``bodylimit.py``).

A route that answers another error (the login form's 401, a 404 for a name in the query)
declares it with FastAPI's ``responses=``; it gets the same ``Error`` body here.

Every error has the same body, ``{"error": {"code", "message"}}`` (``errors.py``), documented
once as the ``Error`` schema. ``tests/security/test_api_fuzz.py`` checks that the server answers
only documented statuses.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from chatwarden.web.auth import current_actor, limit_by_ip, limit_signups_by_ip
from chatwarden.web.inputs import refuse_nul

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

DESCRIPTIONS = {
    400: "Invalid input (`invalid_input`): the service refused a value.",
    401: "Not logged in, or the session or API token is unknown, expired or revoked.",
    403: "Not allowed: the caller's role or token scopes, a ban, or a failed CSRF check "
    "(`csrf_failed`: send `X-CSRF-Token` with a session cookie).",
    404: "No such channel, user or row (an id no row can have is 404 too).",
    409: "Conflicts with the current state (already resolved, already exists, ...).",
    413: "Request body too large (`too_large`).",
    422: "The request does not match this operation's parameters or body (`invalid_request`, "
    "with `problems`).",
    429: "Rate limited (`rate_limited`); `Retry-After` says when to retry.",
}

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable."},
                "message": {"type": "string", "description": "For people."},
                "problems": {
                    "type": "array",
                    "description": "422 only: one entry per invalid field.",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        }
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _has_params(dependant: Dependant) -> bool:
    if dependant.path_params or dependant.query_params or dependant.header_params:
        return True
    if dependant.cookie_params or dependant.body_params:
        return True
    return any(_has_params(sub) for sub in dependant.dependencies)


def _has_path_params(dependant: Dependant) -> bool:
    return bool(dependant.path_params) or any(_has_path_params(s) for s in dependant.dependencies)


def error_statuses(dependant: Dependant, methods: set[str], has_body: bool) -> set[int]:
    """The error statuses a route can answer (see the module docstring for why each)."""
    calls = set(_calls(dependant))
    logged_in = current_actor in calls
    unsafe = bool(methods - SAFE_METHODS)
    out: set[int] = set()
    if logged_in:
        out |= {401, 403, 429}
    if limit_by_ip in calls or limit_signups_by_ip in calls:
        out.add(429)
    if unsafe:
        out.add(403)
        if logged_in:
            out.add(409)
    if _has_path_params(dependant):
        out.add(404)
    if _has_params(dependant):
        out |= {400, 422}
    if refuse_nul in calls:
        out.add(400)
    if has_body:
        out |= {400, 413, 422}
    return out


def document_errors(schema: dict[str, Any], routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """Add every route's error statuses, with the ``Error`` body, to ``schema`` (in place)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for route in iter_route_contexts(routes):  # included routers hold their routes lazily
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        methods: set[str] = set(route.methods or ())
        statuses = error_statuses(route.dependant, methods, route.body_field is not None)
        item = schema.get("paths", {}).get(route.path_format, {})
        for method in methods:
            operation = item.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            declared = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
            for status in sorted(statuses | declared):
                # a route's own ``responses=`` description wins; FastAPI's 422 does not
                response = responses.get(str(status), {}) if status != 422 else {}
                responses[str(status)] = {
                    "description": response.get("description") or DESCRIPTIONS.get(status, ""),
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
    # FastAPI's own 422 body (``detail``) is not what ``errors.py`` sends: drop its schemas
    components = schema["components"]["schemas"]
    for name in ("HTTPValidationError", "ValidationError"):
        if name in components and f"/{name}" not in json.dumps(schema["paths"]):
            del components[name]
    return schema


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) document every error status."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(build(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
