"""Live chat and replay agree on a recorded session, message by message, detection included.

The real chat service runs a session (the demo channel with its detection settings: spam
filters and bot-wave actions; slow mode and unique chat on) with ordinary chat, toxic lines,
spam, a bot wave from fresh accounts and lines the chat rules reject. The session is exported
the way the product exports it (``export_history_local``, what ``chatwarden export`` writes)
and replayed with the same settings (a replay settings file with the channel's chat modes and
detection settings). Every exported message must get the same outcome (allow / hold / block)
and the same detection effect and codes as live; and the agreement the replay prints is
honest: with detection off it counts the detection deletions as disagreements.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from chatwarden import demo
from chatwarden.cli import app
from chatwarden.clock import FakeClock
from chatwarden.detect.settings import to_json
from chatwarden.errors import ChatWardenError
from chatwarden.replay import (
    ReplaySettings,
    Variant,
    build_summary,
    load_replay_settings,
    parse_log,
)
from chatwarden.replay.core import replay_records
from chatwarden.service.types import Actor
from chatwarden.services import Services
from tests.service.conftest import make_actor

MODES = {"slow_mode_s": 2, "unique_chat": True}
Tally = dict[str, int]
#: the flood limit (timeouts, escalating) on top of the demo's filters
FLOOD = {"detectors": {"spam": {"rate": {"enabled": True, "max_messages": 4, "per_s": 10}}}}
WAVE_TEXT = "grab cheap viewers followers primes today at bigfollows dot net"
WAVE_ENDINGS = ("", " !", " !!", " now", " now!", " fast")


def _actor(services: Services, name: str) -> Actor:
    user = services.accounts.get_user_by_name(name)
    return Actor(user.id, user.username, user.is_admin, None)


def run_session(services: Services, clock: FakeClock, lines: int = 240) -> tuple[int, Tally]:
    """The demo's traffic (seeded) plus a bot wave, through the live chat service."""
    demo.seed(services)
    channel = services.channels.get_channel_by_name(demo.CHANNEL)
    owner = _actor(services, demo.OWNER[0])
    services.modes.update(owner, channel.id, MODES)
    services.detection.update(owner, channel.id, FLOOD)  # on top of the demo's filters
    viewers = {name: _actor(services, name) for name in demo.VIEWERS}
    bots = [make_actor(services, f"promo_bot_{i}") for i in range(6)]
    rng = random.Random(13)
    statuses: Tally = {}

    def send(actor: Actor, text: str) -> None:
        try:
            result = services.chat.send_message(actor, channel.id, text)
        except ChatWardenError as exc:  # e.g. timed out by detection
            key = f"error:{exc.code}"
        else:
            key = result.status if result.status != "rejected" else f"rejected:{result.reason}"
        statuses[key] = statuses.get(key, 0) + 1

    for i in range(lines):
        clock.advance(rng.expovariate(1 / 0.8))
        line = demo.demo_line(rng, list(demo.VIEWERS))
        send(viewers[line.sender], line.text)
        if i == lines // 2:  # a bot wave: fresh accounts post the same promotion
            for n, bot in enumerate(bots):
                clock.advance(1.5)
                send(bot, WAVE_TEXT + WAVE_ENDINGS[n])  # near-duplicates pass unique chat
        if i % 40 == 7:  # a chatter repeating themselves at once: slow mode rejects it
            send(viewers[line.sender], line.text + " again")
        if i % 80 == 30:  # a flood past slow mode: the 5th line in 10 s times the sender out
            flooder = viewers[line.sender]
            for n in range(7):
                clock.advance(2.1)
                send(flooder, f"{line.text} ({n})")
    return channel.id, statuses


