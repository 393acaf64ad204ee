"""A small synchronous client for ChatWarden's pre-check: "allow, hold or block?" before a game
or app shows a message (issue 17, "a filter in front of any chat").

It is an edge like ``web/`` and ``connectors/`` but outside the server: it talks HTTP only and
never imports the services, stores or web code (import-linter contract ``client-edge``), so an
application can vendor this one file with ``httpx`` as its sole dependency. The connection is
kept alive between checks, which is what makes a per-message check cheap (see
``bench/precheck.py``). The token is sent as a bearer header and never appears in a repr,
an exception message or a log line. See docs/connectors.md, "Filter in front of any chat".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote

import httpx

__all__ = [
    "ChatWardenClient",
    "ChatWardenError",
    "ConnectionFailed",
    "Forbidden",
    "InvalidRequest",
    "NotFound",
    "RateLimited",
    "ServerError",
    "Unauthorized",
    "Verdict",
]

#: The scope an API token needs for ``check`` (``service.permissions.SCOPE_OF[PRECHECK]``); the
#: token's account must also be a moderator, lead moderator or the owner of the channel.
PRECHECK_SCOPE = "moderation:read"

Action = Literal["allow", "hold", "block"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What AutoMod would do with a viewer's message, as the server decided it.

    ``allow``: show it. ``hold``: keep it back for a moderator (or drop it, if the application
    has no review step). ``block``: never show it (a blocked term matched). ``reasons`` are the
    server's explanations (category and level, or the term; an owner's private terms show as
    ``term: None`` to anyone but the owner); ``categories`` are the model's scores per category.
    """

    action: Action
    reasons: tuple[dict[str, Any], ...] = ()
    categories: dict[str, float] = field(default_factory=dict)
    harm: float = 0.0

    @property
    def allowed(self) -> bool:
        return self.action == "allow"

    @classmethod
    def from_response(cls, body: dict[str, Any]) -> Verdict:
        """The verdict in a ``POST /channels/{name}/automod/check`` answer."""
        action = body.get("action")
        if action not in ("allow", "hold", "block"):
            raise ChatWardenError(f"unexpected action {action!r} in the server's answer")
        decision = body.get("decision") or {}
        return cls(
            action=action,
            reasons=tuple(decision.get("reasons") or ()),
            categories={str(k): float(v) for k, v in (decision.get("categories") or {}).items()},
            harm=float(decision.get("harm") or 0.0),
        )


class ChatWardenError(Exception):
    """Anything the client could not turn into a verdict. ``status``: the HTTP status, if any;
    ``code``: the server's error code (``{"error": {"code", "message"}}``), if any."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class InvalidRequest(ChatWardenError):
    """400/422: the text was refused (empty, too long, control characters) or malformed."""


class Unauthorized(ChatWardenError):
    """401: the token is wrong, expired or revoked."""


class Forbidden(ChatWardenError):
    """403: the token lacks the ``moderation:read`` scope, or its account does not moderate
    the channel."""


class NotFound(ChatWardenError):
    """404: no such channel."""


class RateLimited(ChatWardenError):
    """429: too many checks. ``retry_after_s``: the server's ``Retry-After``, when it sent one."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.retry_after_s = retry_after_s


class ServerError(ChatWardenError):
    """5xx, or an answer that is not the documented JSON."""


class ConnectionFailed(ChatWardenError):
    """The server could not be reached, or did not answer within the timeout."""


_BY_STATUS: dict[int, type[ChatWardenError]] = {
    400: InvalidRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    422: InvalidRequest,
    429: RateLimited,
}


class ChatWardenClient:
    """``ChatWardenClient(base_url, token).check(channel, text)`` -> ``Verdict``.

    ``base_url``: the server's root, e.g. ``https://chat.example.org`` (``/api/v1`` is added).
    ``token``: an API token (``cw_...``) with the ``moderation:read`` scope, created by a
    moderator of the channel (``POST /api/v1/tokens``). ``timeout``: seconds per request.
    Use it as a context manager, or call ``close()``, to release the kept-alive connection.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float = 5.0,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not token:
            raise ValueError("token is required")
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url + "/api/v1",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def __repr__(self) -> str:  # never the token
        return f"ChatWardenClient({self.base_url!r})"

    def __enter__(self) -> ChatWardenClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def check(self, channel: str, text: str) -> Verdict:
        """Would ``text`` from a viewer be allowed, held or blocked in ``channel``?

        Nothing is sent to the chat and nothing is queued: this only asks. Raises a
        ``ChatWardenError`` subclass when the server refuses or cannot be reached.
        """
        path = f"/channels/{quote(channel, safe='')}/automod/check"
        try:
            response = self._http.post(path, json={"text": text})
        except httpx.TimeoutException as exc:
            raise ConnectionFailed(f"no answer from {self.base_url} in time") from exc
        except httpx.HTTPError as exc:
            raise ConnectionFailed(f"cannot reach {self.base_url}: {type(exc).__name__}") from exc
        if response.status_code == 200:
            try:
                body = response.json()
            except ValueError as exc:
                raise ServerError("the server's answer is not JSON", status=200) from exc
            return Verdict.from_response(body)
        raise _error_for(response)


def _error_for(response: httpx.Response) -> ChatWardenError:
    """The exception for a non-200 answer, with the server's code and message when it sent
    the documented ``{"error": {...}}`` body."""
    status = response.status_code
    code: str | None = None
    message = f"HTTP {status}"
    try:
        error = response.json().get("error") or {}
        code = error.get("code")
        message = f"HTTP {status}: {error.get('message') or code or response.reason_phrase}"
    except (ValueError, AttributeError):
        pass
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else ChatWardenError)
    if cls is RateLimited:
        return RateLimited(
            message,
            status=status,
            code=code,
            retry_after_s=_retry_after(response.headers.get("Retry-After")),
        )
    return cls(message, status=status, code=code)


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (ChatWarden sends delta-seconds; an HTTP date is ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
