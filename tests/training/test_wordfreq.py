"""The word counts behind the normaliser's splits (``training/wordfreq.py``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from chatwarden.pipeline.words import WORDFREQ_FILE
from chatwarden.training import wordfreq
from chatwarden.training.wordfreq import count_words, main, render

FIXTURE = Path(__file__).parent / "fixtures" / "data"
DATA = Path(__file__).resolve().parents[2] / "data"


def test_count_words_lowercases_and_drops_apostrophes() -> None:
    counts = count_words(["Don't you DARE", "you're 2 good, you"])
    assert counts == Counter({"you": 2, "dont": 1, "dare": 1, "youre": 1, "good": 1})


def test_render_keeps_common_words_commonest_first_and_counts_every_word() -> None:
    text = render(Counter({"b": 7, "a": 7, "rare": 1, "the": 9}), min_count=5)
    lines = text.splitlines()
    assert "# total 24" in lines
    assert [line for line in lines if not line.startswith("#")] == ["the 9", "a 7", "b 7"]


def test_main_writes_then_checks_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "wordfreq.txt"
    monkeypatch.setattr(wordfreq, "WORDFREQ_FILE", out)
    assert main([str(FIXTURE)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# ChatWarden word counts")
    assert main(["--check", str(FIXTURE)]) == 0
    out.write_text("# total 1\nthe 1\n", encoding="utf-8")
    assert main(["--check", str(FIXTURE)]) == 1
    assert "differs" in capsys.readouterr().out


@pytest.mark.skipif(not (DATA / "DATA_CARD.md").exists(), reason="data/ is not in this checkout")
def test_the_bundled_counts_are_what_the_shipped_data_gives() -> None:
    assert WORDFREQ_FILE.read_text(encoding="utf-8") == render(
        count_words(eg.text for eg in wordfreq.load_examples(DATA))
    )
