"""The spam filters' number settings and bounds as the detection panel reads them
(``spam_filter_fields``), and the link allow-list's domain names checked and normalised."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chatwarden.detect.config import (
    MAX_ALLOWED_DOMAINS,
    SPAM_FILTERS,
    LinksConfig,
    SpamConfig,
    spam_filter_fields,
)


def test_every_filter_lists_its_numbers_with_the_bounds_pydantic_enforces() -> None:
    fields = spam_filter_fields()
    assert tuple(fields) == SPAM_FILTERS
    assert fields["caps"]["threshold"] == {
        "type": "number",
        "default": 0.7,
        "description": "",
        "exclusive_min": 0,
        "max": 1,
    }
    assert fields["repetition"]["max_char_run"]["min"] == 2
    assert fields["rate"]["per_s"]["type"] == "number"
    assert "allowed_domains" not in fields["links"] and "timeouts" not in fields["links"]
    # each bound is the one validation applies: just outside it is refused, on it accepted
    for name, numbers in fields.items():
        for key, spec in numbers.items():
            if "min" in spec:
                SpamConfig.model_validate({name: {key: spec["min"]}})
                with pytest.raises(ValidationError):
                    SpamConfig.model_validate({name: {key: spec["min"] - 1}})
            if "exclusive_min" in spec:
                with pytest.raises(ValidationError):
                    SpamConfig.model_validate({name: {key: spec["exclusive_min"]}})
            if "max" in spec:
                SpamConfig.model_validate({name: {key: spec["max"]}})
                with pytest.raises(ValidationError):
                    SpamConfig.model_validate({name: {key: spec["max"] + 1}})


def test_allowed_domains_are_normalised_like_link_hosts() -> None:
    links = LinksConfig(allowed_domains=frozenset({" WWW.Example.ORG. ", "clips.twitch.tv"}))
    assert links.allowed_domains == frozenset({"example.org", "clips.twitch.tv"})


@pytest.mark.parametrize("bad", ["http://example.org", "example", "exa mple.org", "", "-a.org"])
def test_anything_but_a_domain_name_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="is not a domain name"):
        LinksConfig(allowed_domains=frozenset({bad}))


def test_the_allow_list_is_bounded() -> None:
    many = frozenset(f"d{i}.example.org" for i in range(MAX_ALLOWED_DOMAINS + 1))
    with pytest.raises(ValidationError, match=f"at most {MAX_ALLOWED_DOMAINS} domains"):
        LinksConfig(allowed_domains=many)
