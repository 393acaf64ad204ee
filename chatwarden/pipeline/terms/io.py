"""Import and export term lists as CSV (header ``text,kind,private,scope,is_regex``) or JSON
(a list of objects with those keys). Only ``text`` is required; the rest default as in ``Term``.

A CSV cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``...) is written
with a leading ``'`` and read back without it (``chatwarden.csvcells``).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from chatwarden.csvcells import escape_cell, unescape_cell
from chatwarden.errors import InputError
from chatwarden.pipeline.terms.budget import RegexBudget
from chatwarden.pipeline.terms.patterns import compile_pattern
from chatwarden.pipeline.terms.term import Term, dedupe_terms

TermFormat = Literal["csv", "json"]
FIELDS = ("text", "kind", "private", "scope", "is_regex")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0", ""}


def load_terms(
    source: str | os.PathLike[str],
    fmt: TermFormat | None = None,
    *,
    regex_budget: RegexBudget | None = None,
) -> list[Term]:
    """Read terms from a file (a ``Path``) or from the text itself (a ``str``).

    ``fmt`` defaults to the file's suffix, or for text to JSON when it starts with ``[``.
    Duplicates (same normalised text, kind and scope) are dropped, the first one kept. A bad
    row raises ``InputError`` naming its line and the problem. With ``regex_budget``, reading
    stops at the first regex term that takes the file's own regex terms over its count or
    program size (``TermBudgetError``): a file of thousands of costly patterns costs little.
    """
    if isinstance(source, os.PathLike):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read terms file {str(path)!r}: {exc}") from None
        fmt = fmt or _format_of(path)
    else:
        text = source.removeprefix("\ufeff")
        fmt = fmt or ("json" if text.lstrip().startswith("[") else "csv")
    if fmt == "csv":
        terms = _parse_csv(text)
    elif fmt == "json":
        terms = _parse_json(text)
    else:
        raise InputError(f"unknown terms format {fmt!r} (expected csv or json)")
    if regex_budget is not None:
        terms = _within(terms, regex_budget)
    return dedupe_terms(terms)


def _within(terms: Iterator[Term], budget: RegexBudget) -> Iterator[Term]:
    seen: set[tuple[str, str]] = set()
    size = 0
    for term in terms:
        if term.is_regex and (term.scope, term.text) not in seen:
            seen.add((term.scope, term.text))
            budget.check_count(len(seen))
            size += compile_pattern(term.text).programsize  # cached: the term compiled it
            budget.check_program_size(size)
        yield term


def dump_terms(terms: Iterable[Term], fmt: TermFormat) -> str:
    """Write terms as CSV or JSON text that ``load_terms`` reads back unchanged."""
    rows = [
        {
            "text": t.text,
            "kind": t.kind,
            "private": t.private,
            "scope": t.scope,
            "is_regex": t.is_regex,
        }
        for t in terms
    ]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_cell(v) for k, v in row.items()})
        return out.getvalue()
    raise InputError(f"unknown terms format {fmt!r} (expected csv or json)")


def _csv_cell(value: object) -> object:
    if isinstance(value, bool):
        return str(value).lower()
    return escape_cell(value) if isinstance(value, str) else value


def _format_of(path: Path) -> TermFormat:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".json":
        return "json"
    raise InputError(f"terms file {str(path)!r}: cannot tell the format; name it .csv or .json")


def _parse_csv(text: str) -> Iterator[Term]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if header is None:
            return
        columns = [name.strip().lower() for name in header]
        unknown = [name for name in columns if name not in FIELDS]
        if unknown or "text" not in columns or len(set(columns)) != len(columns):
            raise InputError(
                f"line 1: the header must name the columns {', '.join(FIELDS)} "
                f"(text required, each once), got {', '.join(header)!r}"
            )
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns):
                raise InputError(f"line {line}: {len(row)} fields, the header has {len(columns)}")
            cells = dict(zip(columns, map(unescape_cell, row), strict=False))
            yield _term(cells, f"line {line}", _csv_bool)
    except csv.Error as exc:
        raise InputError(f"line {reader.line_num}: bad CSV: {exc}") from None


def _csv_bool(value: Any, name: str) -> bool:
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{name} must be true or false, got {value!r}")


def _json_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"{name} must be true or false, got {value!r}")


def _term(cells: dict[str, Any], where: str, to_bool: Any) -> Term:
    try:
        unknown = sorted(set(cells) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r} (expected {', '.join(FIELDS)})")
        if "text" not in cells:
            raise ValueError("no text")
        kind: Any = _choice(cells.get("kind"), "blocked")
        scope: Any = _choice(cells.get("scope"), "channel")
        return Term(
            text=cells["text"],
            kind=kind,
            private=to_bool(cells.get("private", ""), "private"),
            scope=scope,
            is_regex=to_bool(cells.get("is_regex", ""), "is_regex"),
        )
    except (InputError, ValueError) as exc:
        raise InputError(f"{where}: {exc}") from None


def _choice(value: object, default: str) -> object:
    """A kind or scope cell; ``Term`` checks the value."""
    if isinstance(value, str):
        return value.strip().lower() or default
    return default if value is None else value


def _parse_json(text: str) -> Iterator[Term]:
    """Decode a JSON list item by item, so an error can name the item's line."""
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if not text.startswith("[", pos):
        raise InputError(f"line {_line(text, pos)}: expected a JSON list of terms")
    pos = _skip_space(text, pos + 1)
    number = 0
    while not text.startswith("]", pos):
        if pos >= len(text):
            raise InputError(f"line {_line(text, pos)}: the JSON list is not closed with ']'")
        if number:
            if not text.startswith(",", pos):
                raise InputError(f"line {_line(text, pos)}: expected ',' or ']' after a term")
            pos = _skip_space(text, pos + 1)
        number += 1
        where = f"line {_line(text, pos)} (term {number})"
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(f"line {exc.lineno}: invalid JSON: {exc.msg}") from None
        pos = _skip_space(text, pos)
        if not isinstance(item, dict):
            raise InputError(f"{where}: each term must be a JSON object, got {item!r}")
        for name in ("kind", "scope"):
            if name in item and not isinstance(item[name], str):
                raise InputError(f"{where}: {name} must be a string, got {item[name]!r}")
        yield _term({"private": False, "is_regex": False, **item}, where, _json_bool)
    end = _skip_space(text, pos + 1)
    if end != len(text):
        raise InputError(f"line {_line(text, end)}: unexpected text after the list")


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
