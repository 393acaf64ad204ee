"""Proactive detection measured on the traffic simulator (issue 5's targets).

Runs scenarios x seeds of ``chatwarden.simulate`` through the real AutoMod engine (for the
hostile scores) and every detector of ``chatwarden.detect``, and prints per scenario and seed:

* raid: detection recall, seconds from the raid's first message to the alert, false alerts
  (alerts outside a hate raid) per 24 h of chat;
* bot waves vs crowdspeak: precision and recall of the bot-wave flag (a message counts as
  flagged when it got ``wave.bot_member`` or was listed as an earlier message of a ``wave.bot``
  cluster; hate-raid messages are left out of both sides), and the number of regulars timed
  out for a crowdspeak message;
* ban evasion: precision and recall of ``likely`` over everyone who chatted here for the first
  time (evaders are the positives; the assessment after their last message counts);
* cost: engine msgs/s alone and with all detectors (same messages, same run).

Thresholds were tuned on seeds 0-4; the figures to report are on seeds 100-104 (the default).

    python bench/detection.py                        # seeds 100-104, every scenario
    python bench/detection.py --seeds 0-4            # the tuning seeds
    python bench/detection.py --scenarios raid,waves --minutes 30
"""

from __future__ import annotations

import argparse
import gc
import time
from dataclasses import dataclass, field
from datetime import timedelta

from chatwarden.detect import ActionKind, ChannelDetectors, DetectionConfig, SpamConfig
from chatwarden.pipeline import AutoMod
from chatwarden.simulate import SCENARIOS, Ban, Simulation, simulate

TARGETS = {
    "raid_recall": 0.95,
    "raid_delay_s": 10.0,
    "false_alerts_per_24h": 1.0,
    "wave_precision": 0.90,
    "wave_recall": 0.90,
    "evasion_precision": 0.90,
    "evasion_recall": 0.80,
    "throughput_ratio": 0.5,
}
RAID_GRACE_S = 60.0  # an alert up to this long after a raid's last message still counts


@dataclass
class Run:
    scenario: str
    seed: int
    hours: float
    messages: int
    raids: int = 0
    raids_detected: int = 0
    delays: list[float] = field(default_factory=list)
    false_alerts: int = 0
    wave_tp: int = 0
    wave_fp: int = 0
    wave_fn: int = 0
    crowdspeak_flagged: int = 0
    regulars_timed_out: int = 0
    evasion_tp: int = 0
    evasion_fp: int = 0
    evasion_fn: int = 0
    evaders: int = 0
    engine_s: float = 0.0
    detect_s: float = 0.0


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _fmt(x: float | None, pct: bool = True) -> str:
    if x is None:
        return "-"
    return f"{x * 100:.1f}%" if pct else f"{x:.1f}"


