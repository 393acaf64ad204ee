"""Operator metrics (Prometheus), one registry per ``Services``.

Nothing here is on the live chat path: decided messages are counted by the analytics roll-up
when it stores finished minutes (so the counter lags by about a minute, and across several
processes each counts the minutes it rolled up: sum the series over instances); the queue depth
is read from the database when scraped; the tick times itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Sampled(Collector):
    """A gauge whose value is read (from the database) at scrape time."""

    def __init__(self, name: str, doc: str, read: Callable[[], float]) -> None:
        self._name, self._doc, self._read = name, doc, read

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(self._name, self._doc, value=self._read())


class OpsMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.messages_decided = Counter(
            "chatwarden_messages_decided",
            "Chat messages decided by AutoMod, by action (counted by the minute roll-up).",
            ["action"],
            registry=self.registry,
        )
        self.rollup_minutes = Counter(
            "chatwarden_rollup_channel_minutes",
            "Channel-minutes rolled up by this process (including empty stretches skipped).",
            registry=self.registry,
        )
        self.rollup_lag = Gauge(
            "chatwarden_rollup_lag_seconds",
            "Now minus the oldest channel watermark (how far the health roll-up is behind).",
            registry=self.registry,
        )
        self.shadow_evaluated = Counter(
            "chatwarden_shadow_evaluated_messages",
            "Messages evaluated by shadow-mode candidates in this process.",
            registry=self.registry,
        )
        self.tick_seconds = Histogram(
            "chatwarden_tick_duration_seconds",
            "Duration of the periodic service work (Services.tick).",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )

    def sample(self, name: str, doc: str, read: Callable[[], float]) -> None:
        """Register a gauge read by ``read()`` at every scrape."""
        self.registry.register(_Sampled(name, doc, read))

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)
