"""Subscribable policy lists: curate, subscribe (terms block), update, import/export."""

from __future__ import annotations

import json

import pytest

from chatwarden.errors import Conflict, Forbidden, InputError
from chatwarden.services import Services
from tests.service.conftest import Cast


def test_subscribing_blocks_the_lists_terms_and_updates_follow(
    services: Services, cast: Cast
) -> None:
    alpha, beta = cast.channel.id, cast.other.id
    plist = services.policy_lists.create(
        cast.bob, beta, "anti-raid", "raid phrases", '[{"text": "glorpface"}]'
    )
    assert plist.terms == 1 and plist.channel_name == "beta"
    assert services.chat.send_message(cast.victor, alpha, "you glorpface").status == "delivered"
    services.policy_lists.subscribe(cast.lena, alpha, plist.id)
    r = services.chat.send_message(cast.victor, alpha, "you glorpface")
    assert r.status == "blocked"
    assert [p.name for p in services.policy_lists.subscriptions(cast.mike, alpha)] == ["anti-raid"]
    # the curator updates the list; the subscriber's AutoMod follows at once
    services.policy_lists.import_terms(
        cast.bob, plist.id, '{"name": "x", "terms": [{"text": "snorkbait"}]}'
    )
    assert services.chat.send_message(cast.victor, alpha, "you glorpface").status == "delivered"
    assert services.chat.send_message(cast.victor, alpha, "snorkbait lol").status == "blocked"
    services.policy_lists.unsubscribe(cast.lena, alpha, plist.id)
    assert services.chat.send_message(cast.victor, alpha, "snorkbait lol").status == "delivered"
    actions = [e.action for e in services.modlog.list_entries(cast.olivia, alpha)]
    assert "policy_list.subscribe" in actions and "policy_list.unsubscribe" in actions


def test_export_import_round_trip_and_checks(services: Services, cast: Cast) -> None:
    beta = cast.other.id
    plist = services.policy_lists.create(
        cast.bob, beta, "community-a", "", "text,kind\nbadword,blocked\nworse*,blocked\n", "csv"
    )
    exported = services.policy_lists.export(plist.id)
    doc = json.loads(exported)
    assert doc["name"] == "community-a" and [t["text"] for t in doc["terms"]] == [
        "badword",
        "worse*",
    ]
    copy = services.policy_lists.create(cast.olivia, cast.channel.id, "community-b", "", exported)
    assert copy.terms == 2
    assert "badword" in services.policy_lists.export(copy.id, "csv")
    with pytest.raises(Conflict):
        services.policy_lists.create(cast.bob, beta, "community-a")
    with pytest.raises(InputError, match="blocked terms only"):
        services.policy_lists.import_terms(
            cast.bob, plist.id, '[{"text": "fine", "kind": "permitted"}]'
        )
    with pytest.raises(InputError):
        services.policy_lists.create(cast.bob, beta, "Bad Name!")
    with pytest.raises(Forbidden):  # only the curating channel's leads edit it
        services.policy_lists.import_terms(cast.olivia, plist.id, '[{"text": "x1x1"}]')
    with pytest.raises(Forbidden):
        services.policy_lists.subscribe(cast.mike, cast.channel.id, plist.id)
    assert {p.name for p in services.policy_lists.list_all()} == {"community-a", "community-b"}
    services.policy_lists.delete(cast.bob, plist.id)
    assert [p.name for p in services.policy_lists.list_all()] == ["community-b"]
