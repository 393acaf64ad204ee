"""Secrets encrypted at rest: connector credentials are stored as Fernet tokens, never as text.

Fernet (``cryptography``) is AES-128-CBC with HMAC-SHA256 over a versioned, timestamped token:
a token that was changed, or made with another key, fails to open instead of decrypting to
garbage. Several keys make rotation possible (``MultiFernet``): the first encrypts, each one is
tried to decrypt, and ``reseal`` re-encrypts a token with the first. The keys come from the
deployment settings (``connector_keys``, ``connector_keys_file``); a ``SecretBox`` never shows
them, nor what it encrypts, in its ``repr`` or in an error.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from chatwarden.config import ServiceConfig
from chatwarden.errors import ConfigError

NO_KEY = (
    "no connector key is configured: set CHATWARDEN_CONNECTOR_KEYS (or "
    "CHATWARDEN_CONNECTOR_KEYS_FILE) to a key from `chatwarden connect key`; credentials are "
    "never stored unencrypted"
)


class SecretBoxError(ConfigError):
    """A stored secret cannot be opened with the configured keys (a wrong or retired key)."""

    code = "secret_unreadable"


def generate_key() -> str:
    """A new random key (32 bytes, URL-safe base64), as the settings take it."""
    return Fernet.generate_key().decode("ascii")


class SecretBox:
    """Encrypts with the first key; decrypts with any of them."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ConfigError(NO_KEY)
        fernets = []
        for n, key in enumerate(keys, 1):
            try:
                fernets.append(Fernet(key.encode("ascii")))
            except (ValueError, UnicodeEncodeError):
                raise ConfigError(
                    f"connector key {n} of {len(keys)} is not a Fernet key (32 bytes in "
                    "URL-safe base64; `chatwarden connect key` makes one)"
                ) from None
        self._fernet = MultiFernet(fernets)
        self.key_count = len(fernets)

    @classmethod
    def from_config(cls, config: ServiceConfig) -> SecretBox | None:
        """The box of the deployment's keys; None when none is configured."""
        keys = config.connector_key_values()
        return cls(keys) if keys else None

    def seal(self, plaintext: str) -> str:
        """The token (ASCII) that stores ``plaintext``."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        """The plaintext of ``token``; ``SecretBoxError`` when no configured key opens it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretBoxError(
                "a stored credential cannot be decrypted with the configured connector keys "
                "(was its key removed from CHATWARDEN_CONNECTOR_KEYS?)"
            ) from None

    def reseal(self, token: str) -> str:
        """``token`` encrypted again with the first key (key rotation)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise SecretBoxError(
                "a stored credential cannot be decrypted with the configured connector keys"
            ) from None

    def __repr__(self) -> str:
        return f"SecretBox({self.key_count} key{'s' if self.key_count != 1 else ''})"
