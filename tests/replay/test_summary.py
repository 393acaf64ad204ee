"""Summary and A/B comparison numbers, on a small log whose answer is known."""

from __future__ import annotations

from chatwarden.pipeline import AutoMod
from chatwarden.replay import ParsedLog, ReplaySettings, Variant, build_summary, replay_records
from chatwarden.settings import AutoModSettings, TermSpec

LEVEL0 = AutoModSettings(overall_level=0)
NOOB = AutoModSettings(overall_level=0, terms=(TermSpec(text="noob"),))


def test_counts_timeline_and_terms_by_hand(small_log: ParsedLog) -> None:
    variants = [Variant("A", ReplaySettings(NOOB, source="noob.toml"))]
    summary = build_summary(small_log, replay_records(small_log.records, variants), variants)
    run = summary["runs"][0]
    assert run["settings"] == "noob.toml"
    assert run["counts"] == {"allow": 8, "hold": 0, "block": 2, "rejected": 0}
    assert run["blocked_terms"] == {"noob": 2}
    assert run["held_by_category"] == {}
    assert run["top_triggers"][0][0] == "noob"
    assert [s["user"] for s in run["samples"]] == ["carol", "erin"]
    assert run["exempt"] == 1  # mod1
    tl = run["timeline"]
    # messages at 0..50 s, 70 s, 125 and 130 s, 190 s: four one-minute buckets from 20:00
    assert tl["bucket_s"] == 60
    assert tl["starts"][0] == "2024-05-01T20:00:00+00:00" and len(tl["starts"]) == 4
    assert tl["counts"]["block"] == [1, 1, 0, 0]
    assert tl["counts"]["allow"] == [5, 0, 2, 1]
    log = summary["log"]
    assert (log["format"], log["lines"], log["records"], log["problems"]) == (
        "chatwarden-jsonl",
        10,
        10,
        0,
    )
    assert summary["comparison"] is None


def test_ab_difference_when_the_answer_is_known(small_log: ParsedLog) -> None:
    variants = [
        Variant("A", ReplaySettings(LEVEL0, source="a")),
        Variant("B", ReplaySettings(NOOB, source="b")),
    ]
    summary = build_summary(small_log, replay_records(small_log.records, variants), variants)
    c = summary["comparison"]
    assert c["differ"] == 2 and c["stricter_in_b"] == 2 and c["looser_in_b"] == 0
    assert c["transitions"] == {"allow->block": 2}
    assert [(s["user"], s["a"]["action"], s["b"]["action"]) for s in c["samples"]] == [
        ("carol", "allow", "block"),
        ("erin", "allow", "block"),
    ]
    assert c["samples"][0]["b"]["reasons"][0]["term"] == "noob"


def test_ab_difference_equals_the_pipeline_on_levels(small_log: ParsedLog) -> None:
    strict = AutoModSettings(overall_level=4)
    variants = [Variant("A", ReplaySettings(LEVEL0)), Variant("B", ReplaySettings(strict))]
    runs = replay_records(small_log.records, variants)
    c = build_summary(small_log, runs, variants)["comparison"]
    texts = [r.text for r in small_log.records]
    roles = [r.role for r in small_log.records]
    a = AutoMod(LEVEL0).check_batch(texts, roles=roles)
    b = AutoMod(strict).check_batch(texts, roles=roles)
    expected = [i for i in range(len(texts)) if a[i].action != b[i].action]
    assert expected  # level 4 holds the insults that level 0 lets through
    assert c["differ"] == len(expected)
    assert [s["line"] for s in c["samples"]] == [small_log.records[i].line for i in expected]
    held_b = sum(1 for d in b for r in d.reasons if r.category == "bullying")
    assert c["by_category"]["bullying"] == {"a": 0, "b": held_b, "only_a": 0, "only_b": held_b}


def test_private_terms_are_hidden_unless_revealed(small_log: ParsedLog) -> None:
    secret = AutoModSettings(overall_level=0, terms=(TermSpec(text="noob", private=True),))
    variants = [Variant("A", ReplaySettings(secret))]
    runs = replay_records(small_log.records, variants)
    hidden = build_summary(small_log, runs, variants, reveal_private=False)["runs"][0]
    assert hidden["blocked_terms"] == {"(private term)": 2}
    assert "noob" not in {w for w, _ in hidden["top_triggers"]}
    assert hidden["samples"][0]["reasons"][0]["term"] is None
    shown = build_summary(small_log, runs, variants)["runs"][0]
    assert shown["blocked_terms"] == {"noob": 2}
