"""The ChatWarden error hierarchy: every error has a stable code and a clear message.

``describe_validation_errors`` is the one way a pydantic validation error becomes such a message.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from typing import Any


class ChatWardenError(Exception):
    """Base class; ``code`` is stable and safe to show to a user or an API client."""

    code = "chatwarden_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class ConfigError(ChatWardenError):
    """Settings or a settings file are invalid; the message names the key and the bad value."""

    code = "config_error"


class InputError(ChatWardenError):
    """Input data (a message, a term, a file) is invalid."""

    code = "invalid_input"


class ModelError(ChatWardenError):
    """The bundled or a trained model cannot be loaded."""

    code = "model_error"


class Unauthorized(ChatWardenError):
    """No valid session or token (unknown, expired or revoked), or bad credentials (HTTP 401)."""

    code = "unauthorized"


class Forbidden(ChatWardenError):
    """The actor is known but not allowed to do this here (HTTP 403)."""

    code = "forbidden"


class NotFound(ChatWardenError):
    """The channel, user, message or item does not exist (HTTP 404)."""

    code = "not_found"


class Conflict(ChatWardenError):
    """The thing changed under the caller: already resolved, already exists (HTTP 409)."""

    code = "conflict"


class Unavailable(ChatWardenError):
    """A feature this server cannot serve now: not configured, or a service it needs (a mail
    server) failed (HTTP 503)."""

    code = "unavailable"


class RateLimited(ChatWardenError):
    """Too many requests; ``retry_after_s`` says when to try again (HTTP 429)."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def validation_problems(
    errors: Iterable[Mapping[str, Any]],
    *,
    prefix: str = "",
    skip: int = 0,
    ignore: Container[object] = (),
    root: str = "<root>",
    env: bool = False,
) -> list[tuple[str, str, object]]:
    """``(where, message, input)`` for each error of a pydantic ``ValidationError.errors()``.

    ``where`` is the error's location after its first ``skip`` parts, less the parts in
    ``ignore``, joined with dots (``root`` when nothing is left) and put after ``prefix``;
    ``env=True`` writes it as an environment variable instead (``CHATWARDEN_WEB_COOKIE_SECURE``
    for ``prefix="CHATWARDEN_"`` and the location ``("web", "cookie_secure")``).
    """
    out = []
    for err in errors:
        parts = [str(p) for p in tuple(err.get("loc", ()))[skip:] if p not in ignore]
        if env:
            where = prefix + "_".join(parts).upper()
        else:
            where = prefix + ".".join(parts) if parts else root
        out.append((where, str(err.get("msg", "")), err.get("input")))
    return out


def describe_validation_errors(
    errors: Iterable[Mapping[str, Any]],
    *,
    show_input: bool = True,
    prefix: str = "",
    skip: int = 0,
    root: str = "<root>",
    env: bool = False,
) -> str:
    """One line naming every problem of a pydantic validation error, with the bad value unless
    ``show_input=False``: ``"port: Input should be a valid integer... (got 'lots')"``. The other
    options are ``validation_problems``'s."""
    problems = validation_problems(errors, prefix=prefix, skip=skip, root=root, env=env)
    return "; ".join(
        f"{where}: {message}" + (f" (got {value!r})" if show_input else "")
        for where, message, value in problems
    )
