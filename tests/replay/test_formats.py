"""Every log format from small hand-written files, broken lines counted with their reasons."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from chatwarden.errors import InputError
from chatwarden.replay import detect_format, parse_log
from chatwarden.settings import Role

JSONL = "\n".join(
    [
        '{"time": "2024-01-02T12:00:00Z", "channel": "alpha", "user": "sam", "user_id": "7",'
        ' "text": "gg wp", "role": "subscriber"}',
        '{"time": "2024-01-02T12:00:05+01:00", "user": "mod1", "text": "hi",'
        ' "badges": ["moderator"], "decision": {"action": "allow", "status": "delivered"}}',
        "",
        '{"time": "2024-01-02T12:00:06Z", "user": "x", "text": "broken"',
        '{"time": "not a time", "user": "x", "text": "bad time"}',
        '{"time": "2024-01-02T12:00:07Z", "user": "x"}',
        '["not", "an", "object"]',
        '{"time": "2024-01-02T12:00:08Z", "user": "x", "text": "   "}',
        '{"time": "2024-01-02T12:00:09Z", "user": "x", "text": "hey", "role": "king"}',
        '{"time": "2024-01-02T12:00:10", "user": "vip1", "text": "naive: UTC", "role": "vip"}',
    ]
)


def test_chatwarden_jsonl() -> None:
    log = parse_log(JSONL)
    assert log.format == "chatwarden-jsonl"
    assert log.total == 10 and log.blank_lines == 1
    assert [r.line for r in log.records] == [1, 2, 10]
    first, second, third = log.records
    assert first.time == datetime(2024, 1, 2, 12, 0, tzinfo=UTC)
    assert (first.channel, first.user, first.user_id, first.role) == (
        "alpha",
        "sam",
        "7",
        Role.SUBSCRIBER,
    )
    assert second.time == datetime(2024, 1, 2, 11, 0, 5, tzinfo=UTC)  # +01:00 -> UTC
    assert second.role is Role.MODERATOR and second.recorded == "allow"
    assert third.role is Role.VIP and third.time.tzinfo is not None
    assert log.problem_count == 6
    reasons = {p.line: p.reason for p in log.problems}
    assert reasons[4].startswith("not JSON")
    assert "not ISO-8601" in reasons[5]
    assert reasons[6].startswith("missing text")
    assert reasons[7] == "not a JSON object: got list"
    assert reasons[8].startswith("empty message")
    assert "unknown role 'king'" in reasons[9]
    assert log.problems[0].excerpt.startswith('{"time": "2024-01-02T12:00:06Z"')
    # every line is accounted for
    assert len(log.records) + log.problem_count + log.blank_lines == log.total


def _badge(name: str) -> dict[str, str]:
    return {"_id": name, "version": "1"}


TWITCHDOWNLOADER = {
    "FileInfo": {"Version": {"Major": 1, "Minor": 4}},
    "streamer": {"name": "bigstreamer", "id": 1234},
    "video": {"start": 0, "end": 100},
    "comments": [
        {
            "_id": "a",
            "created_at": "2024-03-01T20:00:01.123Z",
            "content_offset_seconds": 1,
            "commenter": {"display_name": "Alice", "_id": "11", "name": "alice"},
            "message": {"body": "PogChamp", "user_badges": [_badge("subscriber")]},
        },
        {
            "_id": "b",
            "created_at": "2024-03-01T20:00:02Z",
            "content_offset_seconds": 2,
            "commenter": {"name": "modguy", "_id": "12"},
            "message": {
                "body": "no spam pls",
                "user_badges": [_badge("moderator"), _badge("subscriber")],
            },
        },
        {"_id": "c", "created_at": "2024-03-01T20:00:03Z", "commenter": {"name": "x"}},
        {
            "_id": "d",
            "created_at": "yesterday",
            "commenter": {"name": "x"},
            "message": {"body": "hi"},
        },
        "garbage",
        {
            "_id": "e",
            "created_at": "2024-03-01T20:00:04Z",
            "commenter": {"name": "broadcaster_guy"},
            "message": {"body": "thanks all", "user_badges": [_badge("broadcaster")]},
        },
    ],
}


def test_twitchdownloader_json() -> None:
    log = parse_log(json.dumps(TWITCHDOWNLOADER).encode())
    assert log.format == "twitchdownloader"
    assert [r.line for r in log.records] == [1, 2, 6]
    alice, mod, owner = log.records
    assert alice.user == "Alice" and alice.user_id == "11" and alice.channel == "bigstreamer"
    assert alice.role is Role.SUBSCRIBER and alice.time == datetime(
        2024, 3, 1, 20, 0, 1, 123000, tzinfo=UTC
    )
    assert mod.user == "modguy" and mod.role is Role.MODERATOR  # the highest badge wins
    assert owner.role is Role.OWNER
    assert log.problem_count == 3
    reasons = {p.line: p.reason for p in log.problems}
    assert reasons[3].startswith("missing message")
    assert "not ISO-8601" in reasons[4]
    assert reasons[5] == "not a comment object: got str"


CHAT_DOWNLOADER = [
    {
        "message_id": "1",
        "message": "hello there",
        "message_type": "text_message",
        "timestamp": 1704196800000000,  # 2024-01-02T12:00:00Z in microseconds
        "time_in_seconds": 10.5,
        "author": {
            "name": "bob",
            "display_name": "Bob",
            "id": "99",
            "badges": [{"name": "vip", "title": "VIP"}],
        },
    },
    {
        "message_type": "subscription",
        "timestamp": 1704196801000000,
        "author": {"name": "carol"},
    },
    {
        "message": "no time",
        "author": {"name": "dave"},
    },
    {
        "message": "mod here",
        "timestamp": 1704196802500000,
        "author": {"name": "erin", "badges": [{"title": "Moderator"}]},
    },
    {"message": "", "timestamp": 1704196803000000, "author": {"name": "frank"}},
]


def test_chat_downloader_json() -> None:
    log = parse_log(json.dumps(CHAT_DOWNLOADER), channel="somechannel")
    assert log.format == "chat-downloader"
    assert [r.line for r in log.records] == [1, 4]
    bob, erin = log.records
    assert bob.time == datetime(2024, 1, 2, 12, 0, tzinfo=UTC)
    assert bob.user == "Bob" and bob.user_id == "99" and bob.role is Role.VIP
    assert bob.channel == "somechannel"
    assert erin.role is Role.MODERATOR
    assert erin.time == datetime(2024, 1, 2, 12, 0, 2, 500000, tzinfo=UTC)
    reasons = {p.line: p.reason for p in log.problems}
    assert reasons == {
        2: "not a text message: message_type 'subscription' has no 'message'",
        3: "missing time: 'timestamp' (microseconds) needed",
        5: "empty message: 'message' is blank",
    }


IRC = """\
[23:59:58] <alice> last one before midnight
[23:59:59] <@mod> ok
* carol has joined #chan
[00:00:01] <+vip> after midnight
[2024-01-05 10:00:00] <bob> a full date
[2024-01-05T10:00:02Z] <bob> iso too

