"""``web/bodylimit.py``: bodies over the cap are 413 before the app holds them in memory."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from chatwarden.web.bodylimit import MAX_BODY_BYTES, BodyLimitMiddleware
from tests.web.harness import LiveServer, World

CAP = 1000


async def echo_length(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers the number of body bytes it received."""
    if scope["type"] != "http":
        return
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = str(size).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with LiveServer(BodyLimitMiddleware(echo_length, max_bytes=CAP)) as live:
        yield f"http://127.0.0.1:{live.port}"


def chunks(total: int, size: int = 100) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def test_a_body_within_the_cap_reaches_the_app(base_url: str) -> None:
    assert httpx.post(base_url, content=b"x" * CAP).text == str(CAP)
    assert httpx.post(base_url, content=chunks(CAP)).text == str(CAP)  # chunked
    assert httpx.get(base_url).text == "0"


def test_a_declared_length_over_the_cap_is_413(base_url: str) -> None:
    r = httpx.post(base_url, content=b"x" * (CAP + 1))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"


def test_a_chunked_body_over_the_cap_is_413(base_url: str) -> None:
    r = httpx.post(base_url, content=chunks(CAP * 50))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"


def test_the_app_refuses_a_huge_import_with_413(world: World) -> None:
    owner = world["owner"]
    url = "/api/v1/channels/main/automod/terms/import"
    headers = {"Content-Type": "text/plain"}
    r = owner.http.post(url, content=b"a" * (MAX_BODY_BYTES + 1), headers=headers)
    assert r.status_code == 413, r.text
    # the largest import the route accepts still fits under the cap
    r = owner.http.post(url, content="bananas\n" + "#" * 999_000, headers=headers)
    assert r.status_code != 413, r.text
