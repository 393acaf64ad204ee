"""Context-aware scoring in replay: off by default, and when on each decided record carries its
context score, built from the log's own earlier lines as live chat would build it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chatwarden.errors import ConfigError
from chatwarden.pipeline import AutoMod
from chatwarden.replay import ChatModes, ChatRecord, run_replay
from chatwarden.replay.config import load_replay_settings
from chatwarden.replay.context import ReplayContext
from chatwarden.replay.core import Variant, replay_records
from chatwarden.settings import AutoModSettings

T0 = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
SPAM = "buy cheap followers at bestviewers"


def _log() -> list[ChatRecord]:
    """A spammer repeating one line every 10 s in a channel, and a crowd chanting KEKW."""
    out = []
    for n in range(4):
        out.append(ChatRecord(n, T0 + timedelta(seconds=10 * n), "spammer", SPAM, channel="ch"))
    for n, user in enumerate(("a", "b", "c", "d"), start=4):
        out.append(ChatRecord(n, T0 + timedelta(seconds=40 + n), user, "KEKW", channel="ch"))
    return out


def _automod() -> AutoMod:
    return AutoMod(AutoModSettings(overall_level=2))


def test_context_scoring_is_off_by_default() -> None:
    run = run_replay(_log(), _automod())
    assert not run.context
    assert all(o.context is None for o in run.outcomes)
    assert "context" not in run.outcomes[-1].to_dict()


@pytest.mark.parametrize("batch_size", [1, 3, 512])
def test_with_context_a_repeated_line_is_explained(batch_size: int) -> None:
    run = run_replay(_log(), _automod(), ChatModes(), context=True, batch_size=batch_size)
    assert run.context
    first, fourth = run.outcomes[0], run.outcomes[3]
    assert first.context is not None and first.context.explanations == ()
    assert fourth.context is not None and fourth.decision is not None
    assert fourth.context.explanations == (
        "repeats own message (4th time in 30 s)",
        "4 messages in 30 s",
    )
    assert fourth.context.risk > fourth.decision.harm
    assert fourth.action == fourth.decision.action.value  # the score does not act
    assert fourth.to_dict()["context"]["explanations"] == list(fourth.context.explanations)
    last = run.outcomes[-1].context
    assert last is not None
    assert last.explanations == ("echoes 3 other chatters in 60 s (crowd chant)",)


def test_context_keeps_channels_apart_and_forgets_old_lines() -> None:
    scorer = ReplayContext()
    automod = _automod()
    first = ChatRecord(0, T0, "u", SPAM, channel="one")
    scorer.score(first, automod.check(SPAM))
    other = ChatRecord(1, T0 + timedelta(seconds=5), "u", SPAM, channel="two")
    assert scorer.context_for(other).history == ()
    soon = ChatRecord(2, T0 + timedelta(seconds=20), "u", SPAM, channel="one")
    ctx = scorer.context_for(soon)
    assert [(m.text, m.seconds_before) for m in ctx.history] == [(SPAM, 20.0)]
    assert ctx.history[0].harm is not None
    assert ctx.broadcaster == "one"
    mid = scorer.context_for(ChatRecord(3, T0 + timedelta(seconds=200), "u", "x", channel="one"))
    assert len(mid.history) == 1 and mid.chat_before == ()  # older than the chat shown
    later = ChatRecord(4, T0 + timedelta(seconds=400), "u", SPAM, channel="one")
    assert scorer.context_for(later).history == ()  # past the longest window a signal reads


def test_the_settings_file_turns_it_on(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("overall_level = 2\n[context]\nenabled = true\n", encoding="utf-8")
    settings = load_replay_settings(path)
    assert settings.context.enabled
    assert not load_replay_settings(None).context.enabled
    runs = replay_records(_log(), [Variant("A", settings)])
    assert runs[0].context and runs[0].outcomes[3].context is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[context]\nenabeld = true\n", "context.enabeld"),
        ("context = 1\n", "context must be a table"),
    ],
)
def test_a_bad_context_table_names_the_key(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_replay_settings(path)
