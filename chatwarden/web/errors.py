"""The one place where errors become HTTP responses: ``{"error": {"code", "message"}}``.

Services raise the ``ChatWardenError`` hierarchy; this module maps each class to a status
code (looked up along the class's MRO, so a subclass inherits its parent's status). Request
validation errors and Starlette's own HTTP errors get the same body shape, so a client
parses exactly one error format.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from chatwarden.errors import (
    ChatWardenError,
    ConfigError,
    Conflict,
    Forbidden,
    InputError,
    ModelError,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    validation_problems,
)
from chatwarden.extras import MissingExtra

log = logging.getLogger("chatwarden.web")

#: Error class -> HTTP status; a subclass not listed takes its nearest listed ancestor's.
STATUS_BY_ERROR: dict[type[ChatWardenError], int] = {
    InputError: 400,
    ConfigError: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
    Unavailable: 503,
    ModelError: 500,
    MissingExtra: 501,  # an optional feature whose extra is not installed (e.g. Parquet)
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}


def status_for(exc: ChatWardenError) -> int:
    """The HTTP status for a service error (500 for a class the table does not know)."""
    for cls in type(exc).__mro__:
        status = STATUS_BY_ERROR.get(cls)
        if status is not None:
            return status
    return 500


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


async def send_error(
    send: Send, status: int, code: str, message: str, *, close: bool = False
) -> None:
    """Answer with the error body from a pure ASGI middleware (``close``: and drop the
    connection, for a request whose body was not read)."""
    body = json.dumps(error_body(code, message)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def error_response(exc: ChatWardenError) -> JSONResponse:
    status = status_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited) and exc.retry_after_s is not None:
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after_s)))
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="chatwarden"'
    return JSONResponse(error_body(exc.code, exc.message), status_code=status, headers=headers)


async def _chatwarden_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ChatWardenError)
    return error_response(exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"field": where, "message": message}
        for where, message, _ in validation_problems(exc.errors(), ignore={"body"}, root="")
    ]
    summary = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems)
    return JSONResponse(
        error_body("invalid_request", summary or "invalid request", problems=problems),
        status_code=422,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(exc.detail)),
        status_code=exc.status_code,
        headers=dict(exc.headers or {}),
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal_error", "internal server error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register every mapping on ``app``; called once by ``create_app``."""
    app.add_exception_handler(ChatWardenError, _chatwarden_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
