"""``chatwarden worker``: decide and store chat messages from Redis Streams (scale-out)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from chatwarden.cli._common import fail
from chatwarden.config import ServiceConfig
from chatwarden.errors import ChatWardenError


def worker_command(
    bus: str | None = typer.Option(
        None, "--bus", help="redis://host:port/db carrying the messages (CHATWARDEN_BUS_URL)."
    ),
    database_url: str | None = typer.Option(
        None, "--database-url", help="postgresql://user@host/db (CHATWARDEN_DATABASE_URL)."
    ),
    name: str | None = typer.Option(
        None, "--name", help="This worker's name, unique in the deployment (default host-pid)."
    ),
    metrics_port: int | None = typer.Option(
        None,
        "--metrics-port",
        help="Serve /metrics (Prometheus), /livez and /readyz on this port (default: none; "
        "CHATWARDEN_BUS_METRICS_PORT).",
    ),
    metrics_host: str | None = typer.Option(
        None,
        "--metrics-host",
        help="Address the metrics port binds (default 127.0.0.1; CHATWARDEN_BUS_METRICS_HOST).",
    ),
) -> None:
    """Run a worker: take shards of the message streams, decide and store their messages.

    Start as many as you like, on any machine that reaches Redis and the database: they share
    the shards (leases in Redis) and take over a stopped worker's shards. SIGTERM or Ctrl+C
    stops it cleanly (it finishes its batch and gives its shards back). See docs/scaling.md.

    Examples:

      chatwarden worker --bus redis://127.0.0.1:6379/0 --database-url postgresql://chat@db/chat

      chatwarden worker --bus redis://127.0.0.1:6379/0 --metrics-port 9101
    """
    from chatwarden.scaleout import build_node, node_readiness, worker_metrics, worker_of
    from chatwarden.web.opsserver import OpsServer

    bus_options = {"url": bus, "metrics_port": metrics_port, "metrics_host": metrics_host}
    try:
        config = ServiceConfig.from_env(database_url=database_url, bus=bus_options)
        node = build_node(config)
    except ChatWardenError as exc:
        fail(exc.message)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker = worker_of(node, name)
    typer.echo(f"worker {worker.name} on {config.bus.url} ({config.bus.shards} shards)")
    ops = None
    if config.bus.metrics_port:
        metrics = worker_metrics(node, worker)
        try:
            ops = OpsServer(
                config.bus.metrics_host,
                config.bus.metrics_port,
                metrics.exposition,
                node_readiness(node),
                config.metrics_token_value(),
            )
        except OSError as exc:
            node.close()
            where = f"{config.bus.metrics_host}:{config.bus.metrics_port}"
            fail(f"cannot serve metrics on {where}: {exc}")
        typer.echo(f"metrics on http://{ops.host}:{ops.port}/metrics (and /livez, /readyz)")
    try:
        worker.run(stop)
    finally:
        if ops is not None:
            ops.close()
        node.close()
        s = worker.stats
        typer.echo(
            f"worker {worker.name} stopped: {s.decided} decided ({s.replayed} replays), "
            f"{s.reclaimed} reclaimed, {s.failed} failed, {s.dead_lettered} dead-lettered"
        )