def run_one(sim: Simulation, automod: AutoMod, config: DetectionConfig) -> Run:
    msgs = sim.messages
    run = Run(sim.scenario, sim.seed, sim.minutes / 60, len(msgs))
    texts = [m.text for m in msgs]
    # CPU time of this process, garbage collector paused (as timeit does) for both parts:
    # other work on a shared machine does not count, and neither does collecting the
    # results this script keeps
    gc.collect()
    gc.disable()
    t0 = time.process_time()
    decisions = []
    for i in range(0, len(texts), 512):
        decisions.extend(automod.check_batch(texts[i : i + 512]))
    run.engine_s = time.process_time() - t0
    gc.enable()
    by_id = {m.message_id: d for m, d in zip(msgs, decisions, strict=True)}

    detectors = ChannelDetectors(sim.channel_id, config)
    contexts = []
    for item in sim.timeline():
        if isinstance(item, Ban):
            contexts.append(item)
        else:
            d = by_id[item.message_id]
            contexts.append(
                item.context(sim.channel_id, harm=d.harm, action=d.action, normalised=d.normalised)
            )
    results = []
    gc.collect()
    gc.disable()
    t0 = time.process_time()
    for c in contexts:
        if isinstance(c, Ban):
            detectors.add_banned(
                detectors.banned_profile(c.user_id, c.username, c.at, c.fingerprints)
            )
        else:
            results.append((c, detectors.observe(c)))
    run.detect_s = time.process_time() - t0
    gc.enable()

    labels = {m.message_id: m.label for m in msgs}
    # ---- raids
    alerts = [(c.at, f) for c, r in results for f in r.alerts if f.code == "raid.suspected"]
    raids = [i for i in sim.incidents if i.type == "hate_raid"]
    matched: set[int] = set()
    for inc in raids:
        run.raids += 1
        hits = [
            (n, at)
            for n, (at, _f) in enumerate(alerts)
            if inc.start <= at <= inc.end + timedelta(seconds=RAID_GRACE_S)
        ]
        if hits:
            run.raids_detected += 1
            run.delays.append((hits[0][1] - inc.start).total_seconds())
            matched.update(n for n, _ in hits)
    run.false_alerts = len(alerts) - len(matched)

    # ---- waves
    flagged: set[int] = set()
    for c, r in results:
        for f in r.findings:
            if f.code == "wave.bot_member" and c.message_id is not None:
                flagged.add(c.message_id)
            elif f.code == "wave.bot":
                for e in f.evidence.get("earlier_messages", []):
                    if e.get("message_id") is not None:
                        flagged.add(e["message_id"])
    timed_out_regulars: set[int] = set()
    for c, r in results:
        assert c.message_id is not None
        label = labels[c.message_id]
        if label.incident == "hate_raid":
            continue
        positive = label.incident == "bot_wave"
        is_flagged = c.message_id in flagged
        run.wave_tp += positive and is_flagged
        run.wave_fp += (not positive) and is_flagged
        run.wave_fn += positive and not is_flagged
        if label.incident == "crowdspeak":
            run.crowdspeak_flagged += is_flagged
            if label.actor == "regular" and r.action.kind is ActionKind.TIMEOUT:
                timed_out_regulars.add(c.user_id)
    run.regulars_timed_out = len(timed_out_regulars)

    # ---- evasion
    if sim.bans:
        first_timers: dict[int, bool] = {}
        for m in msgs:
            if m.first_message_in_channel:
                first_timers[m.user_id] = m.label.actor == "evader"
        for uid, is_evader in first_timers.items():
            found = detectors.evasion_of(uid)
            likely = found is not None and found.level == "likely"
            run.evaders += is_evader
            run.evasion_tp += is_evader and likely
            run.evasion_fp += (not is_evader) and likely
            run.evasion_fn += is_evader and not likely
    return run


