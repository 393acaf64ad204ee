"""Term files and regex terms past the limits are refused with a clear reason."""

from __future__ import annotations

import csv

import pytest

from chatwarden.errors import InputError
from chatwarden.pipeline.terms.io import load_terms
from chatwarden.pipeline.terms.patterns import MAX_PATTERN_LENGTH, compile_pattern


def test_a_csv_field_over_the_csv_limit_is_a_bad_csv_error() -> None:
    huge = "a" * (csv.field_size_limit() + 1)
    with pytest.raises(InputError, match=r"^line \d+: bad CSV: field larger than field limit"):
        load_terms(f"text\nok\n{huge}\n", "csv")


def test_a_regex_longer_than_the_limit_is_refused_before_compiling() -> None:
    assert compile_pattern("a" * MAX_PATTERN_LENGTH) is not None
    with pytest.raises(InputError, match=f"longer than {MAX_PATTERN_LENGTH} characters"):
        compile_pattern("b" * (MAX_PATTERN_LENGTH + 1))