def export_and_settings(
    services: Services, channel_id: int, tmp_path: Path, *, detection: bool = True
) -> tuple[Path, Path]:
    text, count, capped = services.preview.export_history_local(channel_id, days=1)
    assert count > 0 and not capped
    log = tmp_path / "session.jsonl"
    log.write_text(text, encoding="utf-8")
    settings = services.detection.get(_actor(services, demo.OWNER[0]), channel_id)
    data: dict[str, Any] = {
        "chat_modes": MODES,
        "detection": {**to_json(settings), "enabled": detection and settings.enabled},
    }
    path = tmp_path / ("same.json" if detection else "no-detection.json")
    path.write_text(json.dumps(data), encoding="utf-8")
    return log, path


def test_replay_of_a_live_session_agrees_on_every_message_detection_included(
    services: Services, clock: FakeClock, tmp_path: Path
) -> None:
    channel_id, statuses = run_session(services, clock)
    # the session has what the comparison is about: rejections, detection deletions, holds
    assert sum(n for s, n in statuses.items() if s.startswith("rejected:")) >= 3, statuses
    assert statuses.get("rejected:timed_out", 0) >= 1, statuses  # a detection timeout at work
    assert statuses.get("blocked", 0) >= 5 and statuses.get("held", 0) >= 1, statuses
    log_file, settings_file = export_and_settings(services, channel_id, tmp_path)
    live = [json.loads(line) for line in log_file.read_text().splitlines()]
    log = parse_log(log_file.read_text())
    assert log.problem_count == 0 and len(log.records) == len(live)
    variant = Variant("A", load_replay_settings(settings_file))
    [run] = replay_records(log.records, [variant])

    effects: Tally = {}
    wave = 0
    for line, outcome in zip(live, run.outcomes, strict=True):
        recorded = line["decision"]
        detected = outcome.detection
        effect = detected.effect if detected else "none"
        replayed: dict[str, object] = {
            "outcome": outcome.action,
            "effect": effect,
            "codes": list(detected.codes()) if detected else [],
        }
        expected: dict[str, object] = {
            "outcome": outcome.record.recorded,
            "effect": recorded["detection"]["effect"],
            "codes": recorded["detection"]["codes"],
        }
        # a bot wave's members' earlier messages: delivered, then removed (as live)
        replayed["removed_later"] = outcome.removed_later
        expected["removed_later"] = recorded["status"] == "deleted"
        assert replayed == expected, (line, outcome.to_dict())
        effects[effect] = effects.get(effect, 0) + 1
        wave += any(c.startswith("wave.bot") for c in recorded["detection"]["codes"])
    # detection decided a good share of the session, a bot wave among it
    assert effects.get("delete", 0) + effects.get("timeout", 0) >= 5, effects
    assert wave >= 1 and effects.get("timeout", 0) >= 1, effects
    assert sum(o.removed_later for o in run.outcomes) >= 1

    # the consequences beyond each message's fate agree with the mod log live wrote
    owner = _actor(services, demo.OWNER[0])

    def logged(action: str) -> int:
        return len(services.modlog.list_entries(owner, channel_id, action=action, limit=1000))

    assert run.consequences.get("timeout", 0) == logged("detection.timeout_user") >= 1
    removed = sum(o.removed_later for o in run.outcomes)
    # detection.delete: each message detection deleted, and each earlier line of a bot wave
    assert removed == logged("detection.delete") - effects.get("delete", 0) >= 1

    summary = build_summary(log, [run], [variant])
    agree = summary["runs"][0]["recorded"]
    assert agree == {"with_recorded": len(live), "agree": len(live), "differ": 0}
    assert summary["runs"][0]["recorded_detection"]["differ"] == 0
    assert summary["runs"][0]["detection"]["decided"] >= 5
    # honest about what is left out, and no longer about detection itself
    assert not any("proactive detection" in s for s in summary["not_simulated"])
    assert any("account age" in s for s in summary["not_simulated"])


