"""A labelled live-chat traffic simulator for measuring the detectors (docs/simulator.md)."""

from __future__ import annotations

from chatwarden.simulate.events import Ban, Incident, Label, Message, Simulation
from chatwarden.simulate.scenarios import SCENARIOS, simulate

__all__ = ["SCENARIOS", "Ban", "Incident", "Label", "Message", "Simulation", "simulate"]
