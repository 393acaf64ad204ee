"""Per-token leetspeak and repeats (``pipeline/tokens.py``): the cache never changes a result."""

from __future__ import annotations

import pytest

from chatwarden.pipeline import tokens
from chatwarden.pipeline.tokens import post

WORDS = ["n00b", "l0ser", "st00pid", "hello", "yoooou", "gg", "1d10t", "k3k"]


def test_the_token_cache_is_bounded_and_never_changes_a_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = [post(w) for w in WORDS]
    monkeypatch.setattr(tokens, "_CACHE", {})
    monkeypatch.setattr(tokens, "_CACHE_MAX", 3)
    for _ in range(2):
        assert [post(w) for w in WORDS] == expected
        assert len(tokens._CACHE) <= 3
    assert post("n00b") is not None and post("hello") is None
