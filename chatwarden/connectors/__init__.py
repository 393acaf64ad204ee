"""Connectors: ChatWarden moderating the chats people already use (issue 17).

``base.py`` is the interface every platform implements (messages in as ``InboundMessage``,
``rules.effects`` values out through a per-platform applier); ``runner.py`` wires a connector to
the chat service's one decision path; ``irc/`` is the IRC connector with the Twitch dialect.
Connectors are an edge, like ``web/``: they call services and never import the web or the
stores (import-linter contract ``connectors-edge``). See docs/connectors.md.
"""
