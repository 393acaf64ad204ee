"""Unit tests of the web edge's pieces: frames, rate limits, CSRF, outbox, error mapping."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.types import Receive, Scope, Send

from chatwarden.errors import (
    ChatWardenError,
    Conflict,
    Forbidden,
    InputError,
    NotFound,
    RateLimited,
    Unauthorized,
)
from chatwarden.service import events
from chatwarden.store.channels import ChannelRow
from chatwarden.web.csrf import CSRFMiddleware, derive_csrf_token
from chatwarden.web.errors import error_response, status_for
from chatwarden.web.frames import AckWarningFrame, FrameError, SendFrame, parse_client_frame
from chatwarden.web.outbox import Outbox, encode_event, to_frame
from chatwarden.web.ratelimit import RateLimiter


def test_parse_send_frame() -> None:
    frame = parse_client_frame('{"type":"send","text":"hi","idempotency_key":"k1"}')
    assert isinstance(frame, SendFrame) and frame.text == "hi" and frame.idempotency_key == "k1"
    assert isinstance(parse_client_frame('{"type":"ack_warning"}'), AckWarningFrame)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('{"text": "no type"}', "invalid_frame"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "send", "text": "hi"}', "invalid_field"),
        ('{"type": "send", "text": "", "idempotency_key": "k"}', "invalid_field"),
        ('{"type": "send", "text": 5, "idempotency_key": "k"}', "invalid_field"),
        ('{"type": "ack_warning", "extra": 1}', "invalid_field"),
        ("x" * 20_000, "frame_too_large"),
    ],
)
def test_malformed_frames_get_stable_codes(raw: str, code: str) -> None:
    with pytest.raises(FrameError) as info:
        parse_client_frame(raw)
    assert info.value.code == code
    frame = info.value.to_frame()
    assert frame["type"] == "error" and frame["code"] == code and frame["message"]


def test_rate_limiter_window_and_retry_after() -> None:
    now = [100.0]
    limiter = RateLimiter(2, 10.0, lambda: now[0])
    assert limiter.hit("a") is None and limiter.hit("a") is None
    assert limiter.hit("a") == pytest.approx(10.0)
    assert limiter.hit("b") is None  # keys are independent
    now[0] += 4
    with pytest.raises(RateLimited) as info:
        limiter.check("a", "requests")
    assert info.value.retry_after_s == pytest.approx(6.0)
    now[0] += 6
    assert limiter.hit("a") is None


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (InputError("x"), 400),
        (Unauthorized("x"), 401),
        (Forbidden("x"), 403),
        (NotFound("x"), 404),
        (Conflict("x"), 409),
        (RateLimited("x", 2.5), 429),
        (ChatWardenError("x"), 500),
    ],
)
def test_error_mapping(exc: ChatWardenError, status: int) -> None:
    assert status_for(exc) == status
    response = error_response(exc)
    assert response.status_code == status
    assert json.loads(bytes(response.body)) == {"error": {"code": exc.code, "message": "x"}}
    if status == 429:
        assert response.headers["retry-after"] == "3"


def test_subclass_inherits_status() -> None:
    class ChannelGone(NotFound):
        code = "channel_gone"

    assert status_for(ChannelGone("x")) == 404


def _scope(method: str, headers: dict[str, str]) -> dict[str, object]:
    return {
        "type": "http",
        "method": method,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }


def test_csrf_rules() -> None:
    secret = b"s" * 32

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    mw = CSRFMiddleware(app, lambda token: derive_csrf_token(secret, token))
    good = derive_csrf_token(secret, "cws_abc")
    cookie = f"cw_session=cws_abc; cw_csrf={good}"
    host = {"host": "chat.example"}
    assert mw.problem(_scope("POST", {**host, "cookie": cookie, "x-csrf-token": good})) is None
    assert "missing" in (mw.problem(_scope("POST", {**host, "cookie": cookie})) or "")
    forged = "cw_session=cws_abc; cw_csrf=forged"
    assert mw.problem(_scope("POST", {**host, "cookie": forged, "x-csrf-token": "forged"}))
    # bearer tokens are exempt; requests without a session need no token
    assert mw.problem(_scope("POST", {"authorization": "Bearer cwt_x", "cookie": cookie})) is None
    assert mw.problem(_scope("POST", host)) is None
    # a cross-site Origin is refused even without a session (login CSRF)
    assert mw.problem(_scope("POST", {**host, "origin": "https://evil.example"}))
    assert mw.problem(_scope("POST", {**host, "origin": "https://chat.example"})) is None


def _chat_env(n: int) -> dict[str, object]:
    from datetime import UTC, datetime

    now = datetime(2025, 1, 1, tzinfo=UTC)
    channel = ChannelRow(1, "demo", 2, now, {}, {}, 0, None)
    event = events.chat_message(
        channel,
        message_id=f"m{n}",
        sender_id=3,
        sender_name="alice",
        text=f"hello {n}",
        sent_at=now,
        delivered_at=now,
        badges=[],
    )
    return events.envelope(events.CHAT_MESSAGE, event, now)


def test_outbox_batches_and_encodes_once() -> None:
    env = _chat_env(1)
    assert encode_event(env) is encode_event(env)
    assert to_frame(env)["type"] == "message" and to_frame(env)["text"] == "hello 1"

    async def run() -> tuple[str, str]:
        box = Outbox()
        box.put(encode_event(env))
        single = await box.next_text()
        box.put(encode_event(_chat_env(2)))
        box.put(encode_event(_chat_env(3)))
        return single, await box.next_text()

    single, batch = asyncio.run(run())
    assert json.loads(single)["text"] == "hello 1"
    frames = json.loads(batch)
    assert frames["type"] == "batch" and [f["text"] for f in frames["frames"]] == [
        "hello 2",
        "hello 3",
    ]


def test_outbox_with_max_batch_one_sends_frames_as_they_are() -> None:
    """The EventSub socket's frames are Twitch's, never wrapped in a ``batch``."""

    async def run() -> list[str]:
        box = Outbox()
        for n in (1, 2):
            box.put_frame({"metadata": {"message_id": str(n)}})
        return [await box.next_text(max_batch=1) for _ in range(2)]

    assert [json.loads(t) for t in asyncio.run(run())] == [
        {"metadata": {"message_id": "1"}},
        {"metadata": {"message_id": "2"}},
    ]


def test_outbox_overflow_sends_resync() -> None:
    async def run() -> dict[str, object]:
        box = Outbox(limit=3)
        for n in range(5):
            box.put(encode_event(_chat_env(n)))
        return dict(json.loads(await box.next_text()))

    out = run()
    frames = asyncio.run(out)["frames"]
    assert isinstance(frames, list) and frames[0]["type"] == "resync"
