"""Matching cost per message must not grow with the number of terms.

Builds a TermMatcher from 10 and from 100,000 random terms (exact words, ``hate*``/``*hole``/
``*bad*`` wildcards and phrases), matches the same realistic chat messages (no hits) against
both, and prints the time per message and the ratio. Also times a few hundred terms plus two
regex terms, and a message that does hit.

    python bench/terms_scaling.py
"""

from __future__ import annotations

import random
import string
import time

from chatwarden.pipeline.normalise import Normalised, normalise
from chatwarden.pipeline.terms import Term, TermMatcher

MESSAGES = [
    "hey chat what's up, nice play there gg wp",
    "this streamer is so funny lmao what a play",
    "can you do the boss fight again next stream?",
    "first time here, loving the vibes already",
    "that was clean, how did he even dodge that",
    "POG the new update finally dropped",
    "anyone know what keyboard he uses",
    "lets goooo we won the tournament",
]


def random_terms(count: int, rng: random.Random) -> list[Term]:
    def word() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(6, 10)))

    terms: list[Term] = []
    for i in range(count):
        shape = i % 20
        if shape == 0:
            text = word() + "*"
        elif shape == 1:
            text = "*" + word()
        elif shape == 2:
            text = "*" + word() + "*"
        elif shape == 3:
            text = word() + " " + word()
        else:
            text = word()
        terms.append(Term(text))
    return terms


def per_message(matcher: TermMatcher, norms: list[Normalised], seconds: float = 1.0) -> float:
    """Best-of-5 mean seconds per message."""
    best = float("inf")
    rounds = max(1, int(seconds * 100_000 / 5 / len(norms)))
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            for norm in norms:
                matcher.match(norm)
        best = min(best, (time.perf_counter() - start) / (rounds * len(norms)))
    return best


def main() -> None:
    rng = random.Random(7)
    norms = [normalise(text) for text in MESSAGES]
    timings = {}
    for count in (10, 100_000):
        start = time.perf_counter()
        matcher = TermMatcher(random_terms(count, rng))
        built = time.perf_counter() - start
        assert not any(matcher.match(n).blocked for n in norms), "benchmark messages must not hit"
        timings[count] = per_message(matcher, norms)
        print(f"{count:>7} terms: {timings[count] * 1e6:6.2f} us/message (built in {built:.2f} s)")
    print(f"ratio 100,000 / 10 terms: {timings[100_000] / timings[10]:.2f}")

    few = TermMatcher(random_terms(300, rng))
    with_regex = TermMatcher(
        [*random_terms(300, rng), Term(r"k+y+s+", is_regex=True), Term(r"n[i1]gg", is_regex=True)]
    )
    one = [normalise(MESSAGES[0])]
    print(f"    300 terms, 40-char message, no hit: {per_message(few, one) * 1e6:.2f} us")
    print(f"300 terms + 2 regex, 40-char message:   {per_message(with_regex, one) * 1e6:.2f} us")
    hit = TermMatcher([*random_terms(300, rng), Term("boss"), Term("hell yeah", kind="permitted")])
    hit_msgs = [normalise("can you do the boss fight again next stream?")]
    print(f"300 terms, message with one hit:        {per_message(hit, hit_msgs) * 1e6:.2f} us")


if __name__ == "__main__":
    main()
