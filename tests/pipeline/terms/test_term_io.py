from __future__ import annotations

from pathlib import Path

import pytest

from chatwarden.errors import InputError
from chatwarden.pipeline.terms import Term, TermFormat, dump_terms, load_terms

TERMS = [
    Term("noob"),
    Term("hate*", private=True),
    Term("*hole", scope="global"),
    Term("hell yeah", kind="permitted"),
    Term('say "hi", then, go', private=True, scope="global"),
    Term(r"f+u+c+k+|sh[i1]t\b", is_regex=True),
    Term(r"a{2,}[,;]", is_regex=True, private=True),
    Term("ПРИВЕТ мир"),
]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_round_trip_through_text(fmt: TermFormat) -> None:
    assert load_terms(dump_terms(TERMS, fmt), fmt) == TERMS


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_round_trip_through_a_file_infers_the_format(fmt: TermFormat, tmp_path: Path) -> None:
    path = tmp_path / f"terms.{fmt}"
    path.write_text(dump_terms(TERMS, fmt), encoding="utf-8")
    assert load_terms(path) == TERMS


def test_csv_dump_has_the_documented_header() -> None:
    text = dump_terms([Term("noob", private=True)], "csv")
    assert text == "text,kind,private,scope,is_regex\nnoob,blocked,true,channel,false\n"


def test_csv_defaults_any_order_bom_and_blank_lines() -> None:
    text = "\ufeffscope,TEXT\n\nglobal,noob\n,  hell  \n"
    assert load_terms(text, "csv") == [Term("noob", scope="global"), Term("hell")]


def test_csv_accepts_yes_no_and_digits_for_booleans() -> None:
    text = "text,private,is_regex\nnoob,Yes,0\nab+c,no,1\n"
    assert load_terms(text) == [Term("noob", private=True), Term("ab+c", is_regex=True)]


def test_json_defaults() -> None:
    text = '[{"text": "noob"}, {"text": "hell yeah", "kind": "permitted"}]'
    assert load_terms(text) == [Term("noob"), Term("hell yeah", kind="permitted")]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_empty_lists(fmt: TermFormat) -> None:
    assert load_terms(dump_terms([], fmt), fmt) == []


def test_empty_text_is_an_empty_csv_list() -> None:
    assert load_terms("", "csv") == []


def test_duplicates_are_dropped_keeping_the_first() -> None:
    text = "text,kind,scope\nn00b,blocked,channel\nNOOB,blocked,channel\nnoob,permitted,channel\n"
    text += "noob,blocked,global\n"
    assert load_terms(text, "csv") == [
        Term("n00b"),
        Term("noob", kind="permitted"),
        Term("noob", scope="global"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("word,kind\nnoob,blocked\n", "line 1: the header must name the columns"),
        ("text,text\nnoob,noob\n", "line 1: the header must name"),
        ("text,kind\nnoob,blocked\nx,blocked\n", "line 3: term 'x': must be 2 to 500"),
        ("text,kind\nnoob,blocked\n\nha*te,blocked\n", "line 4: term 'ha\\*te': a wildcard"),
        ("text,kind\nnoob,banned\n", "line 2: term 'noob': kind must be one of"),
        ("text,private\nnoob,maybe\n", "line 2: private must be true or false, got 'maybe'"),
        ("text,kind\nnoob,blocked,extra\n", "line 2: 3 fields, the header has 2"),
        ('text,kind\n"two\nlines",blocked\nx,blocked\n', "line 2: term 'two\\\\nlines': must not"),
        ('text,kind\n"noob, ok",blocked\nx,blocked\n', "line 3: term 'x'"),
        ("text,is_regex\n(oops,true\n", "line 2: regex '\\(oops': RE2 cannot compile"),
        ("text\nhate*,\nhate*\n", "line 2: 2 fields, the header has 1"),
    ],
)
def test_bad_csv_rows_name_the_line_and_problem(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_terms(text, "csv")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"text": "noob"}', "line 1: expected a JSON list of terms"),
        ('[\n  {"text": "noob"},\n  "hate"\n]', "line 3 \\(term 2\\): each term must be a JSON"),
        ('[\n  {"text": "noob"},\n\n  {"text": "x"}\n]', "line 4 \\(term 2\\): term 'x': must be"),
        ('[{"text": "noob", "colour": "red"}]', "line 1 \\(term 1\\): unknown field 'colour'"),
        ('[{"kind": "blocked"}]', "line 1 \\(term 1\\): no text"),
        ('[{"text": 42}]', "term 1\\): term text must be a string, got int"),
        ('[{"text": "noob", "private": "true"}]', "private must be true or false, got 'true'"),
        ('[{"text": "noob", "kind": 1}]', "kind must be a string, got 1"),
        ('[\n{"text": "noob"},\n{"text": "hate" oops}\n]', "line 3: invalid JSON"),
        ('[{"text": "noob"}', "line 1: the JSON list is not closed"),
        ('[{"text": "noob"} {"text": "hate"}]', "line 1: expected ',' or ']' after a term"),
        ('[{"text": "noob"}]\n[]', "line 2: unexpected text after the list"),
        ("", "line 1: expected a JSON list"),
    ],
)
def test_bad_json_items_name_the_line_and_problem(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_terms(text, "json")


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read terms file"):
        load_terms(tmp_path / "missing.csv")
    odd = tmp_path / "terms.txt"
    odd.write_text("text\nnoob\n", encoding="utf-8")
    with pytest.raises(InputError, match="name it .csv or .json"):
        load_terms(odd)
    assert load_terms(odd, "csv") == [Term("noob")]


def test_unknown_format() -> None:
    with pytest.raises(InputError, match="unknown terms format 'xml'"):
        load_terms("text\nnoob\n", "xml")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unknown terms format 'xml'"):
        dump_terms(TERMS, "xml")  # type: ignore[arg-type]
