"""What travels on the streams: requests and answers survive the trip, errors keep their class."""

from __future__ import annotations

import orjson
import pytest

from chatwarden.bus.redis_streams import StreamFull
from chatwarden.errors import ChatWardenError, Conflict, Forbidden, InputError, RateLimited
from chatwarden.service.scale.codec import (
    GATEWAY_KEY_PREFIX,
    Envelope,
    decode_answer,
    decode_request,
    encode_answer,
    encode_request,
    error_of,
    with_key,
)
from chatwarden.service.types import Actor, SendRequest, SendResult

ALICE = Actor(7, "alice", False, frozenset({"chat:write"}))


def test_a_request_survives_the_trip_with_its_envelope() -> None:
    req = SendRequest(ALICE, 3, "hi ✨", "k", "device", "network")
    env = decode_request(encode_request(Envelope(req, "gw", "ref", 12.5)))
    assert env == Envelope(req, "gw", "ref", 12.5)
    person = SendRequest(Actor(8, "bob"), 3, "x", "k2")  # a session: every scope (None)
    assert decode_request(encode_request(Envelope(person, "g", "r", 0.0))).request == person


def test_every_entry_gets_a_unique_key_but_the_senders_own_is_kept() -> None:
    mine = SendRequest(ALICE, 1, "x", "mine")
    assert with_key(mine) is mine
    one, two = with_key(SendRequest(ALICE, 1, "x")), with_key(SendRequest(ALICE, 1, "x"))
    assert one.idempotency_key != two.idempotency_key
    for key in (one.idempotency_key, two.idempotency_key):
        assert key is not None and key.startswith(GATEWAY_KEY_PREFIX) and len(key) <= 64


@pytest.mark.parametrize(
    "data", [b"not json", b"[]", b'{"v": 2}', b'{"v": 1, "a": [1]}', orjson.dumps({"v": 1})]
)
def test_what_is_not_a_request_raises(data: bytes) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        decode_request(data)


def test_answers_survive_the_trip() -> None:
    ok = SendResult("held", "m1", "held_for_review", "detail", None, None, True)
    ref, sent, decided, result = decode_answer(
        orjson.loads(orjson.dumps(encode_answer("r", ok, 1.0, 2.0)))
    )
    assert (ref, sent, decided, result) == ("r", 1.0, 2.0, ok)
    for err in (InputError("bad"), Forbidden("no"), Conflict("taken")):
        back = decode_answer(encode_answer("r", err, 1.0, 2.0))[3]
        assert type(back) is type(err) and back.message == err.message
    limited = decode_answer(encode_answer("r", RateLimited("slow", 3.5), 0, 0))[3]
    assert isinstance(limited, RateLimited) and limited.retry_after_s == 3.5
    full = decode_answer(encode_answer("r", StreamFull("full", 1.0), 0, 0))[3]
    assert isinstance(full, StreamFull) and full.code == "chat_overloaded"


def test_an_unknown_error_code_keeps_its_code_and_message() -> None:
    err = error_of("from_a_newer_worker", "something new", None)
    assert type(err) is ChatWardenError and (err.code, err.message) == (
        "from_a_newer_worker",
        "something new",
    )
