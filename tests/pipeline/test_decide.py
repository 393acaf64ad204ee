"""Decide (``pipeline/decide.py``): reasons carry the spans of the original text."""

from __future__ import annotations

from chatwarden.pipeline.decide import category_reason
from chatwarden.pipeline.normalise import normalise
from chatwarden.pipeline.policy import CategoryFinding


def test_empty_and_out_of_range_spans_are_left_out_of_a_reason() -> None:
    norm = normalise("you are a f00l")
    finding = CategoryFinding(category="aggression", level=2, score=0.9, threshold=0.5)
    reason = category_reason(norm, finding, lambda _category: [(10, 14), (4, 4), (40, 60)])
    assert [(s.start, s.end) for s in reason.spans] == [(10, 14)]
    assert reason.words == ("f00l",)
