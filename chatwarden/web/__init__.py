"""The HTTP and WebSocket edge: parse, call one service, format. ``create_app(services)``."""

from chatwarden.web.app import create_app
from chatwarden.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
