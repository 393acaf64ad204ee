"""The HTTP and WebSocket edge: parse, call one service, format. ``create_app(services)``."""

from chatwarden.config import WebSettings
from chatwarden.web.app import create_app

__all__ = ["WebSettings", "create_app"]
