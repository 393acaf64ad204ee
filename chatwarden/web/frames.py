"""Chat WebSocket frames: what a client may send, parsed strictly, and the server's frame shapes.

Every frame is one JSON object with a ``type``. A frame the server cannot use gets an
``{"type": "error", "code": ..., "message": ...}`` reply and the socket stays open.

Client frames:
    {"type": "send", "text": "...", "idempotency_key": "...",
     "device_fingerprint": "...", "network_fingerprint": "..."}   (both optional)
    {"type": "ack_warning"}
    {"type": "ping"}

Server frames (``type``): ``welcome``, ``message``, ``sent``, ``held``, ``blocked``, ``rejected``,
``notice``, ``moderation``, ``message_deleted``, ``settings``, ``queue`` (moderators only),
``resync``, ``pong``, ``error``. When several frames are ready for one client at once the
server may send them together as ``{"type": "batch", "frames": [...]}``, oldest first.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from chatwarden import jsoncodec
from chatwarden.errors import describe_validation_errors

MAX_FRAME_BYTES = 16_384


class SendFrame(BaseModel):
    """Post a chat message; a resend with the same key returns the first result."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["send"]
    text: str = Field(min_length=1, max_length=10_000)
    idempotency_key: str = Field(min_length=1, max_length=128)
    device_fingerprint: str | None = Field(None, max_length=512)  # optional; hashed at ingest
    network_fingerprint: str | None = Field(None, max_length=512)


class AckWarningFrame(BaseModel):
    """Acknowledge a moderator's warning so the sender may chat again."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["ack_warning"]


class PingFrame(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["ping"]


ClientFrame = Annotated[SendFrame | AckWarningFrame | PingFrame, Field(discriminator="type")]
_CLIENT_FRAME: TypeAdapter[SendFrame | AckWarningFrame | PingFrame] = TypeAdapter(ClientFrame)
_KNOWN_TYPES = ("send", "ack_warning", "ping")


class FrameError(Exception):
    """A client frame that cannot be used; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def to_frame(self) -> dict[str, Any]:
        return error_frame(self.code, self.message)


def parse_client_frame(raw: str | bytes) -> SendFrame | AckWarningFrame | PingFrame:
    """Parse one client frame or raise ``FrameError`` with a stable code.

    Codes: ``frame_too_large``, ``invalid_json``, ``invalid_frame`` (not an object or no
    string ``type``), ``unknown_type``, ``invalid_field``.
    """
    if len(raw) > MAX_FRAME_BYTES:
        raise FrameError("frame_too_large", f"frames are limited to {MAX_FRAME_BYTES} bytes")
    try:
        data = jsoncodec.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FrameError("invalid_json", f"frame is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise FrameError("invalid_frame", 'a frame is a JSON object with a string "type"')
    if data["type"] not in _KNOWN_TYPES:
        raise FrameError(
            "unknown_type",
            f"unknown frame type {data['type']!r}; expected one of {', '.join(_KNOWN_TYPES)}",
        )
    try:
        return _CLIENT_FRAME.validate_python(data)
    except ValidationError as exc:
        # the first part of a location is the frame type (a tagged union)
        problems = describe_validation_errors(exc.errors(), skip=1, root="frame", show_input=False)
        raise FrameError("invalid_field", problems) from None


def error_frame(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, **extra}
