"""The synthetic chat generator: determinism, labels per family, no devset or contaminated text."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chatwarden.textgen import chat
from chatwarden.training import chatgen
from chatwarden.training.chatgen import (
    DECIDED,
    FAMILIES,
    FAMILY_NAMES,
    GROUPS,
    IDENTITY_CATEGORIES,
    ChatRow,
    generate_families,
    generate_family,
)
from chatwarden.training.evalsets import find_devsets

SMALL = 0.1  # share of the default counts most tests draw (the full run takes a few seconds)

#: Templates removed from ``textgen.chat.TOXIC`` because they were written after reading NormVio
#: devset (data/DATA_CARD.md, "Synthetic chat"): no family may bring them back.
CONTAMINATED = (
    "l {name}",
    "fuck you {name}",
    "{name} sucks",
    "worst {name} ever",
    "{name} so {adj} lmao",
    "{name} {noun} lol",
    "{adj} streamer",
    "this streamer is {adj}",
    "{noun} streamer",
    "unfollowed {adj} streamer",
    "this stream is {adj}",
    "{adj} stream",
    "worst stream ever",
    "nobody watches you",
    "you should quit streaming",
    "ur chat is full of {noun}s",
    "get a real job {noun}",
    "ur washed",
    "shut up and play",
    "your voice is annoying",
)
HARMFUL = {f.name for f in FAMILIES if f.harm}
HARMLESS = {f.name for f in FAMILIES if not f.harm}


def _key(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def rows() -> list[ChatRow]:
    return generate_families(0, scale=SMALL)


@pytest.fixture(scope="module")
def full() -> list[ChatRow]:
    return generate_families(0)


def _by_family(rows: list[ChatRow]) -> dict[str, list[ChatRow]]:
    out: dict[str, list[ChatRow]] = {name: [] for name in FAMILY_NAMES}
    for row in rows:
        out[row.family].append(row)
    return out


def test_same_seed_same_rows_other_seed_other_rows(rows: list[ChatRow]) -> None:
    assert generate_families(0, scale=SMALL) == rows
    other = generate_families(1, scale=SMALL)
    assert [r.text for r in other] != [r.text for r in rows]


def test_a_family_does_not_depend_on_the_others_counts() -> None:
    alone = generate_family("threat_direct", 50, seed=3)
    mixed = generate_families(3, counts={"threat_direct": 50, "banter": 7}, scale=1.0)
    assert [r for r in mixed if r.family == "threat_direct"] == alone


def test_counts_and_scale(full: list[ChatRow]) -> None:
    per = Counter(r.family for r in full)
    for fam in FAMILIES:
        assert per[fam.name] >= 0.95 * fam.count, fam.name  # the templates do not run dry
    assert min(per.values()) >= 500
    custom = generate_families(
        0, counts={"doxxing": 400}, families=("doxxing", "banter"), scale=0.05
    )
    assert Counter(r.family for r in custom) == {"doxxing": 20, "banter": 150}


def test_rows_are_distinct_and_no_text_has_two_harm_labels(full: list[ChatRow]) -> None:
    keys = [_key(r.text) for r in full]
    assert len(keys) == len(set(keys))
    harm: dict[str, set[int]] = {}
    for name in FAMILY_NAMES:  # each family on its own: the cross-family dedup hides nothing
        for row in generate_family(name, 400, seed=0):
            harm.setdefault(_key(row.text), set()).add(row.harm)
    for text, kind in chat.generate(4_000, 1_000, seed=0):
        harm.setdefault(_key(text), set()).add(int(kind == "toxic"))
    conflicts = sorted(k for k, v in harm.items() if len(v) > 1)
    assert not conflicts


def test_every_harmful_row_decides_every_category_but_swearing(rows: list[ChatRow]) -> None:
    for row in rows:
        assert set(row.categories) == set(DECIDED), row
        assert "swearing" not in row.categories
        assert set(row.categories.values()) <= {0, 1}
        assert row.harm in (0, 1)


def test_harmless_families_are_zero_everywhere_and_never_held(rows: list[ChatRow]) -> None:
    for row in rows:
        if row.family in HARMLESS:
            assert row.harm == 0 and row.min_level is None, row
            assert not any(row.categories.values()), row


@pytest.mark.parametrize(
    ("family", "category", "level"),
    [
        ("threat_direct", "aggression", 1),
        ("threat_conditional", "aggression", 1),
        ("death_wish", "aggression", 1),
        ("doxxing", "aggression", 1),
        ("self_harm", "aggression", 1),
        ("exclusion", "race_ethnicity_or_religion", 1),
        ("misogyny", "misogyny", 1),
        ("harassment", "bullying", 2),
        ("sexual_harassment", "sex_based_terms", 2),
        ("insult", "bullying", 3),
        ("trash_talk", "bullying", 4),
    ],
)
def test_harmful_family_labels(rows: list[ChatRow], family: str, category: str, level: int) -> None:
    mine = _by_family(rows)[family]
    assert mine
    for row in mine:
        assert row.harm == 1 and row.min_level == level, row
        assert {c for c, v in row.categories.items() if v} == {category}, row


def test_trash_talk_is_milder_than_every_attack(rows: list[ChatRow]) -> None:
    levels = {r.family: r.min_level for r in rows}
    assert levels["trash_talk"] == 4
    assert all(
        levels[f] == 1
        for f in HARMFUL - {"harassment", "sexual_harassment", "insult", "trash_talk"}
    )


@pytest.mark.parametrize("family", ["identity_contempt", "dehumanisation"])
def test_group_attacks_name_the_targeted_category(rows: list[ChatRow], family: str) -> None:
    mine = _by_family(rows)[family]
    seen: Counter[str] = Counter()
    named = 0
    for row in mine:
        assert row.harm == 1 and row.min_level == 1
        targets = [c for c in IDENTITY_CATEGORIES if row.categories[c]]
        assert len(targets) == 1, row
        seen[targets[0]] += 1
        text = re.sub(r"\bppl\b", "people", row.text.lower())
        named += any(g in text for g in GROUPS[targets[0]])
        assert row.categories["bullying"] == 0 and row.categories["sex_based_terms"] == 0
    assert set(seen) == set(IDENTITY_CATEGORIES)
    assert named >= 0.9 * len(mine)  # the label follows the group the line names
    assert any(r.categories["aggression"] for r in mine)  # calls for violence are aggression too


def test_identity_insults_are_bullying_and_the_groups_category(rows: list[ChatRow]) -> None:
    mine = _by_family(rows)["identity_insult"]
    seen: Counter[str] = Counter()
    for row in mine:
        assert row.harm == 1 and row.min_level == 1, row
        targets = [c for c in IDENTITY_CATEGORIES if row.categories[c]]
        assert len(targets) == 1 and row.categories["bullying"] == 1, row
        seen[targets[0]] += 1
    assert set(seen) == set(IDENTITY_CATEGORIES)


def test_identity_words_sit_on_both_sides_of_harm(full: list[ChatRow]) -> None:
    for category in IDENTITY_CATEGORIES:
        for group in GROUPS[category][:6]:
            pattern = re.compile(rf"\b{re.escape(group)}\b")
            sides = {r.harm for r in full if pattern.search(r.text.lower())}
            assert sides == {0, 1}, group


def test_identity_words_are_as_common_in_harmless_rows_as_in_harmful(full: list[ChatRow]) -> None:
    words = sorted({g for gs in GROUPS.values() for g in gs}, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")
    sides = Counter(
        r.harm for r in full if pattern.search(re.sub(r"\bppl\b", "people", r.text.lower()))
    )
    assert 0.8 <= sides[0] / sides[1] <= 1.25, sides  # an identity word alone predicts nothing


def test_rows_name_their_template(rows: list[ChatRow]) -> None:
    templates = {f.name: set(f.templates).union(*f.by_target.values()) for f in FAMILIES}
    for row in rows:
        assert row.template in templates[row.family], row


def test_family_shapes(rows: list[ChatRow]) -> None:
    fams = _by_family(rows)
    texts = {name: " | ".join(r.text.lower() for r in fams[name]) for name in FAMILY_NAMES}
    assert re.search(
        r"\b\d{1,4} [a-z0-9]+ (st|street|ave|avenue|rd|road|dr|drive|ln|lane)\b", texts["doxxing"]
    )
    assert "where you live" in texts["doxxing"]
    assert re.search(r"(^| )k[ .\-]?y[ .\-]?[s5$]", texts["self_harm"])
    assert "nobody would miss you" in texts["self_harm"]
    assert "if you" in texts["threat_conditional"]
    assert "go back to" in texts["exclusion"]
    assert "kill" in texts["banter"] and "destroyed" in texts["banter"]
    assert "want to die" in texts["self_deprecation"]
    assert "uninstall" in texts["trash_talk"] and "touch grass" in texts["trash_talk"]
    emote = re.compile(r"^[a-z][a-z0-9]{1,11}[A-Z][A-Za-z]*$")
    chan = [w for r in fams["slang_emotes"] for w in r.text.split() if emote.match(w)]
    assert len(chan) >= 50


def test_channel_emotes_have_the_channel_shape_and_no_blocked_prefix() -> None:
    rng = random.Random(0)
    for _ in range(2_000):
        code = chatgen.channel_emote(rng)
        assert re.fullmatch(r"[a-z]+[0-9]*[A-Z][A-Za-z]*", code), code
        prefix = re.match(r"[a-z0-9]+", code)
        assert prefix is not None
        assert not any(bad in prefix.group() for bad in ("vkimm", "daph", "nig", "fag", "kys")), (
            code
        )


def test_counter_speech_quotes_and_condemns(rows: list[ChatRow]) -> None:
    mine = _by_family(rows)["counter_speech"]
    words = {w for ws in chatgen.CONDEMN.values() for w in ws}
    assert sum(any(w in r.text.lower() for w in words) for r in mine) >= 0.3 * len(mine)
    harmful = {_key(r.text) for r in generate_families(0, families=tuple(HARMFUL), scale=SMALL)}
    assert sum(any(h in _key(r.text) for h in list(harmful)[:500]) for r in mine) >= 1


def _slot(name: str) -> tuple[str, ...]:
    values = chatgen.SLOTS[name]
    assert isinstance(values, tuple)
    return values


def _templates() -> Iterator[str]:
    for fam in FAMILIES:
        yield from fam.templates
        for extra in fam.by_target.values():
            yield from extra


def test_no_contaminated_template_returns(full: list[ChatRow]) -> None:
    mine = {_key(t) for t in _templates()}
    assert not mine & {_key(t) for t in CONTAMINATED}
    names = {*chat.NAMES, *chatgen.ADDRESSEE}
    adjs = {*chat.INSULT_ADJ, *_slot("contempt")}
    nouns = {*chat.INSULT_NOUN, *_slot("noun"), *_slot("trash")}
    fill = {
        "{name}": "(" + "|".join(map(re.escape, names)) + ")",
        "{adj}": "(" + "|".join(map(re.escape, adjs)) + ")",
        "{noun}": "(" + "|".join(map(re.escape, nouns)) + ")",
    }
    # A row the template could have written: the template plus what chat_style adds around it.
    extras = "(" + "|".join(map(re.escape, {*chatgen.SLANG_EMOTES, "lol", "lmao", "fr"})) + ")"
    extras = extras.lower()
    patterns = []
    for template in CONTAMINATED:
        pattern = re.escape(template)
        for slot, alternatives in fill.items():
            pattern = pattern.replace(re.escape(slot), alternatives)
        patterns.append(re.compile(rf"({extras} )?{pattern}( {extras})?"))
    hits = [r.text for r in full for p in patterns if p.fullmatch(_bare(r.text))]
    assert not hits


def _bare(text: str) -> str:
    return re.sub(r"^@\S+ |[!?.]+$", "", _key(text))


def _devset_texts(folder: Path) -> set[str]:
    out: set[str] = set()

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key == "text" and isinstance(value, str):
                    out.add(_key(value))
                else:
                    walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    for path in sorted(folder.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                walk(json.loads(line))
    return out


def test_no_row_is_a_devset_line(full: list[ChatRow]) -> None:
    """Lines of four words or more never equal a devset line; shorter generic chat ("holy shit",
    "skill issue") can coincide with real chat by chance, but stays rare."""
    folder = find_devsets()
    if folder is None:
        pytest.skip("../shared/devsets is not here")
    devset = _devset_texts(folder)
    assert len(devset) > 10_000
    same = [r for r in full if _key(r.text) in devset]
    assert not [r.text for r in same if len(r.text.split()) >= 4]
    assert len(same) <= 0.005 * len(full)
