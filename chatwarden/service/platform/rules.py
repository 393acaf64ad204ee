"""A channel's rules: a short ordered list of one-line rules that the owner and lead moderators
write. Viewers read them on the chat page; moderators pick one as the reason of a timeout or a
ban, so the mod log says which rule was broken in the channel's own words.

Pure: checking a list is kept apart from storing it (``ChannelService.set_rules``).
"""

from __future__ import annotations

from collections.abc import Sequence

from chatwarden.errors import InputError

#: at most this many rules: a list a viewer reads at a glance and a menu a moderator scans
MAX_RULES = 20
#: characters per rule: one line in a menu, and well under a reason's 500
MAX_RULE_LENGTH = 200


def clean_rules(rules: object) -> list[str]:
    """``rules`` as stored: each stripped, in the given order; raises ``InputError`` for a
    non-list, a non-string, an empty or over-long rule, a duplicate or more than
    ``MAX_RULES``. Blank rules are refused rather than dropped, so what was sent is what is
    kept."""
    if isinstance(rules, str) or not isinstance(rules, Sequence):
        raise InputError("rules must be a list of strings")
    if len(rules) > MAX_RULES:
        raise InputError(f"a channel has at most {MAX_RULES} rules, got {len(rules)}")
    out: list[str] = []
    for n, rule in enumerate(rules, start=1):
        if not isinstance(rule, str):
            raise InputError(f"rule {n} must be a string")
        text = " ".join(rule.split())  # one line: a rule is shown in menus and toasts
        if not text:
            raise InputError(f"rule {n} is empty")
        if len(text) > MAX_RULE_LENGTH:
            raise InputError(f"rule {n} is {len(text)} characters; the limit is {MAX_RULE_LENGTH}")
        if text.casefold() in (r.casefold() for r in out):
            raise InputError(f"rule {n} repeats an earlier rule")
        out.append(text)
    return out