def parse_seeds(spec: str) -> list[int]:
    seeds: list[int] = []
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-")
            seeds.extend(range(int(a), int(b) + 1))
        else:
            seeds.append(int(part))
    return seeds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", default="100-104", help="e.g. 100-104 or 0,1,2 (default 100-104)")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    ap.add_argument("--minutes", type=float, default=60.0, help="length of each incident scenario")
    ap.add_argument(
        "--normal-minutes", type=float, default=300.0, help="length of the 'normal' scenario"
    )
    args = ap.parse_args(argv)
    seeds = parse_seeds(args.seeds)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    automod = AutoMod()
    automod.check_batch(["warm up the engine", "gg"])
    runs: list[Run] = []
    header = (
        f"{'scenario':<8} {'seed':>4} {'msgs':>6} | {'raid rec':>8} {'delay s':>7} {'false':>5} |"
        f" {'wave P':>6} {'wave R':>6} {'cs flag':>7} {'reg TO':>6} | {'evas P':>6} {'evas R':>6}"
        f" {'n':>3} | {'engine/s':>8} {'+detect/s':>9} {'ratio':>5}"
    )
    print(header)
    print("-" * len(header))
    for scenario in scenarios:
        minutes = args.normal_minutes if scenario == "normal" else args.minutes
        for seed in seeds:
            sim = simulate(scenario, seed, minutes)
            config = DetectionConfig(spam=SpamConfig(emotes=frozenset(sim.emotes)))
            r = run_one(sim, automod, config)
            runs.append(r)
            eng = r.messages / r.engine_s
            both = r.messages / (r.engine_s + r.detect_s)
            print(
                f"{r.scenario:<8} {r.seed:>4} {r.messages:>6} |"
                f" {_fmt(_ratio(r.raids_detected, r.raids)):>8}"
                f" {(max(r.delays) if r.delays else float('nan')):>7.1f} {r.false_alerts:>5} |"
                f" {_fmt(_ratio(r.wave_tp, r.wave_tp + r.wave_fp)):>6}"
                f" {_fmt(_ratio(r.wave_tp, r.wave_tp + r.wave_fn)):>6}"
                f" {r.crowdspeak_flagged:>7} {r.regulars_timed_out:>6} |"
                f" {_fmt(_ratio(r.evasion_tp, r.evasion_tp + r.evasion_fp)):>6}"
                f" {_fmt(_ratio(r.evasion_tp, r.evasion_tp + r.evasion_fn)):>6} {r.evaders:>3} |"
                f" {eng:>8.0f} {both:>9.0f} {both / eng:>5.2f}",
                flush=True,
            )
    # ---- totals
    hours = sum(r.hours for r in runs)
    raids = sum(r.raids for r in runs)
    delays = [d for r in runs for d in r.delays]
    delays.sort()
    tp = sum(r.wave_tp for r in runs)
    fp = sum(r.wave_fp for r in runs)
    fn = sum(r.wave_fn for r in runs)
    etp = sum(r.evasion_tp for r in runs)
    efp = sum(r.evasion_fp for r in runs)
    efn = sum(r.evasion_fn for r in runs)
    msgs = sum(r.messages for r in runs)
    eng_s = sum(r.engine_s for r in runs)
    det_s = sum(r.detect_s for r in runs)
    results = {
        "raid_recall": _ratio(sum(r.raids_detected for r in runs), raids),
        "raid_delay_s": max(delays) if delays else None,
        "false_alerts_per_24h": sum(r.false_alerts for r in runs) / hours * 24 if hours else None,
        "wave_precision": _ratio(tp, tp + fp),
        "wave_recall": _ratio(tp, tp + fn),
        "evasion_precision": _ratio(etp, etp + efp),
        "evasion_recall": _ratio(etp, etp + efn),
        "throughput_ratio": (msgs / (eng_s + det_s)) / (msgs / eng_s) if eng_s else None,
    }
    print()
    print(f"seeds {args.seeds}; {len(runs)} runs, {msgs} messages, {hours:.1f} h of chat")
    if delays:
        quick = sum(d <= TARGETS["raid_delay_s"] for d in delays)
        print(
            f"raid: {raids} hate raids; alert delay median {delays[len(delays) // 2]:.1f} s,"
            f" max {delays[-1]:.1f} s; {quick} of {len(delays)} alerted within "
            f"{TARGETS['raid_delay_s']:g} s"
        )
    print(
        f"cost: engine alone {msgs / eng_s:,.0f} msgs/s; engine + detectors "
        f"{msgs / (eng_s + det_s):,.0f} msgs/s; detectors alone {msgs / det_s:,.0f} msgs/s "
        f"({det_s / msgs * 1e6:.1f} us/msg)"
    )
    regulars = sum(r.regulars_timed_out for r in runs)
    print(f"regulars timed out for joining crowdspeak: {regulars} (target 0)")
    print()
    print(f"{'target':<22} {'measured':>10} {'goal':>10}  ok")
    ok_all = regulars == 0
    for key, goal in TARGETS.items():
        value = results[key]
        lower_is_better = key in ("raid_delay_s", "false_alerts_per_24h")
        ok = value is not None and (value <= goal if lower_is_better else value >= goal)
        ok_all &= ok
        pct = key not in ("raid_delay_s", "false_alerts_per_24h", "throughput_ratio")
        shown = _fmt(value, pct) if key != "throughput_ratio" else f"{value:.2f}" if value else "-"
        goal_s = (
            f"{'<=' if lower_is_better else '>='} {goal * 100:.0f}%"
            if pct
            else (f"{'<=' if lower_is_better else '>='} {goal}")
        )
        print(f"{key:<22} {shown:>10} {goal_s:>10}  {'yes' if ok else 'NO'}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    raise SystemExit(main())
