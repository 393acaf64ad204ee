"""The automated path of a chat message; every stage is pure (no I/O)."""

from chatwarden.pipeline.automod import AutoMod

__all__ = ["AutoMod"]
