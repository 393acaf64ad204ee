"""The deployment settings: one typed object, read once from ``CHATWARDEN_*`` environment variables.

``ServiceConfig.from_env()`` is the only reader of the environment. The commands call it once
(``chatwarden serve``, ``db``, ``export``) and pass the object down: ``build_services(config)``
hands ``config.analytics`` to the analytics and shadow services, ``create_app(services)`` uses
``config.web`` and ``config.metrics_token``. It validates early; an error names the variable and
the bad value. ``docs/configuration.md`` is generated from the fields' descriptions
(``chatwarden config docs``).

Top-level fields are ``CHATWARDEN_<FIELD>``; a section's fields are
``CHATWARDEN_<SECTION>_<FIELD>`` (``CHATWARDEN_WEB_COOKIE_SECURE``).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from chatwarden.errors import ConfigError, describe_validation_errors

ENV_PREFIX = "CHATWARDEN_"
#: the model registry's folder name in the deployment's data folder
DEFAULT_MODEL_REGISTRY = "chatwarden-models"


def _comma_list(value: object) -> object:
    """``"a, b,,c"`` -> ``["a", "b", "c"]`` (environment variables hold lists this way)."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


class WebSettings(BaseModel):
    """How the HTTP edge behaves (section ``web``: ``CHATWARDEN_WEB_<FIELD>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cookie_secure: bool = Field(
        False,
        description="Mark the session cookie Secure (set it when serving over HTTPS).",
    )
    allowed_origins: frozenset[str] = Field(
        default_factory=frozenset,
        description="Comma-separated extra origins (besides the server's own) allowed to make "
        "cookie-authenticated unsafe requests and WebSockets.",
    )
    api_requests: int = Field(
        1200, ge=1, description="API requests per client (user, else IP) per api_window_s."
    )
    api_window_s: float = Field(60.0, gt=0, description="Window of api_requests in seconds.")
    auth_requests: int = Field(
        20,
        ge=1,
        description="Login and registration attempts per IP per auth_window_s (slows password "
        "guessing).",
    )
    auth_window_s: float = Field(60.0, gt=0, description="Window of auth_requests in seconds.")
    login_failures_per_account: int = Field(
        10,
        ge=1,
        description="Failed logins per account per login_failures_window_s, from any address "
        "(then 429 until the window passes).",
    )
    login_failures_window_s: float = Field(
        300.0, gt=0, description="Window of login_failures_per_account in seconds."
    )
    ws_frames_per_s: int = Field(
        200,
        ge=1,
        description="WebSocket frames a client may send per second before it gets "
        "rate_limited errors.",
    )
    tick_interval_s: float = Field(
        1.0,
        gt=0,
        description="How often the services' periodic work runs (review expiry, delayed chat, "
        "webhooks, analytics).",
    )

    @field_validator("cookie_secure", mode="before")
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        return False if isinstance(value, str) and not value.strip() else value

    _origins = field_validator("allowed_origins", mode="before")(_comma_list)


class AnalyticsSettings(BaseModel):
    """How the health analytics roll-up and shadow mode run (section ``analytics``:
    ``CHATWARDEN_ANALYTICS_<FIELD>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Run the roll-up and shadow mode in the tick.")
    grace_s: float = Field(
        5.0, ge=0, description="A minute is finished this long after it ends (commit skew)."
    )
    max_minutes_per_tick: int = Field(
        60, ge=1, description="Most minutes rolled up in one transaction (one stretch)."
    )
    max_rounds_per_tick: int = Field(
        24, ge=1, description="Stretches of max_minutes_per_tick one channel rolls per tick."
    )
    budget_s: float = Field(
        0.5, gt=0, description="No new stretch starts once a tick's roll-up ran this long."
    )
    return_gap_s: int = Field(
        3600,
        ge=0,
        description="A first-time chatter 'comes back' with a message at least this many "
        "seconds later...",
    )
    return_window_days: int = Field(7, ge=1, description="... and at most this many days later.")
    shadow_interval_s: float = Field(
        10.0, ge=0, description="Shadow candidates run at most this often (larger batches)."
    )
    shadow_models: dict[str, str] = Field(
        default_factory=dict,
        description="Candidate models by name: a model directory each ('bundled' is built in), "
        "written name=/path/to/model,other=/path.",
    )

    @field_validator("shadow_models", mode="before")
    @classmethod
    def _pairs(cls, value: object) -> object:
        if isinstance(value, str):
            pairs = [p.partition("=") for p in value.split(",") if p.strip()]
            return {k.strip(): v.strip() for k, _, v in pairs}
        return value


class BusSettings(BaseModel):
    """Scale-out over Redis (section ``bus``: ``CHATWARDEN_BUS_<FIELD>``; docs/scaling.md).
    With no ``url`` (the default) everything runs in one process, as before."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        "",
        description="redis://host:port/db of the Redis that carries messages between gateways "
        "and workers (`serve --bus`, `worker --bus`). Empty: one process, in-memory bus.",
    )
    key_prefix: str = Field(
        "cw:", min_length=1, description="Prefix of every Redis key (one per deployment)."
    )
    shards: int = Field(
        16,
        ge=1,
        le=4096,
        description="Message streams; a channel's stream is its id mod shards. Every gateway "
        "and worker of a deployment must agree; more shards than workers lets them balance.",
    )
    stream_max_len: int = Field(
        100_000,
        ge=1,
        description="Unfinished messages one shard's stream may hold; beyond, senders get a "
        "chat_overloaded error (HTTP 429) instead of a silent drop.",
    )
    claim_idle_ms: int = Field(
        30_000,
        ge=10,
        description="A message pending this long with its worker (dead or failing) is taken "
        "over by the shard's owner (XAUTOCLAIM).",
    )
    max_deliveries: int = Field(
        5,
        ge=1,
        description="Failed attempts to decide a message alone (a worker that dies during one "
        "counts; takeovers from a killed worker do not) after which it goes to the "
        "dead-letter stream (the key prefix + 'dead') for operators.",
    )
    lease_ttl_ms: int = Field(
        10_000,
        ge=100,
        description="A worker's lease on a shard lasts this long unless renewed (every third "
        "of it); a dead worker's shards are taken over after it.",
    )
    worker_batch: int = Field(
        256, ge=1, le=10_000, description="Messages a worker reads and decides at once."
    )
    answer_timeout_s: float = Field(
        30.0,
        gt=0,
        description="How long a gateway waits for a worker's decision before telling the "
        "sender it is still pending (it is kept; a resend with the same key gets it).",
    )

    events_max_len: int = Field(
        1000,
        ge=10,
        le=1_000_000,
        description="Events kept per channel (about; Redis MAXLEN ~) in its events stream, "
        "from which a client reconnecting to any gateway with its last event's seq receives "
        "what it missed (at most 1,000 events; more, and it reloads).",
    )
    events_ttl_s: float = Field(
        3600.0,
        gt=0,
        description="A channel's events stream is deleted this long after its last event (a "
        "client away longer reloads instead of resuming).",
    )

    metrics_port: int = Field(
        0,
        ge=0,
        le=65535,
        description="Port on which `chatwarden worker` serves /metrics (Prometheus), /livez "
        "and /readyz (`--metrics-port`). 0: none.",
    )
    metrics_host: str = Field(
        "127.0.0.1",
        min_length=1,
        description="Address the worker's metrics port binds (`--metrics-host`); /metrics "
        "asks for CHATWARDEN_METRICS_TOKEN when that is set.",
    )

    @field_validator("url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value


class SmtpSettings(BaseModel):
    """Email verification mail (section ``smtp``: ``CHATWARDEN_SMTP_<FIELD>``; docs/operating.md).
    With no ``host`` (the default) no mail is sent: sign-up works, email verification is
    reported as unavailable, and a site admin can still mark an account's email verified."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(
        "", description="SMTP server that sends verification mail. Empty: verification is off."
    )
    port: int = Field(587, ge=1, le=65535, description="SMTP port (587 STARTTLS, 465 TLS).")
    security: Literal["starttls", "tls", "none"] = Field(
        "starttls",
        description="starttls (upgrade a plain connection), tls (TLS from the start, usually "
        "port 465) or none (plain text: only for a relay on the same host or network).",
    )
    username: str = Field("", description="SMTP login; empty: send without logging in.")
    password: SecretStr | None = Field(None, description="SMTP password (never logged or shown).")
    from_address: str = Field(
        "",
        validate_default=True,
        description="The From: address of verification mail (needed when host is set).",
    )
    public_base_url: str = Field(
        "",
        validate_default=True,
        description="The site's address as viewers reach it, e.g. https://chat.example.org: "
        "the verification link starts with it (needed when host is set).",
    )
    timeout_s: float = Field(
        10.0, gt=0, le=120, description="Longest wait for the SMTP server, per step."
    )
    token_ttl_s: int = Field(
        86_400, ge=60, description="A verification link works for this many seconds."
    )
    resend_interval_s: int = Field(
        60, ge=0, description="Least time between two verification mails to one account."
    )
    mails_per_day: int = Field(
        10, ge=1, description="Most verification mails one account may get in 24 hours."
    )

    @field_validator("host", "from_address", "username")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// or http://")
        return value

    @field_validator("from_address", "public_base_url")
    @classmethod
    def _needed(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("host") and not value:
            raise ValueError("must be set when host is set")
        return value

    @property
    def enabled(self) -> bool:
        """Whether verification mail can be sent (an SMTP host is configured)."""
        return bool(self.host)

    def password_value(self) -> str:
        return self.password.get_secret_value() if self.password is not None else ""

    def summary(self) -> str:
        """One line for the server's start: where verification mail goes, or that it cannot."""
        if not self.enabled:
            return (
                "email verification unavailable: no SMTP server (CHATWARDEN_SMTP_HOST); "
                "site admins verify addresses by hand"
            )
        return (
            f"email verification: mail through {self.host}:{self.port} ({self.security}), "
            f"links to {self.public_base_url}"
        )


#: where ``serve --demo`` keeps its data unless a database URL is given: never the real one
DEMO_DATABASE_URL = "sqlite:///./chatwarden-demo.db"


class ServiceConfig(BaseModel):
    """How one ChatWarden server runs: every field can be set as ``CHATWARDEN_<FIELD>``, a
    section's fields as ``CHATWARDEN_<SECTION>_<FIELD>``."""

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
    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token a scraper must send for /metrics. Unset or empty: only "
        "loopback clients not behind a reverse proxy are answered.",
    )
    connector_keys: SecretStr | None = Field(
        None,
        description="Comma-separated Fernet keys that encrypt connector credentials at rest "
        "(`chatwarden connect key` makes one): the first encrypts, every one decrypts, so a "
        "new key goes first and an old one stays until `chatwarden connect rekey` has run. "
        "Unset (and no connector_keys_file): connections with a credential cannot be added.",
    )
    connector_keys_file: str = Field(
        "",
        description="A file holding the connector keys instead, one a line, the newest first "
        "(readable by ChatWarden alone; blank lines and lines starting with '#' are skipped).",
    )
    model_registry: str = Field(
        "",
        description="Folder of the model registry: trained model versions and which one is "
        "live (`chatwarden model`; docs/operating.md). Empty: chatwarden-models/ next to the "
        "SQLite database file, or in the working directory for PostgreSQL.",
    )
    web: WebSettings = Field(default_factory=WebSettings, description="The HTTP edge.")
    analytics: AnalyticsSettings = Field(
        default_factory=AnalyticsSettings, description="Health analytics and shadow mode."
    )
    bus: BusSettings = Field(
        default_factory=BusSettings, description="Scale-out over Redis (docs/scaling.md)."
    )
    smtp: SmtpSettings = Field(
        default_factory=SmtpSettings, description="Email verification mail (docs/operating.md)."
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

    def model_registry_dir(self) -> Path:
        """Where the model registry lives (``model_registry``, else the deployment's data
        folder: the SQLite file's folder, or the working directory)."""
        if self.model_registry:
            return Path(self.model_registry)
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            database = Path(self.database_url[len(prefix) :].partition("?")[0])
            return database.parent / DEFAULT_MODEL_REGISTRY
        return Path(DEFAULT_MODEL_REGISTRY)

    def connector_key_values(self) -> list[str]:
        """The connector keys, the one that encrypts first: ``connector_keys`` and then the
        lines of ``connector_keys_file`` (a ``ConfigError`` naming the file, never a key, when
        it cannot be read)."""
        keys: list[str] = []
        if self.connector_keys is not None:
            keys += [k.strip() for k in self.connector_keys.get_secret_value().split(",")]
        if self.connector_keys_file:
            try:
                text = Path(self.connector_keys_file).read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(
                    f"{ENV_PREFIX}CONNECTOR_KEYS_FILE {self.connector_keys_file!r}: cannot be "
                    f"read ({exc.strerror or type(exc).__name__})"
                ) from None
            keys += [line.strip() for line in text.splitlines() if not line.startswith("#")]
        return [k for k in keys if k]

    def metrics_token_value(self) -> str:
        """The /metrics bearer token, ``""`` when none is set."""
        return self.metrics_token.get_secret_value() if self.metrics_token is not None else ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> ServiceConfig:
        """Build from ``CHATWARDEN_*`` variables, then ``overrides`` (e.g. CLI flags)."""
        environ = os.environ if environ is None else environ
        data: dict[str, Any] = {}
        for name, key in env_names(cls):
            if key in environ:
                data[name] = environ[key]
        for section, model in SECTIONS.items():
            values = {n: environ[k] for n, k in env_names(model, section) if k in environ}
            if values:
                data[section] = values
        for key, value in overrides.items():
            if value is None:
                continue
            if key in SECTIONS and isinstance(value, Mapping):  # merged into the section
                value = {**data.get(key, {}), **{k: v for k, v in value.items() if v is not None}}
            data[key] = value
        try:
            config = cls.model_validate(data)
        except ValidationError as exc:
            problems = describe_validation_errors(exc.errors(), prefix=ENV_PREFIX, env=True)
            raise ConfigError(f"invalid service configuration: {problems}") from None
        if config.demo and "database_url" not in data:
            # the demo (with its published passwords) never lands in the real database
            config = config.model_copy(update={"database_url": DEMO_DATABASE_URL})
        return config


#: the fields of ``ServiceConfig`` that are sections (settings of their own, with a prefix)
SECTIONS: dict[str, type[BaseModel]] = {
    "web": WebSettings,
    "analytics": AnalyticsSettings,
    "bus": BusSettings,
    "smtp": SmtpSettings,
}


def named_secret(name: str) -> str | None:
    """The value of the environment variable ``name`` an operator named on the command line
    for a secret (a connector's password: ``chatwarden connect --password-env VAR``); None when
    it is unset or empty. This module is the one place that reads the environment."""
    return os.environ.get(name) or None


#: The platform endpoints an operator may point elsewhere (a proxy, a test double); the
#: connectors' own defaults are Twitch's and Discord's documented URLs.
PLATFORM_URL_VARIABLES = frozenset(
    {
        f"{ENV_PREFIX}TWITCH_EVENTSUB_URL",
        f"{ENV_PREFIX}TWITCH_HELIX_URL",
        f"{ENV_PREFIX}TWITCH_TOKEN_URL",
        f"{ENV_PREFIX}DISCORD_GATEWAY_URL",
        f"{ENV_PREFIX}DISCORD_API_URL",
    }
)


def platform_url(variable: str, default: str) -> str:
    """The URL in the environment variable ``variable`` (one of ``PLATFORM_URL_VARIABLES``),
    else ``default``."""
    if variable not in PLATFORM_URL_VARIABLES:
        raise ValueError(f"{variable} is not a platform URL setting")
    return os.environ.get(variable) or default


def env_names(model: type[BaseModel], section: str = "") -> list[tuple[str, str]]:
    """``(field, environment variable)`` for each setting of ``model`` (a section's under its
    prefix), sections left out."""
    prefix = f"{ENV_PREFIX}{section.upper()}_" if section else ENV_PREFIX
    return [
        (name, prefix + name.upper())
        for name in model.model_fields
        if not (model is ServiceConfig and name in SECTIONS)
    ]
