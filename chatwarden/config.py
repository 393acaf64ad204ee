"""Deployment settings for the chat service, read once from ``CHATWARDEN_*`` environment variables.

``ServiceConfig.from_env()`` validates early; an error names the variable and the bad value.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from chatwarden.errors import ConfigError

ENV_PREFIX = "CHATWARDEN_"
#: where ``serve --demo`` keeps its data unless a database URL is given: never the real one
DEMO_DATABASE_URL = "sqlite:///./chatwarden-demo.db"


class ServiceConfig(BaseModel):
    """How one ChatWarden server runs. Every field can be set as ``CHATWARDEN_<FIELD>``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str = Field(
        "sqlite:///./chatwarden.db",
        description="sqlite:///path.db or postgresql://user@host:port/db (psycopg 3).",
    )
    host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(8000, ge=0, le=65535, description="Port the HTTP server listens on.")
    max_message_length: int = Field(
        500, ge=1, le=10_000, description="Longest chat message in characters."
    )
    review_expiry_seconds: int = Field(
        3600, ge=1, description="How long a held message waits for a moderator before it expires."
    )
    secret_key: SecretStr | None = Field(
        None, description="Server secret; generated once and stored in the database when unset."
    )
    session_ttl_seconds: int = Field(14 * 24 * 3600, ge=60, description="Session lifetime.")
    webhook_max_attempts: int = Field(5, ge=1, le=20, description="Deliveries tried per event.")
    webhook_backoff_seconds: float = Field(
        2.0, gt=0, description="First retry delay; doubles on every attempt."
    )
    webhook_timeout_seconds: float = Field(5.0, gt=0, description="HTTP timeout per delivery.")
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks (CIDR) of your reverse proxies: "
        "only a request from one of them has its X-Forwarded-For/-Proto believed (the client "
        "IP for rate limits and socket caps). Empty (the default): the TCP peer is the client.",
    )
    webhook_allow_private_addresses: bool = Field(
        False,
        description="Let webhook URLs reach loopback, private and link-local addresses "
        "(off: an SSRF guard; turn on only for a trusted receiver on your own network).",
    )
    rate_limit_messages_per_30s: int = Field(
        100, ge=1, description="Messages one chatter may send per 30 s in one channel."
    )
    max_channels_per_account: int = Field(
        20, ge=1, description="Channels one account may own (site admins are not limited)."
    )
    max_terms_per_channel: int = Field(
        5000, ge=1, le=100_000, description="Blocked and permitted terms one channel may hold."
    )
    max_regex_terms_per_channel: int = Field(
        1000,
        ge=0,
        le=10_000,
        description="Regex terms one message is matched against: the channel's, its "
        "subscribed policy lists' and the global list's together.",
    )
    regex_max_mem_mib: int = Field(
        32, ge=1, le=1024, description="RE2 memory budget for one channel's compiled regex set."
    )
    regex_max_program_size: int = Field(
        20_000,
        ge=100,
        description="RE2 instructions in one channel's regex set together (bounds the work per "
        "byte of a message; a word pattern is about 20).",
    )
    regex_compile_budget_s: float = Field(
        1.0, gt=0, description="Longest time compiling one channel's regex set may take."
    )
    automod_engine_cache_size: int = Field(
        512, ge=1, description="AutoMod engines kept in memory (least recently used dropped)."
    )
    automod_slow_ms_per_message: float = Field(
        10.0,
        gt=0,
        description="A channel whose AutoMod engine averages more CPU than this per message "
        "(over at least 16 messages) has it switched off until its terms change: its messages "
        "are held for review instead.",
    )
    argon2_time_cost: int = Field(3, ge=1, description="argon2id passes.")
    argon2_memory_kib: int = Field(65536, ge=8, description="argon2id memory in KiB.")
    argon2_parallelism: int = Field(4, ge=1, le=64, description="argon2id lanes (threads).")
    demo: bool = Field(
        False,
        description="Seed a demo channel and drive chat traffic (in ./chatwarden-demo.db "
        "unless a database URL is set).",
    )
    ws_max_message_bytes: int = Field(
        65_536,
        ge=1024,
        le=16 * 1024 * 1024,
        description="Largest WebSocket message the server reads (valid chat frames are at most "
        "16 KB); a bigger one closes the socket (1009) before it is buffered.",
    )
    ws_anonymous_per_ip: int = Field(
        20, ge=0, description="Open anonymous WebSockets per client IP (0: no limit)."
    )
    ws_per_ip: int = Field(
        200, ge=0, description="Open WebSockets per client IP, logged in or not (0: no limit)."
    )
    http_connections_per_ip: int = Field(
        256,
        ge=0,
        description="Open TCP connections per client IP (HTTP and WebSocket; 0: no limit). "
        "Behind a reverse proxy every client has the proxy's address: raise it or set 0 "
        "and let the proxy limit.",
    )
    http_header_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=300,
        description="A connection must send a request's complete headers within this many "
        "seconds of connecting (or of its previous response), else it is closed (slow-loris).",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for item in filter(None, (v.strip() for v in value.split(","))):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return value

    def proxy_hosts(self) -> list[str]:
        """``trusted_proxies`` as a list of addresses and networks."""
        return [v.strip() for v in self.trusted_proxies.split(",") if v.strip()]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> ServiceConfig:
        """Build from ``CHATWARDEN_*`` variables, then ``overrides`` (e.g. CLI flags)."""
        environ = os.environ if environ is None else environ
        data: dict[str, Any] = {}
        for name in cls.model_fields:
            key = ENV_PREFIX + name.upper()
            if key in environ:
                data[name] = environ[key]
        data.update({k: v for k, v in overrides.items() if v is not None})
        try:
            config = cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{ENV_PREFIX}{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
                f" (got {err.get('input')!r})"
                for err in exc.errors()
            )
            raise ConfigError(f"invalid service configuration: {problems}") from None
        if config.demo and "database_url" not in data:
            # the demo (with its published passwords) never lands in the real database
            config = config.model_copy(update={"database_url": DEMO_DATABASE_URL})
        return config
