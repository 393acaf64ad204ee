"""Read the committed training sets in ``data/`` into masked multi-label examples.

Every example has a label per column of ``chatwarden.model.COLUMNS``: 1, 0 or ``UNKNOWN`` (the
source does not say, so that head ignores the row). How each source maps onto the columns is
documented in ``data/DATA_CARD.md``; in short:

* ``harm`` comes from each source's own toxic/abusive label;
* categories a source annotates come from its labels (edos: misogyny, threats; convabuse: the
  identity categories, sexual harassment, intellectual insults; toxic_spans: insult, threat,
  profanity);
* elsewhere a harmful row gets a category when it contains a word of that category from the
  seed lexicon (``data/lexicon/seed_categories.json``); otherwise 0 (a weak negative: profane
  abuse without a slur is not a slur), or unknown where the source says it is an identity
  attack of unknown target (davidson hate, toxic_spans identity attacks);
* a harmless row is 0 for every category except ``swearing``, which follows the lexicon.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from chatwarden.categories import CATEGORIES

UNKNOWN: Final = -1
COLUMNS: Final[tuple[str, ...]] = ("harm", *CATEGORIES)
IDENTITY: Final = (
    "disability",
    "sexuality_sex_or_gender",
    "misogyny",
    "race_ethnicity_or_religion",
)
LEXICON_FILE: Final = Path("lexicon") / "seed_categories.json"
SOURCES: Final = ("davidson", "toxic_spans", "edos", "convabuse", "notoxic_dota", "sms_spam")

_WORD: Final = re.compile(r"[a-z0-9']+")
_MENTION: Final = re.compile(r"@\w+:?|https?://\S+|&amp;|&#\d+;|\brt\b|#", re.IGNORECASE)

Labels = dict[str, int]


@dataclass(frozen=True)
class Example:
    """One training line: raw text, a label per column, where it came from, a weight."""

    text: str
    labels: tuple[int, ...]
    source: str
    weight: float = 1.0
    group: str = ""  # examples derived from the same original share a group (split together)


class Lexicon:
    """Whole-word (or ``prefix*``) matching of the seed lexicon, per category."""

    def __init__(self, terms: dict[str, list[str]]) -> None:
        self._exact: dict[str, set[str]] = {}
        self._prefix: dict[str, tuple[str, ...]] = {}
        for cat in CATEGORIES:
            words = terms.get(cat, [])
            self._exact[cat] = {w for w in words if not w.endswith("*")}
            self._prefix[cat] = tuple(w[:-1] for w in words if w.endswith("*"))

    @classmethod
    def load(cls, data_dir: Path) -> Lexicon:
        raw = json.loads((data_dir / LEXICON_FILE).read_text(encoding="utf-8"))
        return cls({k: v for k, v in raw.items() if not k.startswith("_")})

    def hits(self, text: str) -> list[str]:
        """The words of ``text`` that match any category (in order, repeats kept)."""
        out = []
        for w in _WORD.findall(text.lower()):
            for cat in CATEGORIES:
                prefix = self._prefix[cat]
                if w in self._exact[cat] or (prefix and w.startswith(prefix)):
                    out.append(w)
                    break
        return out

    def categories(self, text: str) -> set[str]:
        words = _WORD.findall(text.lower())
        found: set[str] = set()
        for cat in CATEGORIES:
            exact, prefix = self._exact[cat], self._prefix[cat]
            if any(w in exact or (prefix and w.startswith(prefix)) for w in words):
                found.add(cat)
        return found


def clean(text: str) -> str:
    """Drop tweet/comment artefacts chat never has (mentions, URLs, RT, entities, hashes)."""
    return " ".join(_MENTION.sub(" ", text).split())


def make_labels(
    lexicon: Lexicon,
    text: str,
    harm: int,
    known: dict[str, int] | None = None,
    unsure: Iterable[str] = (),
) -> tuple[int, ...]:
    """Labels for one row: see the module docstring for the rule.

    ``known``: the source's own category labels. ``unsure``: categories a harmful row may have
    without a lexicon word (e.g. an identity attack of unknown target); they stay unknown.
    """
    known = known or {}
    unsure = set(unsure) - set(known)
    hits = lexicon.categories(text)
    out = [harm]
    for cat in CATEGORIES:
        if known.get(cat) == 1 or (cat == "swearing" and cat in hits):
            out.append(1)
        elif cat == "swearing":
            out.append(0)
        elif harm == 0:
            out.append(0)
        elif harm == 1 and cat in hits:
            out.append(1)
        elif cat in unsure:
            out.append(UNKNOWN)
        else:
            out.append(0)
    return tuple(out)


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _group(source: str, key: str) -> str:
    return hashlib.sha1(f"{source}:{key}".encode()).hexdigest()[:16]


def davidson(data_dir: Path, lex: Lexicon, rng: random.Random) -> Iterator[Example]:
    for r in _rows(data_dir / "davidson" / "davidson.csv"):
        text = clean(r["text"])
        cls = int(r["class"])
        harm = 0 if cls == 2 else 1
        labels = make_labels(lex, text, harm, unsure=IDENTITY if cls == 0 else ())
        yield Example(text, labels, "davidson", group=_group("davidson", text))


def _window(
    words: list[tuple[int, int]], lo: int, hi: int, left: int, right: int
) -> tuple[int, int]:
    first = next((i for i, (s, e) in enumerate(words) if e > lo), len(words) - 1)
    last = max((i for i, (s, e) in enumerate(words) if s < hi), default=first)
    a = max(0, first - left)
    b = min(len(words) - 1, last + right)
    return words[a][0], words[b][1]


def toxic_spans(data_dir: Path, lex: Lexicon, rng: random.Random) -> Iterator[Example]:
    """Whole posts (positives only)."""
    yield from _toxic_spans(data_dir, lex, rng, windows=False)


def toxic_spans_windows(data_dir: Path, lex: Lexicon, rng: random.Random) -> Iterator[Example]:
    """Whole posts plus chat-length windows of a few words around each majority toxic span.

    Not used by default: on real chat the windows measured worse than the posts alone (see
    DATA_CARD.md), probably because majority spans are often fragments without their context.
    """
    yield from _toxic_spans(data_dir, lex, rng, windows=True)


def _toxic_spans(
    data_dir: Path, lex: Lexicon, rng: random.Random, *, windows: bool
) -> Iterator[Example]:
    for r in _rows(data_dir / "toxic_spans" / "toxic_spans.csv"):
        text = r["text"]
        group = _group("toxic_spans", r["comment_id"])
        known = {
            "bullying": int(r["insult"]),
            "aggression": int(r["threat"]),
            "swearing": int(r["profane_obscene"]),
        }
        unsure: tuple[str, ...] = IDENTITY if r["identity_based_attack"] == "1" else ()
        yield Example(
            clean(text),
            make_labels(lex, text, 1, known, unsure),
            "toxic_spans",
            weight=0.5,
            group=group,
        )
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        if not windows or not words:
            continue
        for lo, hi in json.loads(r["spans"]):
            left, right = rng.randint(0, 3), rng.randint(0, 3)
            a, b = _window(words, lo, hi, left, right)
            window = clean(text[a:b])
            if window:
                labels = make_labels(lex, window, 1, known, unsure)
                yield Example(window, labels, "toxic_spans_window", group=group)


_EDOS_KNOWN: Final[dict[str, dict[str, int]]] = {
    "1. threats, plans to harm and incitement": {"aggression": 1},
    "2. derogation": {},
    "3. animosity": {},
    "4. prejudiced discussions": {},
}


def edos(data_dir: Path, lex: Lexicon, rng: random.Random) -> Iterator[Example]:
    """Sexist posts are harmful misogyny; "not sexist" says nothing about other harm."""
    for r in _rows(data_dir / "edos" / "edos.csv"):
        text = clean(r["text"].replace("[USER]", " ").replace("[URL]", " "))
        group = _group("edos", text)
        if r["label_sexist"] == "sexist":
            known = {"misogyny": 1, **_EDOS_KNOWN.get(r["label_category"], {})}
            yield Example(text, make_labels(lex, text, 1, known), "edos", group=group)
        else:
            labels = [UNKNOWN] * len(COLUMNS)
            labels[COLUMNS.index("misogyny")] = 0
            labels[COLUMNS.index("swearing")] = int("swearing" in lex.categories(text))
            yield Example(text, tuple(labels), "edos", group=group)


_CONVABUSE: Final = {
    "ableist": "disability",
    "homophobic": "sexuality_sex_or_gender",
    "transphobic": "sexuality_sex_or_gender",
    "sexist": "misogyny",
    "racist": "race_ethnicity_or_religion",
    "sex_harassment": "sex_based_terms",
    "intellectual": "bullying",
}


def convabuse(data_dir: Path, lex: Lexicon, rng: random.Random) -> Iterator[Example]:
    for r in _rows(data_dir / "convabuse" / "convabuse.csv"):
        text = clean(r["text"])
        known: dict[str, int] = {}
        for col, cat in _CONVABUSE.items():
            known[cat] = max(known.get(cat, 0), int(r[col]))
        harm = int(r["abusive_majority"])
        yield Example(
            text, make_labels(lex, text, harm, known), "convabuse", group=_group("convabuse", text)
        )


def notoxic_dota(data_dir: Path, lex: Lexicon, rng: random.Random) -> Iterator[Example]:
    for r in _rows(data_dir / "notoxic_dota" / "notoxic_dota.csv"):
        text = clean(r["text"])
        harm = 1 if r["toxicity"] == "TOXIC" else 0
        yield Example(
            text, make_labels(lex, text, harm), "notoxic_dota", group=_group("dota", text)
        )


def sms_spam(data_dir: Path, lex: Lexicon, rng: random.Random) -> Iterator[Example]:
    """Ham messages only: short, informal, harmless text (spam is not a category here)."""
    path = data_dir / "sms_spam" / "SMSSpamCollection"
    with path.open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            label, _, text = line.rstrip("\n").partition("\t")
            if label == "ham":
                text = clean(text)
                yield Example(text, make_labels(lex, text, 0), "sms_ham", group=_group("sms", text))


READERS: Final[dict[str, Callable[[Path, Lexicon, random.Random], Iterator[Example]]]] = {
    "davidson": davidson,
    "toxic_spans": toxic_spans,
    "edos": edos,
    "convabuse": convabuse,
    "notoxic_dota": notoxic_dota,
    "sms_spam": sms_spam,
}


def load_examples(data_dir: Path, *, seed: int = 0) -> list[Example]:
    """All examples of every source present in ``data_dir``, deduplicated on lower-cased text.

    A source folder that is missing is skipped (the tiny test fixture has only some).
    """
    lex = Lexicon.load(data_dir)
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[Example] = []
    for name, reader in READERS.items():
        if not (data_dir / name).is_dir():
            continue
        for eg in reader(data_dir, lex, rng):
            key = " ".join(eg.text.lower().split())
            if not key or key in seen:
                continue
            seen.add(key)
            out.append(eg)
    return out


def split(
    examples: list[Example], dev_fraction: float = 0.1
) -> tuple[list[Example], list[Example]]:
    """Deterministic train/dev split by group (a post and its windows stay together)."""
    train: list[Example] = []
    dev: list[Example] = []
    cut = int(dev_fraction * 10_000)
    for eg in examples:
        bucket = int(hashlib.sha1(eg.group.encode()).hexdigest()[:8], 16) % 10_000
        (dev if bucket < cut else train).append(eg)
    return train, dev


def file_hashes(data_dir: Path) -> dict[str, str]:
    """SHA-256 of every data file training reads, keyed by path relative to ``data_dir``."""
    out: dict[str, str] = {}
    for folder in (*SOURCES, LEXICON_FILE.parent.name):
        for path in sorted((data_dir / folder).glob("*")):
            is_data = path.suffix in {".csv", ".json", ""} and "LICENSE" not in path.name
            if path.is_file() and is_data:
                rel = path.relative_to(data_dir).as_posix()
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return dict(sorted(out.items()))
