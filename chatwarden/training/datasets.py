"""Read the committed training sets in ``data/`` into masked multi-label examples.

Every example has a label per column of ``chatwarden.model.COLUMNS``: 1, 0 or ``UNKNOWN`` (the
source does not say, so that head ignores the row). How each source maps onto the columns is
documented in ``data/DATA_CARD.md``; in short:

* ``harm`` comes from each source's own toxic/abusive/hateful label;
* a category comes only from a source that annotates it: a target group (toxigen, the GHC's
  targets, the identity templates' term, convabuse's abuse types, edos: sexist), a type of abuse
  (toxic_spans: insult, threat, identity attack; the GHC: call for violence, vulgarity; edos:
  threats). A category nobody annotated stays unknown;
* the seed lexicon (``data/lexicon/seed_categories.json``) labels only the lexical categories:
  ``swearing`` (any row with a swear word) and ``sex_based_terms`` (a harmful row with or
  without a sexual term), never an identity category;
* a harmless row is 0 for every category except ``swearing``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
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
SOURCES: Final = (
    "davidson",
    "toxic_spans",
    "edos",
    "convabuse",
    "notoxic_dota",
    "sms_spam",
    "toxigen_seeds",
    "jigsaw_identity_templates",
    "gab_hate_corpus",
)
#: Categories the seed lexicon may label: they are about the words, not about who is attacked.
LEXICAL: Final = ("swearing", "sex_based_terms")
#: Group words whose harmful/harmless counts ``identity_counts`` reports: each must occur on
#: both sides of the harm label, or the model learns "identity word = harm".
IDENTITYWORDSS: Final = (
    "women",
    "woman",
    "girls",
    "female",
    "gay",
    "lesbian",
    "bisexual",
    "trans",
    "transgender",
    "queer",
    "lgbt",
    "lgbtq",
    "nonbinary",
    "black",
    "white",
    "asian",
    "chinese",
    "mexican",
    "latino",
    "arab",
    "indian",
    "african",
    "immigrant",
    "immigrants",
    "jew",
    "jews",
    "jewish",
    "muslim",
    "muslims",
    "islam",
    "christian",
    "catholic",
    "sikh",
    "disabled",
    "autistic",
    "deaf",
    "blind",
)

WORDS: Final = re.compile(r"[a-z0-9']+")
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
    #: the lowest level that should hold it (trash talk: 4); 1 for every annotated source
    min_level: int = 1


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
        for w in WORDS.findall(text.lower()):
            for cat in CATEGORIES:
                prefix = self._prefix[cat]
                if w in self._exact[cat] or (prefix and w.startswith(prefix)):
                    out.append(w)
                    break
        return out

    def categories(self, text: str) -> set[str]:
        words = WORDS.findall(text.lower())
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
    known: Mapping[str, int] | None = None,
) -> tuple[int, ...]:
    """Labels for one row: see the module docstring for the rule.

    ``harm``: 1, 0 or ``UNKNOWN``. ``known``: the categories the source annotates for this row
    (1, 0 or ``UNKNOWN``); every other non-lexical category of a harmful row stays unknown.
    """
    known = known or {}
    hits = lexicon.categories(text)
    out = [harm]
    for cat in CATEGORIES:
        if cat == "swearing":
            out.append(1 if known.get(cat) == 1 or cat in hits else 0)
        elif cat in known:
            out.append(known[cat])
        elif harm == 0:
            out.append(0)
        elif cat in LEXICAL and harm == 1:
            out.append(int(cat in hits))
        else:
            out.append(UNKNOWN)
    return tuple(out)


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _group(source: str, key: str) -> str:
    return hashlib.sha1(f"{source}:{key}".encode()).hexdigest()[:16]


def _only(categories: Iterable[str], among: Iterable[str] = IDENTITY) -> dict[str, int]:
    """The annotated target categories as 1 and the rest of ``among`` as 0."""
    hit = set(categories)
    return {cat: int(cat in hit) for cat in among}


def davidson(data_dir: Path, lex: Lexicon, rng: random.Random) -> Iterator[Example]:
    """Hate and offensive tweets are harmful, "neither" harmless; no category is annotated."""
    for r in _rows(data_dir / "davidson" / "davidson.csv"):
        text = clean(r["text"])
        harm = 0 if int(r["class"]) == 2 else 1
        yield Example(
            text, make_labels(lex, text, harm), "davidson", group=_group("davidson", text)
        )


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
        # an identity attack of unknown target leaves the four identity categories unknown;
        # a post that is not one is 0 for all four
        identity = UNKNOWN if r["identity_based_attack"] == "1" else 0
        known = {
            "bullying": int(r["insult"]),
            "aggression": int(r["threat"]),
            "swearing": int(r["profane_obscene"]),
            **dict.fromkeys(IDENTITY, identity),
        }
        yield Example(
            clean(text), make_labels(lex, text, 1, known), "toxic_spans", weight=0.5, group=group
        )
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        if not windows or not words:
            continue
        for lo, hi in json.loads(r["spans"]):
            left, right = rng.randint(0, 3), rng.randint(0, 3)
            a, b = _window(words, lo, hi, left, right)
            window = clean(text[a:b])
            if window:
                labels = make_labels(lex, window, 1, known)
                yield Example(window, labels, "toxic_spans_window", group=group)


def edos(data_dir: Path, lex: Lexicon, rng: random.Random) -> Iterator[Example]:
    """Sexist posts are harmful misogyny (threats: aggression too). A "not sexist" post is
    harmless, unless it has a swear word, a slur, an insult or a threat word of the lexicon:
    then it may still be abusive in another way and its harm stays unknown."""
    for r in _rows(data_dir / "edos" / "edos.csv"):
        text = clean(r["text"].replace("[USER]", " ").replace("[URL]", " "))
        group = _group("edos", text)
        if r["label_sexist"] == "sexist":
            threat = r["label_category"].startswith("1.")
            known = {"misogyny": 1, "aggression": int(threat)}
            yield Example(text, make_labels(lex, text, 1, known), "edos", group=group)
        else:
            harm = UNKNOWN if lex.hits(text) else 0
            labels = make_labels(lex, text, harm, {"misogyny": 0})
            yield Example(text, labels, "edos_not_sexist", group=group)


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


#: ToxiGen's groups and the category their hateful statements are.
TOXIGEN_GROUPS: Final[dict[str, str]] = {
    "women": "misogyny",
    "lgbtq": "sexuality_sex_or_gender",
    "trans": "sexuality_sex_or_gender",
    "bisexual": "sexuality_sex_or_gender",
    "mental_disability": "disability",
    "physical_disability": "disability",
    **dict.fromkeys(
        (
            "asian",
            "black",
            "chinese",
            "immigrant",
            "jewish",
            "latino",
            "mexican",
            "middle_east",
            "muslim",
            "native_american",
        ),
        "race_ethnicity_or_religion",
    ),
}


def toxigen_seeds(data_dir: Path, lex: Lexicon, rng: random.Random) -> Iterator[Example]:
    """Hateful statements about a group (harm and the group's category) and neutral or
    supportive statements about the same groups (harmless)."""
    for r in _rows(data_dir / "toxigen_seeds" / "toxigen_seeds.csv"):
        text = clean(r["text"])
        if r["label"] == "hate":
            cats = {TOXIGEN_GROUPS[g] for g in r["groups"].split(";") if g in TOXIGEN_GROUPS}
            labels = make_labels(lex, text, 1, _only(cats) if cats else None)
        else:
            labels = make_labels(lex, text, 0)
        yield Example(text, labels, "toxigen_seeds", group=_group("toxigen", text))


#: Identity terms of the Jigsaw templates and their category; terms not listed (ages,
#: "american", "european", "straight", "male", occupations) are harm only.
JIGSAW_TERMS: Final[dict[str, str]] = {
    **dict.fromkeys(
        (
            "bisexual",
            "gay",
            "homosexual",
            "lesbian",
            "lgbt",
            "lgbtq",
            "nonbinary",
            "queer",
            "trans",
            "transgender",
        ),
        "sexuality_sex_or_gender",
    ),
    **dict.fromkeys(("female", "woman"), "misogyny"),
    **dict.fromkeys(("blind", "deaf", "paralyzed"), "disability"),
    **dict.fromkeys(
        (
            "african",
            "asian",
            "black",
            "buddhist",
            "catholic",
            "chinese",
            "christian",
            "eastern",  # middle eastern
            "hispanic",
            "indian",
            "japanese",
            "jewish",
            "latina",
            "latino",
            "latinx",
            "mexican",
            "muslim",
            "protestant",
            "sikh",
            "taoist",
            "white",
        ),
        "race_ethnicity_or_religion",
    ),
}
_JIGSAW_THREAT: Final = ("kill", "murder", "destroy")


def jigsaw_identity_templates(
    data_dir: Path, lex: Lexicon, rng: random.Random
) -> Iterator[Example]:
    """Template sentences with the same identity terms on both sides: a toxic one is harmful,
    of the categories of its identity terms ("kill X": aggression too; "You are a … X":
    bullying too); a non-toxic one is harmless."""
    path = data_dir / "jigsaw_identity_templates" / "jigsaw_identity_templates.csv"
    for r in _rows(path):
        text = r["text"]
        group = _group("jigsaw_identity", text)
        if r["toxicity"] != "toxic":
            yield Example(text, make_labels(lex, text, 0), "jigsaw_identity", 0.5, group)
            continue
        words = text.lower().split()
        cats = {JIGSAW_TERMS[w] for w in words if w in JIGSAW_TERMS}
        known: dict[str, int] = _only(cats) if cats else {}
        known["aggression"] = int(words[0] in _JIGSAW_THREAT)
        if text.startswith("You are"):
            known["bullying"] = 1
        yield Example(text, make_labels(lex, text, 1, known), "jigsaw_identity", 0.5, group)


#: The Gab Hate Corpus' target labels and the category each maps to.
GHC_TARGETS: Final[dict[str, str]] = {
    "rae": "race_ethnicity_or_religion",
    "rel": "race_ethnicity_or_religion",
    "nat": "race_ethnicity_or_religion",
    "gen": "misogyny",
    "sxo": "sexuality_sex_or_gender",
    "mph": "disability",
}


def gab_hate_corpus(data_dir: Path, lex: Lexicon, rng: random.Random) -> Iterator[Example]:
    """Gab posts: hate (assault on dignity) or a call for violence is harmful, with the
    annotated targets as categories (political or ideological targets: harm only) and the call
    for violence as aggression; vulgarity at a person is harmful bullying; a post with neither
    (many of which mention groups) is harmless."""
    for r in _rows(data_dir / "gab_hate_corpus" / "gab_hate_corpus.csv"):
        text = clean(r["text"])
        hate, violence, vulgar = r["hd"] == "1", r["cv"] == "1", r["vo"] == "1"
        group = _group("ghc", r["text_id"])
        if not (hate or violence or vulgar):
            yield Example(text, make_labels(lex, text, 0), "gab_hate_corpus", group=group)
            continue
        targets = [k for k in (*GHC_TARGETS, "idl", "pol") if r[k] == "1"]
        known: dict[str, int] = {"aggression": int(violence), "bullying": int(vulgar)}
        if hate or violence:
            if targets:  # political/ideological targets only: no identity category
                known |= _only(GHC_TARGETS[t] for t in targets if t in GHC_TARGETS)
                if "gen" in targets and "sxo" not in targets:
                    known["sexuality_sex_or_gender"] = UNKNOWN  # "gender" may be trans people
        else:  # vulgar, not hateful
            known |= dict.fromkeys(IDENTITY, 0)
        yield Example(text, make_labels(lex, text, 1, known), "gab_hate_corpus", group=group)


READERS: Final[dict[str, Callable[[Path, Lexicon, random.Random], Iterator[Example]]]] = {
    "davidson": davidson,
    "toxic_spans": toxic_spans,
    "edos": edos,
    "convabuse": convabuse,
    "notoxic_dota": notoxic_dota,
    "sms_spam": sms_spam,
    "toxigen_seeds": toxigen_seeds,
    "jigsaw_identity_templates": jigsaw_identity_templates,
    "gab_hate_corpus": gab_hate_corpus,
}


def text_key(text: str) -> str:
    """The deduplication key: lower case, whitespace collapsed."""
    return " ".join(text.lower().split())


def load_examples(data_dir: Path, *, seed: int = 0) -> list[Example]:
    """All examples of every source present in ``data_dir``, deduplicated on lower-cased text
    across sources (the first source read keeps a text).

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
            key = text_key(eg.text)
            if not key or key in seen:
                continue
            seen.add(key)
            out.append(eg)
    return out


def identity_counts(
    examples: Iterable[Example], words: Iterable[str] = IDENTITYWORDSS
) -> dict[str, tuple[int, int]]:
    """Per identity word, how many harmful and harmless examples contain it (whole word)."""
    wanted = set(words)
    counts = {w: [0, 0] for w in wanted}
    for eg in examples:
        harm = eg.labels[0]
        if harm == UNKNOWN:
            continue
        for w in wanted.intersection(WORDS.findall(eg.text.lower())):
            counts[w][0 if harm == 1 else 1] += 1
    return {w: (c[0], c[1]) for w, c in sorted(counts.items())}


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
