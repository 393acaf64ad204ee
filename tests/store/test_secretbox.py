"""Secrets at rest: Fernet tokens that open only with a configured key, rotation over several
keys, and keys that never show (repr, errors)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from chatwarden.config import ServiceConfig
from chatwarden.errors import ConfigError
from chatwarden.store.secretbox import SecretBox, SecretBoxError, generate_key

SECRET = "oauth:abcdef0123456789secret"


def test_a_sealed_secret_opens_again_and_does_not_show() -> None:
    box = SecretBox([generate_key()])
    token = box.seal(SECRET)
    assert SECRET not in token and "abcdef" not in token
    assert token != box.seal(SECRET)  # a fresh IV each time: equal secrets look different
    assert box.open(token) == SECRET


def test_another_key_is_refused_without_naming_either_key() -> None:
    mine, theirs = generate_key(), generate_key()
    token = SecretBox([mine]).seal(SECRET)
    with pytest.raises(SecretBoxError) as caught:
        SecretBox([theirs]).open(token)
    assert mine not in caught.value.message and theirs not in caught.value.message
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[-1] ^= 0x01  # one bit of the MAC changed (a changed base64 character can land in padding)
    with pytest.raises(SecretBoxError):
        SecretBox([mine]).open(base64.urlsafe_b64encode(bytes(raw)).decode())


def test_rotation_new_key_first_old_key_still_opens_reseal_moves_to_the_new() -> None:
    old, new = generate_key(), generate_key()
    token = SecretBox([old]).seal(SECRET)
    both = SecretBox([new, old])
    assert both.open(token) == SECRET
    assert SecretBox([new]).open(both.seal(SECRET)) == SECRET  # the first key encrypts
    moved = both.reseal(token)
    assert SecretBox([new]).open(moved) == SECRET
    with pytest.raises(SecretBoxError):
        SecretBox([old]).open(moved)


def test_a_bad_key_is_a_config_error_that_does_not_echo_it() -> None:
    good = generate_key()
    with pytest.raises(ConfigError, match="connector key 2 of 2 is not a Fernet key") as caught:
        SecretBox([good, "not-a-key-at-all"])
    assert "not-a-key-at-all" not in caught.value.message and good not in caught.value.message
    with pytest.raises(ConfigError, match="no connector key"):
        SecretBox([])


def test_repr_shows_how_many_keys_never_a_key() -> None:
    key = generate_key()
    box = SecretBox([key, generate_key()])
    assert repr(box) == "SecretBox(2 keys)"
    assert key not in repr(box)


def test_keys_from_the_settings_and_a_key_file(tmp_path: Path) -> None:
    first, second, third = generate_key(), generate_key(), generate_key()
    assert SecretBox.from_config(ServiceConfig()) is None
    keyfile = tmp_path / "keys"
    keyfile.write_text(f"# newest first\n{second}\n\n{third}\n")
    config = ServiceConfig.from_env(
        {"CHATWARDEN_CONNECTOR_KEYS": f"{first}, ", "CHATWARDEN_CONNECTOR_KEYS_FILE": str(keyfile)}
    )
    assert config.connector_key_values() == [first, second, third]
    assert first not in repr(config)  # a SecretStr
    box = SecretBox.from_config(config)
    assert box is not None and box.key_count == 3
    token = SecretBox([third]).seal(SECRET)
    assert box.open(token) == SECRET
    assert SecretBox([first]).open(box.seal(SECRET)) == SECRET
    missing = ServiceConfig(connector_keys_file=str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="CONNECTOR_KEYS_FILE .* cannot be read"):
        missing.connector_key_values()