def test_the_agreement_the_replay_command_prints_is_honest(
    services: Services, clock: FakeClock, tmp_path: Path
) -> None:
    """The demo-export case of issue 13: replaying the demo's export without detection no
    longer claims agreement with live on messages detection deleted; with it, all agree."""
    channel_id, _ = run_session(services, clock, lines=160)
    log_file, same = export_and_settings(services, channel_id, tmp_path)
    _, off = export_and_settings(services, channel_id, tmp_path, detection=False)
    live = [json.loads(line)["decision"] for line in log_file.read_text().splitlines()]
    by_detection = sum(
        d["detection"]["effect"] in ("delete", "timeout", "hold")
        and d["initial_status"] in ("blocked", "held")
        and d["action"] == "allow"
        for d in live
    )
    assert by_detection >= 5
    runner = CliRunner()

    with_detection = runner.invoke(app, ["replay", str(log_file), "--settings", str(same)])
    assert with_detection.exit_code == 0, with_detection.output
    n = len(live)
    assert f"A vs live: {n} of {n} messages agree, 0 differ" in with_detection.output
    assert "A: detection " in with_detection.output and "wave" in with_detection.output

    json_out = tmp_path / "off.json"
    without = runner.invoke(
        app, ["replay", str(log_file), "--settings", str(off), "--json", str(json_out)]
    )
    assert without.exit_code == 0, without.output
    summary = json.loads(json_out.read_text())
    recorded = summary["runs"][0]["recorded"]
    assert recorded["differ"] >= by_detection
    assert f"A vs live: {n - recorded['differ']} of {n} messages agree" in without.output
    assert any("proactive detection in A" in s for s in summary["not_simulated"])


def test_the_policy_preview_replays_with_the_channel_s_detection(
    services: Services, clock: FakeClock, tmp_path: Path
) -> None:
    """Mod View's preview runs the channel's detectors too: a proposal that changes AutoMod
    shows the same detection deletions in both runs, agreeing with what live did."""
    channel_id, _ = run_session(services, clock, lines=120)
    mia = _actor(services, demo.MODERATOR[0])
    out = services.preview.preview(mia, channel_id, {"overall_level": 4}, days=1)
    current, proposed = out["current"], out["proposed"]
    assert current["detection"]["enabled"] and current["detection"]["effects"]["delete"] >= 3
    assert current["detection"]["by_detector"].get("spam", 0) >= 3
    assert current["recorded"]["differ"] == 0  # the current settings are what ran live
    assert current["recorded_detection"]["differ"] == 0
    assert proposed["detection"]["effects"]["delete"] >= 3
    assert any("account age" in s for s in out["not_simulated"])


def test_the_preview_knows_who_chatted_before_its_window(
    services: Services, clock: FakeClock
) -> None:
    """Regulars who chatted two days ago post the same text today: live, they are no bot wave
    (they are not newcomers). A one-day preview must not take them for first-time chatters."""
    demo.seed(services)
    channel = services.channels.get_channel_by_name(demo.CHANNEL)
    regulars = [_actor(services, name) for name in demo.VIEWERS[:5]]
    for n, actor in enumerate(regulars):
        services.chat.send_message(actor, channel.id, f"hello everyone, regular number {n} here")
        clock.advance(5)
    clock.advance(2 * 86400)
    for n, actor in enumerate(regulars):
        clock.advance(2)
        result = services.chat.send_message(actor, channel.id, WAVE_TEXT + WAVE_ENDINGS[n])
        assert result.status == "delivered"  # crowdspeak live: nobody is a newcomer
    mia = _actor(services, demo.MODERATOR[0])
    out = services.preview.preview(mia, channel.id, {"overall_level": 3}, days=1)
    assert out["window"]["messages_replayed"] == len(regulars)
    assert out["current"]["detection"]["effects"]["delete"] == 0
    assert out["current"]["recorded"]["differ"] == 0
    # without knowing they chatted before, the window alone would make them a bot wave
    text, _, _ = services.preview.export_history_local(channel.id, days=1)
    settings = services.detection.get(mia, channel.id)
    [blind] = replay_records(
        parse_log(text).records,
        [Variant("A", ReplaySettings(detection=settings))],
    )
    assert blind.counts()["block"] >= 1
