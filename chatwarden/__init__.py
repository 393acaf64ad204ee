"""ChatWarden: a self-hostable community-health stack for live chat."""

from chatwarden.categories import CATEGORIES, Category
from chatwarden.decision import Action, Decision, Reason, Span
from chatwarden.errors import ChatWardenError, ConfigError, InputError
from chatwarden.pipeline import AutoMod
from chatwarden.settings import AutoModSettings, Role

__version__ = "0.1.0"

__all__ = [
    "CATEGORIES",
    "Action",
    "AutoMod",
    "AutoModSettings",
    "Category",
    "ChatWardenError",
    "ConfigError",
    "Decision",
    "InputError",
    "Reason",
    "Role",
    "Span",
    "__version__",
]
