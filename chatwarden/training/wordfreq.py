"""Word counts of the shipped training text, for the normaliser's splits of spaced-out runs.

``pipeline/words.segment`` prices each word of a split by how often chat-like text uses it
(a unigram model): "a r e a m i s t a k e" is "are a mistake" because "are" and "a" are far
commoner than "area" in posts and chat. The counts come from the licensed sources in
``data/`` (the same rows ``chatwarden train`` reads, synthetic rows left out), written to
``chatwarden/pipeline/vocab/wordfreq.txt`` by ``python -m chatwarden.training.wordfreq``;
``--check`` says whether the bundled file is what the data gives.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from chatwarden.pipeline.words import WORDFREQ_FILE
from chatwarden.training.datasets import load_examples

__all__ = ["MIN_COUNT", "count_words", "main", "render"]

#: A word seen fewer times than this is left out: typos, names and handles.
MIN_COUNT: Final = 5
_WORD_RE: Final = re.compile(r"[a-z]+(?:'[a-z]+)?")


def count_words(texts: Iterable[str]) -> Counter[str]:
    """Lower-cased ASCII words of ``texts``, apostrophes dropped ("don't" -> "dont")."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w.replace("'", "") for w in _WORD_RE.findall(text.lower()))
    return counts


def render(counts: Counter[str], min_count: int = MIN_COUNT) -> str:
    """The file: a header with the total of all words counted, then ``word count`` lines,
    commonest first (ties alphabetical), for the words seen at least ``min_count`` times."""
    total = sum(counts.values())
    kept = sorted(
        ((w, c) for w, c in counts.items() if c >= min_count), key=lambda x: (-x[1], x[0])
    )
    head = [
        "# ChatWarden word counts: lower-cased words of the licensed training text in data/",
        "# (every source chatwarden train reads; synthetic rows left out), apostrophes dropped.",
        "# Built by: python -m chatwarden.training.wordfreq",
        f"# Words seen at least {min_count} times; the total counts every word.",
        f"# total {total}",
    ]
    return "\n".join([*head, *(f"{w} {c}" for w, c in kept)]) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, compare) ``vocab/wordfreq.txt`` from ``data/``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=Path("data"))
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    text = render(count_words(eg.text for eg in load_examples(args.data)))
    if args.check:
        same = WORDFREQ_FILE.read_text(encoding="utf-8") == text
        print(f"{WORDFREQ_FILE}: {'up to date' if same else 'differs from what data/ gives'}")
        return 0 if same else 1
    WORDFREQ_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {WORDFREQ_FILE} ({text.count(chr(10)) - 5} words)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
