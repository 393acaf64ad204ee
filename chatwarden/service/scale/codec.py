"""What travels on the streams: a ``SendRequest`` to a worker, and its answer back.

Versioned JSON (``"v": 1``), short keys: an entry is written and read once per message, and
its size is what a full stream holds in Redis's memory. An entry always carries an idempotency
key (the gateway makes one when the sender gave none), because the key is what makes a
redelivered entry a no-op: the messages table's unique (channel, sender, key) turns the second
decision into a replay of the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from chatwarden import errors
from chatwarden.errors import ChatWardenError, RateLimited
from chatwarden.ids import new_uuid7
from chatwarden.service.types import Actor, SendRequest, SendResult

VERSION = 1

#: prefix of the keys a gateway makes for messages sent without one (34 characters in all)
GATEWAY_KEY_PREFIX = "g:"


@dataclass(frozen=True, slots=True)
class Envelope:
    """A request on a stream: who to answer (``gateway``, ``ref``) and when it was accepted."""

    request: SendRequest
    gateway: str
    ref: str
    sent_at: float  # Unix seconds at the gateway: send -> decision latency


def with_key(request: SendRequest) -> SendRequest:
    """``request`` with an idempotency key (its own, else a new unique one)."""
    if request.idempotency_key is not None:
        return request
    key = GATEWAY_KEY_PREFIX + new_uuid7().replace("-", "")
    return SendRequest(
        request.actor,
        request.channel_id,
        request.text,
        key,
        request.device_fingerprint,
        request.network_fingerprint,
    )


def encode_request(envelope: Envelope) -> bytes:
    req, actor = envelope.request, envelope.request.actor
    scopes = None if actor.scopes is None else sorted(actor.scopes)
    return orjson.dumps(
        {
            "v": VERSION,
            "g": envelope.gateway,
            "r": envelope.ref,
            "t": envelope.sent_at,
            "a": [actor.user_id, actor.username, actor.is_admin, scopes],
            "c": req.channel_id,
            "x": req.text,
            "k": req.idempotency_key,
            "d": req.device_fingerprint,
            "n": req.network_fingerprint,
        }
    )


def decode_request(data: bytes) -> Envelope:
    """The entry's envelope; ``ValueError`` (or ``KeyError``/``TypeError``) if it is not one."""
    doc = orjson.loads(data)
    if not isinstance(doc, dict) or doc.get("v") != VERSION:
        raise ValueError("not a version-1 chat entry")
    user_id, username, is_admin, scopes = doc["a"]
    actor = Actor(
        int(user_id), str(username), bool(is_admin), None if scopes is None else frozenset(scopes)
    )
    request = SendRequest(
        actor, int(doc["c"]), str(doc["x"]), str(doc["k"]), doc.get("d"), doc.get("n")
    )
    return Envelope(request, str(doc["g"]), str(doc["r"]), float(doc["t"]))


def encode_answer(
    ref: str, result: SendResult | ChatWardenError, sent_at: float, decided_at: float
) -> list[Any]:
    """``[ref, sent_at, decided_at, result-or-error]`` (no decision: senders never see it)."""
    if isinstance(result, ChatWardenError):
        retry = result.retry_after_s if isinstance(result, RateLimited) else None
        body: dict[str, Any] = {"error": [result.code, result.message, retry]}
    else:
        body = {
            "ok": [
                result.status,
                result.message_id,
                result.reason,
                result.detail,
                result.retry_after_s,
                result.replayed,
            ]
        }
    return [ref, sent_at, decided_at, body]


def decode_answer(item: list[Any]) -> tuple[str, float, float, SendResult | ChatWardenError]:
    ref, sent_at, decided_at, body = item
    if "error" in body:
        code, message, retry = body["error"]
        return str(ref), float(sent_at), float(decided_at), error_of(code, message, retry)
    status, message_id, reason, detail, retry_after, replayed = body["ok"]
    result = SendResult(status, message_id, reason, detail, retry_after, None, bool(replayed))
    return str(ref), float(sent_at), float(decided_at), result


def error_of(code: str, message: str, retry_after_s: float | None) -> ChatWardenError:
    """The error class with ``code`` (so the web maps it to the same status), else the base."""
    for cls in _subclasses(ChatWardenError):
        if cls.code == code:
            if issubclass(cls, RateLimited):
                return cls(message, retry_after_s)
            try:
                return cls(message)
            except TypeError:  # a subclass with other arguments
                break
    err = errors.ChatWardenError(message)
    err.code = code
    return err


def _subclasses(cls: type[ChatWardenError]) -> list[type[ChatWardenError]]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out
