"""``chatwarden worker`` and ``serve --bus``: registered, a bad bus URL is a clear error, and
``worker --metrics-port`` serves its probes and metrics (a real process, Redis, PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from chatwarden.cli import app
from chatwarden.scaleout import streams_of
from tests.conftest import empty_postgres_schema
from tests.redis_support import redis_namespace
from tests.service.health.test_readiness import closed_port
from tests.service.scale.scale_support import publish, requests, seed, stored
from tests.service.scale.test_worker import ROOT, bus_env, config_of, wait_for

runner = CliRunner()


def test_worker_is_a_command_with_the_bus_option() -> None:
    result = runner.invoke(app, ["worker", "--help"])
    assert result.exit_code == 0
    assert "--bus" in result.output and "docs/scaling.md" in result.output


def test_a_bad_or_unreachable_bus_url_stops_worker_and_gateway_with_its_name(
    tmp_path: Path,
) -> None:
    db = f"sqlite:///{tmp_path / 'cw.db'}"
    for command in (["worker"], ["serve"]):
        result = runner.invoke(app, [*command, "--bus", "http://x", "--database-url", db])
        assert result.exit_code == 2
        assert "CHATWARDEN_BUS_URL" in result.output and "redis://" in result.output
        result = runner.invoke(
            app, [*command, "--bus", "redis://127.0.0.1:1/0", "--database-url", db]
        )
        assert result.exit_code == 2
        assert "cannot reach Redis at redis://127.0.0.1:1/0" in result.output


@pytest.fixture
def pg() -> Iterator[str]:
    with empty_postgres_schema("cw_cli_worker") as url:
        yield url


def scrape(port: int) -> dict[str, float]:
    """Unlabelled samples, and labelled ones summed over their labels."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[s.name] = out.get(s.name, 0.0) + s.value
    return out


def test_worker_metrics_port_serves_probes_and_metrics_of_what_it_decided(
    pg: str, tmp_path: Path
) -> None:
    with redis_namespace() as (client, prefix):
        env = bus_env(pg, prefix)
        seeded = seed(pg, channels=2, senders=4)
        streams = streams_of(client, config_of(env).bus)
        port = closed_port()  # free now; the worker binds it
        log = tmp_path / "worker.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "chatwarden", "worker", "--metrics-port", str(port)],
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(lambda: b"metrics on" in log.read_bytes(), 30, "the metrics port")
            ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            publish(streams, requests(seeded, 40))
            wait_for(
                lambda: scrape(port).get("chatwarden_worker_messages_decided_total") == 40,
                30,
                "40 decided",
            )
            values = scrape(port)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
    assert (ready.status_code, ready.json()["checks"]) == (200, {"database": "ok", "redis": "ok"})
    assert values["chatwarden_stream_pending"] == 0
    assert values["chatwarden_stream_lag"] == 0
    assert values["chatwarden_dead_letters"] == 0
    assert values["chatwarden_worker_stage_seconds_count"] >= 3  # decide, persist, ack
    assert stored(pg) == (40, 40)
    assert f"metrics on http://127.0.0.1:{port}/metrics" in log.read_text()
