"""The server process settings shared by ``chatwarden serve`` and bench/service_load.py."""

from __future__ import annotations

import gc

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from chatwarden.config import ServiceConfig
from chatwarden.web.runtime import tune_gc, uvicorn_options


def test_uvicorn_options_turn_compression_off_and_use_the_sansio_protocol() -> None:
    options = uvicorn_options()
    assert issubclass(options["ws"], WebSocketsSansIOProtocol)  # behind guard.py
    assert issubclass(options["http"], HttpToolsProtocol)
    assert options["ws_per_message_deflate"] is False
    assert options["loop"] == "auto"
    assert options["ws_max_size"] == ServiceConfig().ws_max_message_bytes


def test_tune_gc_freezes_start_up_objects_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    try:
        tune_gc(12_345)
        assert gc.get_threshold() == (12_345, before[1], before[2])
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
