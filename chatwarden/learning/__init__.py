"""Learning from a channel's moderators: their decisions move the channel's AutoMod, in bounds.

(7) in the path of a message: a moderator's allow/deny of a held message and a manual action on
a delivered one are labels; ``learn_shifts`` turns a channel's labelled outcomes into a shift of
each category's level (``LevelShifts``), which the engine applies on top of the owner's levels
(``AutoModSettings.learned``). Pure: outcomes, levels and the model's thresholds in, shifts and
their explanations out, so live chat, replay and shadow mode apply the same learned state.
"""

from chatwarden.learning.shifts import (
    MAX_SHIFT,
    LevelShifts,
    Outcome,
    Shift,
    default_floors,
    learn_shifts,
)

__all__ = [
    "MAX_SHIFT",
    "LevelShifts",
    "Outcome",
    "Shift",
    "default_floors",
    "learn_shifts",
]
