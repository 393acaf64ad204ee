"""Channel rules: ``rules.clean_rules`` (what a rule list may hold) and
``ChannelService.get_rules``/``set_rules`` (who writes them, the mod log, the live event), on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from chatwarden.bus import InProcessBus, channel_topic
from chatwarden.errors import Forbidden, InputError
from chatwarden.service import events
from chatwarden.service.platform.rules import MAX_RULE_LENGTH, MAX_RULES, clean_rules
from chatwarden.services import Services
from tests.service.conftest import Cast, Recorder


def test_clean_rules_keeps_the_order_and_one_line_each() -> None:
    got = clean_rules(["  Be kind ", "No\nspoilers", "English   in chat"])
    assert got == ["Be kind", "No spoilers", "English in chat"]
    assert clean_rules([]) == []
    assert clean_rules(["x" * MAX_RULE_LENGTH]) == ["x" * MAX_RULE_LENGTH]
    assert len(clean_rules([f"rule {n}" for n in range(MAX_RULES)])) == MAX_RULES


@pytest.mark.parametrize(
    ("rules", "says"),
    [
        ("Be kind", "must be a list"),
        (None, "must be a list"),
        (["ok", 3], "rule 2 must be a string"),
        (["ok", "   "], "rule 2 is empty"),
        (["x" * (MAX_RULE_LENGTH + 1)], f"the limit is {MAX_RULE_LENGTH}"),
        ([f"r{n}" for n in range(MAX_RULES + 1)], f"at most {MAX_RULES} rules"),
        (["Be kind", "be  KIND"], "rule 2 repeats"),
    ],
)
def test_clean_rules_refuses(rules: object, says: str) -> None:
    with pytest.raises(InputError, match=says):
        clean_rules(rules)


def test_owner_and_lead_write_the_rules_and_the_mod_log_says_so(
    services: Services, cast: Cast
) -> None:
    cid = cast.channel.id
    assert services.channels.get_rules(cid) == []
    assert services.channels.set_rules(cast.olivia, cid, ["Be kind", "No spoilers"]) == [
        "Be kind",
        "No spoilers",
    ]
    services.channels.set_rules(cast.lena, cid, ["No spoilers", "Be kind", "No links"])
    assert services.channels.get_rules(cid) == ["No spoilers", "Be kind", "No links"]
    # the same list again changes nothing and logs nothing
    services.channels.set_rules(cast.lena, cid, ["No spoilers", "Be kind", "No links"])
    log = services.modlog.list_entries(cast.mike, cid, action="rules.update")
    assert [(e.actor_name, e.details) for e in log] == [
        (
            "lena",
            {"before": ["Be kind", "No spoilers"], "after": ["No spoilers", "Be kind", "No links"]},
        ),
        ("olivia", {"before": [], "after": ["Be kind", "No spoilers"]}),
    ]
    # another channel's rules are its own
    assert services.channels.get_rules(cast.other.id) == []
    services.channels.set_rules(cast.olivia, cid, [])
    assert services.channels.get_rules(cid) == []


def test_moderators_and_viewers_cannot_write_the_rules(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    services.channels.set_rules(cast.olivia, cid, ["Be kind"])
    for who in (cast.mike, cast.vera, cast.sam, cast.fiona, cast.victor, cast.bob):
        with pytest.raises(Forbidden):
            services.channels.set_rules(who, cid, ["anything goes"])
        with pytest.raises(Forbidden):  # the permission is checked before the list
            services.channels.set_rules(who, cid, ["x" * 500])
    assert services.channels.get_rules(cid) == ["Be kind"]
    services.channels.set_rules(cast.ada, cid, ["Be kind", "Admins may"])  # a site admin may
    with pytest.raises(InputError):
        services.channels.set_rules(cast.olivia, cid, ["ok", ""])
    assert services.channels.get_rules(cid) == ["Be kind", "Admins may"]


def test_a_change_is_told_to_everyone_in_the_channel(
    services: Services, cast: Cast, bus: InProcessBus
) -> None:
    topic = channel_topic(cast.channel.id)
    recorder = Recorder(bus, topic)
    try:
        services.channels.set_rules(cast.olivia, cast.channel.id, ["Be kind"])
        got = [e for e in recorder.drain(topic) if e["type"] == events.RULES_UPDATE]
    finally:
        recorder.close()
    assert [e["event"]["rules"] for e in got] == [["Be kind"]]
