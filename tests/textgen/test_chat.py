"""The chat line generator: same seed same lines, the kinds it promises, toxic lines apart."""

from __future__ import annotations

import random

from chatwarden.textgen.chat import benign, generate, toxic


def test_same_seed_same_lines_other_seed_other_lines() -> None:
    assert generate(200, 50, seed=3) == generate(200, 50, seed=3)
    assert generate(200, 50, seed=3) != generate(200, 50, seed=4)


def test_counts_and_kinds() -> None:
    lines = generate(300, 40, seed=0)
    kinds = [kind for _text, kind in lines]
    assert kinds[300:] == ["toxic"] * 40
    assert set(kinds[:300]) == {"chat", "identity", "counter", "swear"}
    assert all(text.strip() and "{" not in text for text, _kind in lines)


def test_benign_and_toxic_draw_from_the_rng_they_are_given() -> None:
    a, b = random.Random(9), random.Random(9)
    assert [benign(a) for _ in range(20)] == [benign(b) for _ in range(20)]
    assert [toxic(a) for _ in range(20)] == [toxic(b) for _ in range(20)]
