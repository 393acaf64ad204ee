"""Matrix policy lists, the pure part: globs, rule events (current and legacy types), removal,
matching members, the sync filter and a published rule."""

from __future__ import annotations

from typing import Any

from chatwarden.connectors.matrix.parse import sync_filter
from chatwarden.connectors.matrix.policy import (
    PolicySet,
    glob_match,
    room_events,
    rule_of,
    rule_state,
    with_policy_rooms,
)

LIST = "!list:example.org"


def rule(kind: str, key: str, entity: str | None, rec: str = "m.ban", **kw: Any) -> dict[str, Any]:
    content: dict[str, Any] = {} if entity is None else {"entity": entity, "recommendation": rec}
    content.update(kw)
    return {"type": kind, "state_key": key, "content": content}


def test_globs_are_star_and_question_mark_on_the_whole_value() -> None:
    assert glob_match("@spam*:example.org", "@spammer:example.org")
    assert glob_match("@a?c:x", "@abc:x")
    assert not glob_match("@a?c:x", "@abbc:x")
    assert not glob_match("@spam*", "@Spammer:x")  # case-sensitive
    assert not glob_match("@[ab]:x", "@a:x")  # no character classes: literal
    assert glob_match("@[ab]:x", "@[ab]:x")
    assert not glob_match("evil.org", "notevil.org")  # the whole value


def test_current_and_legacy_rule_types_and_removal() -> None:
    rules = PolicySet()
    added = rules.update(
        LIST,
        [
            rule("m.policy.rule.user", "r1", "@spam*:x", reason="  spam   ring "),
            rule("org.matrix.mjolnir.rule.user", "r2", "@old:x", "org.matrix.mjolnir.ban"),
            rule("m.room.rule.server", "r3", "evil.org"),
            rule("m.policy.rule.room", "r4", "!bad:x"),
            rule("m.policy.rule.user", "r5", "@maybe:x", "org.example.watch"),
            {"type": "m.room.name", "state_key": "", "content": {"name": "list"}},
            {"type": "m.policy.rule.user", "content": {"entity": "@no-state-key:x"}},
        ],
    )
    assert [r.entity for r in added] == ["@spam*:x", "@old:x", "evil.org", "!bad:x"]
    assert len(rules) == 5
    hit = rules.match("@spammer:x")
    assert hit is not None and (hit.reason, hit.room_id, hit.kind) == ("spam ring", LIST, "user")
    assert rules.match("@old:x") is not None
    server = rules.match("@anyone:evil.org")
    assert server is not None and server.kind == "server"
    assert rules.match("!bad:x") is None  # room rules never match a member
    assert rules.match("@maybe:x") is None  # not a ban
    assert rules.match("@fine:x") is None
    # the same rule again is not new; a changed one is
    assert (
        rules.update(LIST, [rule("m.policy.rule.user", "r1", "@spam*:x", reason="spam ring")]) == []
    )
    assert len(rules.update(LIST, [rule("m.policy.rule.user", "r1", "@spam*:x")])) == 1
    # removed: empty content, or content without an entity
    rules.update(LIST, [rule("m.policy.rule.user", "r1", None)])
    rules.update(LIST, [{"type": "m.policy.rule.server", "state_key": "r3", "content": {"x": 1}}])
    assert rules.match("@spammer:x") is None
    assert rules.match("@anyone:evil.org") is None
    # user rules win over server rules
    rules.update(
        "!other:x",
        [rule("m.policy.rule.server", "s", "x"), rule("m.policy.rule.user", "u", "@old:x")],
    )
    found = rules.match("@old:x")
    assert found is not None and found.kind == "user"


def test_a_legacy_and_a_current_event_with_one_state_key_are_one_rule() -> None:
    key, found = rule_of(LIST, rule("org.matrix.mjolnir.rule.user", "k", "@a:x"))
    assert key == ("user", "k") and found is not None
    rules = PolicySet()
    rules.update(LIST, [rule("org.matrix.mjolnir.rule.user", "k", "@a:x")])
    rules.update(LIST, [rule("m.policy.rule.user", "k", None)])
    assert rules.match("@a:x") is None


def test_the_sync_filter_takes_in_the_policy_rooms_and_their_rule_types() -> None:
    base = sync_filter("!chat:x")
    assert with_policy_rooms(base, []) is base
    wide = with_policy_rooms(base, [LIST])
    assert wide["room"]["rooms"] == ["!chat:x", LIST]
    for block in ("timeline", "state"):
        assert "m.policy.rule.user" in wide["room"][block]["types"]
        assert "org.matrix.mjolnir.rule.server" in wide["room"][block]["types"]
    assert base["room"]["rooms"] == ["!chat:x"]  # the base filter is left as it was


def test_a_policy_rooms_state_events_come_from_state_then_timeline() -> None:
    sync = {
        "rooms": {
            "join": {
                LIST: {
                    "state": {"events": [rule("m.policy.rule.user", "a", "@a:x")]},
                    "timeline": {
                        "events": [
                            {"type": "m.room.message", "content": {"body": "hi"}},
                            rule("m.policy.rule.user", "a", None),
                        ]
                    },
                }
            }
        }
    }
    events = room_events(sync, LIST)
    assert [e["content"] for e in events] == [{"entity": "@a:x", "recommendation": "m.ban"}, {}]
    assert room_events(sync, "!elsewhere:x") == []
    assert room_events({}, LIST) == []


def test_a_published_ban_is_a_user_rule() -> None:
    event_type, key, content = rule_state("@bob:x", "  threats\nagain ")
    assert (event_type, key) == ("m.policy.rule.user", "rule:@bob:x")
    assert content == {"entity": "@bob:x", "reason": "threats again", "recommendation": "m.ban"}
    assert rule_state("@bob:x", "")[2]["reason"] == "ChatWarden"
