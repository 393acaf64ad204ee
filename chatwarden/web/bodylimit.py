"""A cap on request bodies (a pure ASGI middleware): 413 ``too_large`` above ``max_bytes``.

uvicorn reads any body it is sent and FastAPI holds the whole of it in memory before a route
validates it, so without a cap one request can take as much memory as it likes. A declared
``Content-Length`` over the cap is refused before any of the body is read; a chunked body is
counted as it arrives (and handed on once complete) and refused when it passes the cap.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chatwarden.web.csrf import header
from chatwarden.web.errors import send_error

#: The largest body: a terms or policy-list import is at most 1,000,000 characters, which is
#: up to 6 MB as a JSON string of ``\\uXXXX`` escapes; every other body is far smaller.
MAX_BODY_BYTES = 8 * 1024 * 1024


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None:
            if length > self.max_bytes:
                await _too_large(send, self.max_bytes)
                return
            await self.app(scope, receive, send)
            return
        # no Content-Length (chunked): read it all, counting, then replay it to the app
        messages: list[Message] = []
        total = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            total += len(message.get("body", b""))
            if total > self.max_bytes:
                await _too_large(send, self.max_bytes)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    value = header(scope, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


async def _too_large(send: Send, max_bytes: int) -> None:
    message = f"request body larger than {max_bytes} bytes"
    await send_error(send, 413, "too_large", message, close=True)
