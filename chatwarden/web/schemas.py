"""Request bodies (pydantic). Responses are the services' ``to_dict()`` output."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chatwarden.errors import InputError
from chatwarden.service.platform.rules import MAX_RULE_LENGTH, MAX_RULES, clean_rules
from chatwarden.settings import Role

#: The longest an API token may live: ten years.
MAX_TOKEN_LIFE_S = 10 * 365 * 86_400


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Credentials(_Body):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class NewToken(_Body):
    name: str = Field(max_length=100)
    scopes: list[str] = Field(max_length=16)
    #: at most ten years (an unbounded value overflowed the expiry date: a 500)
    expires_in_s: int | None = Field(None, ge=1, le=MAX_TOKEN_LIFE_S)


class Verification(_Body):
    email_verified: bool | None = None
    phone_verified: bool | None = None


class EmailAddress(_Body):
    email: str = Field(max_length=254)


class EmailToken(_Body):
    token: str = Field(max_length=128)


class NewChannel(_Body):
    name: str = Field(max_length=64)


class RoleChange(_Body):
    role: Role


class Subscription(_Body):
    subscribed: bool


class ChatSend(_Body):
    text: str = Field(max_length=10_000)
    idempotency_key: str = Field(min_length=1, max_length=64)
    device_fingerprint: str | None = Field(
        None, max_length=512, description="Optional device signal (stored only as a keyed hash)."
    )
    network_fingerprint: str | None = Field(
        None, max_length=512, description="Optional network signal (stored only as a keyed hash)."
    )


class TextCheck(_Body):
    text: str = Field(max_length=10_000)


class Resolution(_Body):
    action: Literal["allow", "deny"]


class LearningFrozen(_Body):
    frozen: bool


class LearningRollback(_Body):
    version: int = Field(ge=1, le=2**31 - 1)


class Settlement(_Body):
    """A lead moderator's verdict on a disagreement: a channel rule from a held message."""

    item_id: int = Field(ge=1, le=2**31 - 1)  # an integer column on PostgreSQL
    action: Literal["allow", "deny"]


class Reason(_Body):
    reason: str = Field("", max_length=500)


class TimeoutAction(_Body):
    duration_s: int = Field(ge=1, le=1_209_600)
    reason: str = Field("", max_length=500)


class ChannelRules(_Body):
    """The channel's whole rule list, in order (it replaces the old one; ``[]`` clears it)."""

    rules: list[str] = Field(
        max_length=MAX_RULES,
        description=f"At most {MAX_RULES} rules, each 1 to {MAX_RULE_LENGTH} characters.",
        examples=[["Be kind", "No spoilers", "English in chat"]],
    )

    @field_validator("rules")
    @classmethod
    def _clean(cls, rules: list[str]) -> list[str]:
        # the service's own check, here too, so every refusal is a 422 naming the rule
        try:
            return clean_rules(rules)
        except InputError as exc:
            raise ValueError(str(exc)) from None


class NewNote(_Body):
    text: str = Field(max_length=1000)


class NewUnbanRequest(_Body):
    text: str = Field(max_length=1000)


class UnbanResolution(_Body):
    decision: Literal["approve", "deny"]
    note_to_user: str = Field("", max_length=1000)
    private_note: str = Field("", max_length=1000)


_EXPIRES = Field(
    None,
    description="Seconds until the term expires (60 to 2592000: Twitch offers 1 hour, 1 day, "
    "7 days, 30 days); null: never.",
)


class NewTerm(_Body):
    text: str = Field(max_length=500)
    kind: Literal["blocked", "permitted"] = "blocked"
    private: bool = False
    is_regex: bool = False
    expires_in_s: int | None = _EXPIRES


class NewTerms(_Body):
    """Several terms of one kind at once; each line's problem is reported, the rest added."""

    texts: list[str] = Field(min_length=1, max_length=500)
    kind: Literal["blocked", "permitted"] = "blocked"
    private: bool = False
    is_regex: bool = False
    expires_in_s: int | None = _EXPIRES


class NewWebhook(_Body):
    url: str = Field(max_length=2000)
    secret: str = Field(min_length=10, max_length=100)
    types: list[str] = Field(min_length=1, max_length=32)