[10:00:03] <bob>
[10:00:04.25] <bob> fractional seconds
garbage line without brackets
[99:00] <x> bad
"""


def test_irc_log_with_times_dates_and_midnight() -> None:
    log = parse_log(IRC, base_date=date(2024, 1, 1))
    assert log.format == "irc"
    times = [r.time for r in log.records]
    assert times == [
        datetime(2024, 1, 1, 23, 59, 58, tzinfo=UTC),
        datetime(2024, 1, 1, 23, 59, 59, tzinfo=UTC),
        datetime(2024, 1, 2, 0, 0, 1, tzinfo=UTC),  # rolled over midnight
        datetime(2024, 1, 5, 10, 0, 0, tzinfo=UTC),
        datetime(2024, 1, 5, 10, 0, 2, tzinfo=UTC),
        datetime(2024, 1, 5, 10, 0, 4, 250000, tzinfo=UTC),  # dated by the line before
    ]
    roles = [r.role for r in log.records]
    assert roles == [None, Role.MODERATOR, Role.VIP, None, None, None]
    assert [r.text for r in log.records][0] == "last one before midnight"
    reasons = {p.line: p.reason.split(":")[0] for p in log.problems}
    assert reasons == {
        3: "not a chat line",
        8: "empty message",
        10: "not a chat line",
        11: "bad time",
    }
    assert log.blank_lines == 1
    assert len(log.records) + log.problem_count + log.blank_lines == log.total == 11


def test_lines_that_are_not_utf8_are_counted() -> None:
    data = b"[10:00] <a> fine\n[10:01] <b> \xff\xfe broken\n[10:02] <c> also fine\n"
    log = parse_log(data)
    assert [r.user for r in log.records] == ["a", "c"]
    assert [(p.line, p.reason.split(":")[0]) for p in log.problems] == [(2, "not UTF-8")]
    assert log.blank_lines == 0


def test_detection_and_forcing() -> None:
    assert detect_format(JSONL) == "chatwarden-jsonl"
    assert detect_format(json.dumps(TWITCHDOWNLOADER)) == "twitchdownloader"
    assert detect_format(json.dumps(CHAT_DOWNLOADER)) == "chat-downloader"
    assert detect_format(IRC) == "irc"
    with pytest.raises(InputError, match="unknown chat log format"):
        detect_format("just some text\nwith no structure\n")
    with pytest.raises(InputError, match="unknown format 'csv'"):
        parse_log(IRC, "csv")
    with pytest.raises(InputError, match="not a twitchdownloader JSON document"):
        parse_log('{"comments": [', "twitchdownloader")
    # an IRC log forced as JSON lines: every line is a counted problem, none is dropped
    forced = parse_log(IRC, "chatwarden-jsonl")
    assert forced.records == [] and forced.problem_count == 10 and forced.blank_lines == 1


def test_many_problems_are_all_counted_but_only_the_first_kept() -> None:
    text = "\n".join(["[10:00] <a> ok"] + ["nonsense"] * 500)
    log = parse_log(text)
    assert log.problem_count == 500 and len(log.problems) == 200
    assert log.problem_reasons() == {"not a chat line": 500}
    assert log.problems[0].line == 2 and log.problems[-1].line == 201


def test_simulator_output_is_detected_and_its_messages_read() -> None:
    from chatwarden.simulate import simulate

    lines = simulate("raid", 2, 2.0).lines()
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    assert detect_format(text) == "chatwarden-simulate"
    log = parse_log(text)
    messages = [line for line in lines if line["type"] == "message"]
    assert [r.text for r in log.records] == [m["text"] for m in messages]
    first = log.records[0]
    assert first.user == messages[0]["username"] and first.user_id == str(messages[0]["user_id"])
    assert first.role is not None and first.role.value == messages[0]["role"]
    assert first.channel == f"sim-{lines[0]['channel_id']}" and first.time.tzinfo is not None
    assert log.other_lines == len(lines) - len(messages) and log.problem_count == 0
    assert len(log.records) + log.other_lines + log.problem_count == log.total


def test_simulator_lines_of_an_unknown_type_are_problems() -> None:
    header = json.dumps({"type": "header", "scenario": "x", "channel_id": 1})
    odd = json.dumps({"type": "whisper", "text": "hi"})
    log = parse_log(header + "\n" + odd + "\n")
    assert log.format == "chatwarden-simulate" and log.records == []
    assert log.problems[0].reason == "unknown line type: 'whisper'"
