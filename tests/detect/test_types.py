"""The detectors' result types (``detect/types.py``): the JSON shapes the API returns."""

from __future__ import annotations

from datetime import timedelta

from chatwarden.detect import WaveReport
from tests.detect.factory import T0


def test_a_wave_report_as_json() -> None:
    report = WaveReport(
        cluster_id=3,
        kind="bot_wave",
        sample_text="free followers",
        first_at=T0,
        last_at=T0 + timedelta(seconds=5),
        user_ids=(1, 2),
        bot_like_user_ids=(2,),
        message_count=4,
        reasons=("2 users posted near-duplicates of this message",),
    )
    assert report.to_dict() == {
        "cluster_id": 3,
        "kind": "bot_wave",
        "sample_text": "free followers",
        "first_at": "2025-06-01T18:00:00+00:00",
        "last_at": "2025-06-01T18:00:05+00:00",
        "user_ids": [1, 2],
        "bot_like_user_ids": [2],
        "message_count": 4,
        "reasons": ["2 users posted near-duplicates of this message"],
    }
