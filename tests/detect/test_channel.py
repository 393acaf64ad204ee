"""ChannelDetectors: input checks, bounded state, settings changes, the JSON contract."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from chatwarden.detect import (
    ActionKind,
    CapsConfig,
    ChannelDetectors,
    DetectAction,
    DetectionConfig,
    MessageContext,
    SpamConfig,
)
from tests.detect.factory import T0, ctx, newcomer


def test_rejects_other_channels_and_naive_times() -> None:
    det = ChannelDetectors(1)
    with pytest.raises(ValueError, match="channel 2"):
        det.observe(ctx(channel_id=2))
    with pytest.raises(ValueError, match="timezone-aware"):
        det.observe(MessageContext(**_naive()))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        det.permit(1, datetime(2025, 1, 1))


def _naive() -> dict[str, object]:
    c = ctx()
    fields = {f.name: getattr(c, f.name) for f in dataclasses.fields(c)}
    fields["at"] = datetime(2025, 1, 1)
    return fields


def test_state_is_bounded() -> None:
    det = ChannelDetectors(1, max_users=100)
    for i in range(3000):
        det.observe(newcomer(i, f"message number {i} with some words {i * 7}", at=i * 0.05))
    sizes = det.sizes()
    assert sizes["users"] == 100
    assert sizes["clusters"] <= DetectionConfig().waves.similarity.max_messages
    assert sizes["raid_window"] <= 30 / 0.05 + 1


def test_configure_keeps_state_and_applies_new_settings() -> None:
    det = ChannelDetectors(1)
    loud = "THIS IS SO LOUD AND ANGRY RIGHT"
    assert det.observe(ctx(1, loud, at=0)).action.kind is ActionKind.DELETE
    det.configure(DetectionConfig(spam=SpamConfig(caps=CapsConfig(enabled=False))))
    assert det.observe(ctx(1, loud, at=1)).action.kind is ActionKind.NONE
    det.configure(
        DetectionConfig(spam=SpamConfig(caps=CapsConfig(action="timeout", timeouts=(5, 60))))
    )
    # the earlier offence is remembered: this is the second
    assert det.observe(ctx(1, loud, at=2)).action == DetectAction(ActionKind.TIMEOUT, 60)


def test_strongest_action_wins() -> None:
    config = DetectionConfig(spam=SpamConfig(caps=CapsConfig(action="timeout", timeouts=(30,))))
    det = ChannelDetectors(1, config)
    out = det.observe(ctx(1, "THIS IS SO LOUD AND ANGRY RIGHT NOW BUY AT bigviews.xyz"))
    assert set(out.codes()) == {"spam.caps", "spam.links"}
    assert out.action == DetectAction(ActionKind.TIMEOUT, 30)


def test_config_round_trips_through_json() -> None:
    config = DetectionConfig(spam=SpamConfig(emotes=frozenset({"LUL"})))
    again = DetectionConfig.model_validate_json(config.model_dump_json())
    assert again == config
    with pytest.raises(ValueError):
        DetectionConfig.model_validate({"spam": {"caps": {"threshold": 2}}})
    with pytest.raises(ValueError):
        DetectionConfig.model_validate({"spam": {"nonsense": 1}})


def test_action_invariants() -> None:
    with pytest.raises(ValueError):
        DetectAction(ActionKind.TIMEOUT)
    with pytest.raises(ValueError):
        DetectAction(ActionKind.DELETE, 5)
    assert DetectAction(ActionKind.TIMEOUT, 60).outranks(DetectAction(ActionKind.TIMEOUT, 5))
    assert DetectAction(ActionKind.DELETE).outranks(DetectAction(ActionKind.HOLD))


def test_quiet_messages_cost_nothing_to_report() -> None:
    det = ChannelDetectors(1)
    out = det.observe(ctx(1, "gg", at=0))
    assert out.findings == () and out.action.kind is ActionKind.NONE and out.evasion is None
    assert out.to_dict() == {
        "findings": [],
        "action": {"kind": "none", "seconds": None},
        "alerts": [],
        "evasion": None,
    }


def test_out_of_order_message_is_still_handled() -> None:
    det = ChannelDetectors(1)
    det.observe(ctx(1, "hello there friends", at=100))
    out = det.observe(ctx(2, "hello there friends", at=50))
    assert out.action.kind is ActionKind.NONE
    assert det.waves(T0 + timedelta(seconds=200)) == []
