"""(3b) Severe-harm rules: the deterministic complement to the model.

Slurs, threats, self-harm encouragement, doxxing and identity exclusion or dehumanisation are
found by hand-written rules (``vocab/severe.txt``, bundled and versioned) on the NORMALISED text,
so leetspeak, look-alike letters, spacing and zero-width characters are already undone. Each
finding names its category (Twitch's eight), the level from which it holds (a channel holds it
when its level for the category is >= that level; 0 turns the category, and so its rules, off),
the family of rule and the matched spans, in normalised-text coordinates.

Pure and fast: every rule is in one ``re2.Set`` (one linear pass over the text); only the rules
that hit are run again for their spans and checked against their family's exceptions (gaming
and sports context, negation, counter-speech). See ``docs/severe-rules.md``.
"""

from __future__ import annotations

import hashlib
import pathlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast, get_args

import re2

from chatwarden.categories import Category

__all__ = [
    "SEVERE_FILE",
    "SEVERE_RULES",
    "SEVERE_VERSION",
    "RuleFinding",
    "RuleHold",
    "SevereRules",
    "held_rule_findings",
    "parse_rules",
]

SEVERE_FILE: Final = pathlib.Path(__file__).parent / "vocab" / "severe.txt"
_CATEGORIES: Final = frozenset(get_args(Category))
_BEFORE_WINDOW: Final = 80  # characters before a finding that ``@before`` looks at
_AFTER_WINDOW: Final = 80
_MAX_MEM: Final = 64 << 20

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class RuleFinding:
    """One rule that hit: ``spans`` are in normalised-text coordinates, sorted."""

    category: Category
    level: int
    family: str
    rule: str  # "<family>:<line number in severe.txt>", stable while the file is
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class _Rule:
    rule: str
    family: str
    category: Category
    level: int
    pattern: str


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = _MAX_MEM
    return options


_MASK: Final = "[*#%]"  # a letter blanked out: "f*ggot", "n*gger"
_LETTER: Final = {
    "i": "[iy]",  # "nygger" (inside a word only)
    "g": "[gq6]",  # "niqqer", "fa66ot" (the normaliser leaves q and 6 alone); "gg" only
    "f": "(?:f|ph)",  # "phaggot"
}
_VOWELS: Final = frozenset("aeiou")


def _word_pattern(forms: str) -> str:
    """Plain words (``a|b c``) as one whole-word pattern.

    Any letter may repeat ("faag"); a space is any spacing or none ("sand nigger" also finds
    "sandnigger"); between letters a dot, dash or underscore may be slipped in ("nig.ger"); a
    vowel inside the word may be blanked out with ``*``, ``#`` or ``%`` ("f*ggot"), never the
    first or last letter, so "f**" is not "fag"; and a few spellings the normaliser leaves
    alone are folded here (``_LETTER``)."""
    alts = []
    for form in forms.split("|"):
        form = form.strip()
        parts = []
        for i, ch in enumerate(form):
            if ch == " ":
                parts.append(r"[\s_-]*")
                continue
            if ch == "'":
                parts.append("['’]?")
                continue
            inner = 0 < i < len(form) - 1 and form[i - 1] != " " and form[i + 1] != " "
            doubled = ch in form[max(i - 1, 0) : i] + form[i + 1 : i + 2]
            letter = _LETTER.get(ch, re.escape(ch)) if inner or ch == "f" else re.escape(ch)
            if ch == "g" and not doubled:
                letter = "g"  # "faq" and "faqs" are not slurs; "niqqer" and "fa66ot" are
            if inner and ch in _VOWELS:
                parts.append(f"(?:{letter}|{_MASK})+")
            else:
                parts.append(f"{letter}+")
            if i < len(form) - 1 and form[i + 1] not in " '":
                parts.append(r"[._-]?")
        alts.append("".join(parts))
    return r"\b(?:" + "|".join(alts) + r")\b"


def _expand(pattern: str, macros: Mapping[str, str]) -> str:
    for _ in range(4):  # macros may use macros
        new = re.sub(
            r"\{([A-Z]+)\}", lambda m: f"(?:{macros[m[1]]})" if m[1] in macros else m[0], pattern
        )
        if new == pattern:
            break
        pattern = new
    return pattern


