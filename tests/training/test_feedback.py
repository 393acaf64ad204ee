"""Moderators' labels as training rows: reading the export, the held-back share, the labels
each kind of decision gives, and that held-back texts never reach the training split."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chatwarden.categories import CATEGORIES
from chatwarden.errors import InputError
from chatwarden.model import COLUMNS
from chatwarden.service.moderation.labels import export_line
from chatwarden.store.labels import LabelRow
from chatwarden.training.datasets import UNKNOWN, Lexicon, text_key
from chatwarden.training.feedback import (
    HELD_BACK,
    FeedbackRow,
    is_held_back,
    read_feedback,
    to_examples,
)
from chatwarden.training.train import training_split

FIXTURE = Path(__file__).parent / "fixtures" / "data"


def _exported(label: int, source: str, text: str, categories: dict[str, float]) -> str:
    """A line exactly as ``chatwarden export labels`` writes it."""
    row = LabelRow(
        id=1,
        channel_id=1,
        message_id=1,
        message_public_id="m1",
        sender_id=2,
        label=label,
        source=source,
        moderator_id=3,
        mod_log_id=4,
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        model_version="tier1-x",
        settings_version="s1",
        decision={"categories": categories, "harm": 0.7, "rules_version": "r1"},
        text=text,
        reversed_at=None,
        reversed_by=None,
        reversal=None,
    )
    return export_line(row, "room", reveal_private=True)


def test_reads_the_export_format_and_skips_reversed_labels(tmp_path: Path) -> None:
    reversed_line = json.loads(_exported(1, "action.ban", "banned then unbanned", {}))
    reversed_line["reversed"] = True
    path = tmp_path / "labels.jsonl"
    path.write_text(
        "\n".join(
            [
                _exported(1, "review.deny", "you absolute clown", {"bullying": 0.8}),
                _exported(0, "review.allow", "that play was sick", {"bullying": 0.2}),
                "",
                json.dumps(reversed_line),
            ]
        )
    )
    feedback = read_feedback([path], weight=2.0)
    rows = (*feedback.train, *feedback.heldout)
    assert sorted((r.text, r.label, r.source) for r in rows) == [
        ("that play was sick", 0, "review.allow"),
        ("you absolute clown", 1, "review.deny"),
    ]
    assert feedback.skipped_reversed == 1 and feedback.weight == 2.0
    assert list(feedback.files) == ["labels.jsonl"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{nope", "labels.jsonl:2: not JSON"),
        ('{"text": "x", "label": 2}', "labels.jsonl:2: 'label' must be 0 or 1"),
        ('{"text": "", "label": 1}', "labels.jsonl:2: 'text'"),
        ('{"text": "x", "label": true}', "'label' must be 0 or 1"),
    ],
)
def test_a_bad_line_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text('{"text": "fine", "label": 0}\n' + line + "\n")
    with pytest.raises(InputError, match=message):
        read_feedback([path])
    with pytest.raises(InputError, match="weight must be positive"):
        read_feedback([], weight=0)


def test_a_fixed_fifth_of_texts_is_held_back_whatever_the_case_or_spacing() -> None:
    texts = [f"chat line number {i}" for i in range(4000)]
    share = sum(map(is_held_back, texts)) / len(texts)
    assert abs(share - HELD_BACK) < 0.02
    assert all(is_held_back(t) == is_held_back(f"  {t.upper()} ") for t in texts[:200])


def test_labels_follow_what_the_moderators_confirmed() -> None:
    lex = Lexicon.load(FIXTURE)
    rows = [
        FeedbackRow("you absolute clown", 1, "review.deny", {"bullying": 0.8, "misogyny": 0.1}),
        FeedbackRow("you absolute clown 2", 1, "action.timeout", {"bullying": 0.8}),
        FeedbackRow("you absolute clown 3", 1, "review.deny", {}),
        FeedbackRow("that play was sick", 0, "review.allow", {"bullying": 0.3}),
    ]
    deny, timeout, deny_no_scores, allow = to_examples(rows, lex, 1.5)
    col = {c: COLUMNS.index(c) for c in CATEGORIES}
    assert deny.labels[0] == 1 and deny.labels[col["bullying"]] == 1
    assert deny.labels[col["misogyny"]] == UNKNOWN  # only the held category is confirmed
    for harm_only in (timeout, deny_no_scores):
        assert harm_only.labels[0] == 1 and harm_only.labels[col["bullying"]] == UNKNOWN
    assert allow.labels[0] == 0 and allow.labels[col["bullying"]] == 0
    assert {e.weight for e in (deny, timeout, allow)} == {1.5}
    assert {e.source for e in (deny, timeout, allow)} == {"feedback"}


def test_held_back_texts_never_reach_the_training_split(tmp_path: Path) -> None:
    texts = [f"moderated line {i} you clown" for i in range(100)]
    # a shipped training line whose text a moderator labelled and that is held back: it
    # leaves the training split too
    _, _, plain_train, _ = training_split(FIXTURE, 0)
    shipped = next(e.text for e in plain_train if is_held_back(e.text))
    path = tmp_path / "labels.jsonl"
    path.write_text(
        "".join(
            json.dumps({"text": t, "label": i % 2, "source": "review.deny"}) + "\n"
            for i, t in enumerate([*texts, shipped])
        )
    )
    feedback = read_feedback([path], weight=3.0)
    assert feedback.heldout and feedback.train
    _, _, train_eg, dev_eg = training_split(FIXTURE, 0, feedback)
    keys = {text_key(e.text) for e in train_eg}
    assert not keys & feedback.heldout_keys
    assert text_key(shipped) in feedback.heldout_keys
    assert {text_key(r.text) for r in feedback.train} <= keys
    assert sum(e.source == "feedback" for e in train_eg) == len(feedback.train)
    assert all(e.weight == 3.0 for e in train_eg if e.source == "feedback")
    assert not any(e.source == "feedback" for e in dev_eg)  # thresholds: shipped data only
