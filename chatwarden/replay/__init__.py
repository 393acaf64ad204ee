"""Replay and policy preview: run a chat log through the full pipeline without effects.

Pure: parses logs (``formats``), simulates the chat rules a log can show (``modes``), runs
AutoMod in batches (``run``) and the channel's proactive detectors as live (``detection``: state
from the log itself, consequences through ``rules.effects`` applied log-only), aggregates
(``summary``), compares two runs (``compare``) and writes a self-contained HTML report
(``report``). No I/O beyond what callers hand in; time comes from the log's timestamps.
``chatwarden replay`` (cli/replay.py) and the policy preview (service/health/preview.py) are its
callers.
"""

from __future__ import annotations

from chatwarden.replay.config import ReplaySettings, load_replay_settings
from chatwarden.replay.core import Variant, build_summary, replay_records
from chatwarden.replay.formats import FORMATS, detect_format, parse_log
from chatwarden.replay.modes import ChatModes
from chatwarden.replay.records import ChatRecord, ParsedLog, ParseProblem
from chatwarden.replay.report import render_report
from chatwarden.replay.run import Outcome, ReplayRun, run_replay

__all__ = [
    "FORMATS",
    "ChatModes",
    "ChatRecord",
    "Outcome",
    "ParseProblem",
    "ParsedLog",
    "ReplayRun",
    "ReplaySettings",
    "Variant",
    "build_summary",
    "detect_format",
    "load_replay_settings",
    "parse_log",
    "render_report",
    "replay_records",
    "run_replay",
]