def _category(name: str, line: int) -> Category:
    if name not in _CATEGORIES:
        raise ValueError(f"severe rules line {line}: unknown category {name!r}")
    return cast(Category, name)


@dataclass(frozen=True, slots=True)
class ParsedRules:
    rules: tuple[_Rule, ...]
    excepts: dict[str, str]
    befores: dict[str, str]
    afters: dict[str, str]
    version: str


def parse_rules(text: str, *, name: str = "severe.txt") -> ParsedRules:
    """Parse the rules file format documented in ``vocab/severe.txt``'s header."""
    macros: dict[str, str] = {}
    groups: dict[Category, str] = {}
    singles: dict[Category, str] = {}
    rules: list[_Rule] = []
    excepts: dict[str, list[str]] = {}
    befores: dict[str, list[str]] = {}
    afters: dict[str, list[str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head = line.split(None, 1)[0]
        if head == "@macro":
            _, key, body = line.split(None, 2)
            macros[key] = _expand(body, macros)
        elif head in ("@group", "@single"):
            _, cat, body = line.split(None, 2)
            (groups if head == "@group" else singles)[_category(cat, number)] = body
        elif head in ("@except", "@before", "@after"):
            _, family, body = line.split(None, 2)
            target = {"@except": excepts, "@before": befores, "@after": afters}[head]
            target.setdefault(family, []).append(_expand(body, macros))
        elif head == "slur":
            _, cat, level, forms = line.split(None, 3)
            rules.append(
                _Rule(
                    f"slur:{number}",
                    "slur",
                    _category(cat, number),
                    int(level),
                    _word_pattern(forms),
                )
            )
        elif head == "rule":
            _, family, cat, level, body = line.split(None, 4)
            pattern = _expand(body, macros)
            if cat == "group":
                for group_cat, words in groups.items():
                    rules.append(
                        _Rule(
                            f"{family}:{number}:{group_cat}",
                            family,
                            group_cat,
                            int(level),
                            pattern.replace("{GROUP}", f"(?:{words})").replace(
                                "{SINGLE}", f"(?:{singles.get(group_cat, words)})"
                            ),
                        )
                    )
            else:
                rules.append(
                    _Rule(f"{family}:{number}", family, _category(cat, number), int(level), pattern)
                )
        else:
            raise ValueError(f"{name} line {number}: cannot read {line[:40]!r}")
    for rule in rules:
        if not 1 <= rule.level <= 4:
            raise ValueError(f"{name}: rule {rule.rule} has level {rule.level}, not 1-4")
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return ParsedRules(
        rules=tuple(rules),
        excepts={k: "|".join(f"(?:{p})" for p in v) for k, v in excepts.items()},
        befores={k: "|".join(f"(?:{p})" for p in v) for k, v in befores.items()},
        afters={k: "|".join(f"(?:{p})" for p in v) for k, v in afters.items()},
        version=f"severe-{digest}",
    )


class SevereRules:
    """The compiled rules; build once, then ``find`` on each normalised text."""

    __slots__ = ("_afters", "_befores", "_excepts", "_regexps", "_rules", "_set", "version")

    def __init__(self, parsed: ParsedRules) -> None:
        options = _options()
        self.version = parsed.version
        self._rules = parsed.rules
        self._regexps = []
        self._set = re2.Set.SearchSet(options)
        for rule in parsed.rules:
            try:
                self._regexps.append(re2.compile(rule.pattern, options))
            except re2.error as exc:
                raise ValueError(f"severe rule {rule.rule}: RE2 cannot compile it: {exc}") from None
            self._set.Add(rule.pattern)
        self._set.Compile()
        self._excepts = {k: re2.compile(v, options) for k, v in parsed.excepts.items()}
        self._befores = {k: re2.compile(v, options) for k, v in parsed.befores.items()}
        self._afters = {k: re2.compile(v, options) for k, v in parsed.afters.items()}

    def __len__(self) -> int:
        return len(self._rules)

    def find(
        self, text: str, *, variant: tuple[str, Sequence[int]] | None = None
    ) -> list[RuleFinding]:
        """Every rule that hits ``text`` (normalised) and is not excused, by rule order.

        ``variant``: another reading of ``text`` and, per character, its index in ``text``
        (``normalise.unelongated``); a rule that hits either reading is found, with the
        variant's spans mapped back to ``text``."""
        found = self._find(text)
        if variant is None:
            return found
        other, index = variant
        by_rule = {f.rule: f for f in found}
        for f in self._find(other):
            spans = tuple(
                (index[s], index[e - 1] + 1) for s, e in f.spans if e > s and e <= len(index)
            )
            have = by_rule.get(f.rule)
            merged = tuple(sorted({*spans, *(have.spans if have is not None else ())}))
            by_rule[f.rule] = RuleFinding(f.category, f.level, f.family, f.rule, merged)
        order = {rule.rule: n for n, rule in enumerate(self._rules)}
        return sorted(by_rule.values(), key=lambda f: order[f.rule])

    def _find(self, text: str) -> list[RuleFinding]:
        hits: list[int] | None = self._set.Match(text)
        if not hits:
            return []
        out = []
        for index in sorted(hits):
            rule = self._rules[index]
            spans = self._spans(index, rule.family, text)
            if spans:
                out.append(RuleFinding(rule.category, rule.level, rule.family, rule.rule, spans))
        return out

    def _spans(self, index: int, family: str, text: str) -> tuple[Span, ...]:
        excuse = self._excepts.get(family)
        if excuse is not None and excuse.search(text):
            return ()
        before = self._befores.get(family)
        after = self._afters.get(family)
        regexp = self._regexps[index]
        group = regexp.groupindex.get("hit", 0)
        spans = []
        for m in regexp.finditer(text):
            start, end = m.span(group)
            if end <= start:
                continue
            if before is not None and before.search(text[max(0, start - _BEFORE_WINDOW) : start]):
                continue
            if after is not None and after.search(text[end : end + _AFTER_WINDOW]):
                continue
            if _quoted(text, start, end):
                continue
            spans.append((start, end))
        return tuple(spans)


_OPEN_QUOTES: Final = frozenset("\"“‘'«")
_CLOSE_QUOTES: Final = frozenset("\"”’'»")
_QUOTE_REACH: Final = 40


def _quoted(text: str, start: int, end: int) -> bool:
    """Is the finding inside quotation marks ("he typed "kys" at me", 'the word "t****"')?
    Quoting or naming words is counter-speech and reporting far more often than abuse.
    An opening mark must be right before the finding and a closing one after it, before the
    sentence ends."""
    i = start - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    if i < 0 or text[i] not in _OPEN_QUOTES:
        return False
    if text[i] == "'" and i > 0 and text[i - 1].isalnum():
        return False  # an apostrophe ("don't"), not a quotation mark
    for ch in text[end : end + _QUOTE_REACH]:
        if ch in _CLOSE_QUOTES:
            return True
        if ch in ".!?\n":
            return False
    return False


def load_rules(path: pathlib.Path = SEVERE_FILE) -> SevereRules:
    return SevereRules(parse_rules(path.read_text(encoding="utf-8"), name=path.name))


#: The bundled rules, compiled once at import.
SEVERE_RULES: Final = load_rules()
SEVERE_VERSION: Final = SEVERE_RULES.version


@dataclass(frozen=True, slots=True)
class RuleHold:
    """The rule findings that hold a message for one category at the channel's ``level``."""

    category: Category
    level: int  # the channel's level for the category
    findings: tuple[RuleFinding, ...]

    @property
    def rules(self) -> str:
        """The rules behind the hold, e.g. ``"threat:91,slur:60"``."""
        return ",".join(dict.fromkeys(f.rule for f in self.findings))

    @property
    def spans(self) -> list[Span]:
        """Every matched span, sorted, duplicates removed (normalised-text coordinates)."""
        return sorted({s for f in self.findings for s in f.spans})


def held_rule_findings(
    findings: Iterable[RuleFinding], levels: Mapping[Category, int]
) -> list[RuleHold]:
    """The findings a channel's ``levels`` hold, grouped by category (level 0: never)."""
    by_cat: dict[Category, list[RuleFinding]] = {}
    for f in findings:
        if 0 < f.level <= levels.get(f.category, 0):
            by_cat.setdefault(f.category, []).append(f)
    return [RuleHold(cat, levels[cat], tuple(found)) for cat, found in by_cat.items()]
