"""Private terms: who may read them, and the one function that hides them from everyone else.

The owner's private blocked terms (and RE2 patterns) explain AutoMod's decisions in many places:
the pre-check, the mod log, review items, the policy preview, exports. The services keep the
full explanation and redact it on the way out, by the reader's role, with ``redact``: a private
term's text becomes ``None``; the words a message matched stay (the team needs to see what was
caught, not the list that caught it).

The settings version is hidden too: it is a hash of the whole settings, private terms included,
so a reader who knows every other setting could test guesses of a private term against it offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from chatwarden.service.permissions import SCOPE_OF, Permission, can
from chatwarden.service.types import Actor
from chatwarden.settings import Role

J = TypeVar("J")

#: the keys that hold a term's own text in a reason (``term``) or a term row (``text``)
_TERM_KEYS = ("term", "text")
#: keys whose value is derived from the private terms (a hash over the settings)
_DERIVED_KEYS = ("settings_version",)
#: the ``kind`` of the mappings that describe a term: reasons and term rows
_TERM_KINDS = frozenset({"blocked_term", "blocked_pattern", "blocked", "permitted"})


def sees_private_terms(actor: Actor, role: Role) -> bool:
    """The owner (and site admins); an API token also needs the scope that manages them."""
    perm = Permission.MANAGE_PRIVATE_TERMS
    return actor.has_scope(SCOPE_OF[perm]) and can(role, perm, is_admin=actor.is_admin)


def redact(value: J, reveal: bool) -> J:
    """``value`` (JSON-like: a decision, reasons, mod-log details, a summary) with the text of
    every private term replaced by ``None`` unless ``reveal``. Returns new containers."""
    return value if reveal else cast(J, _hide(value))


def _hide(value: Any) -> Any:
    if isinstance(value, Mapping):
        out = {k: _hide(v) for k, v in value.items()}
        for key in _DERIVED_KEYS:
            if key in out:
                out[key] = None
        if out.get("private") is True and out.get("kind") in _TERM_KINDS:
            for key in _TERM_KEYS:
                if key in out:
                    out[key] = None
        return out
    if isinstance(value, list):
        return [_hide(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_hide(v) for v in value)
    return value
