"""Context-aware scoring: a message judged with who wrote it, to whom, and what came before.

Pure (no stores, services, bus or web): ``facts`` holds what may be known about a message's
context, ``signals`` turns it into named signals with explanations, ``score`` combines them
with the engine's message-only scores. Live chat, replay and shadow mode fill the same facts.
"""

from chatwarden.context.facts import ChatLine, Context, OwnMessage, Record
from chatwarden.context.score import ContextScore, combine, score_decision
from chatwarden.context.signals import Signal, signals

__all__ = [
    "ChatLine",
    "Context",
    "ContextScore",
    "OwnMessage",
    "Record",
    "Signal",
    "combine",
    "score_decision",
    "signals",
]
