"""``chatwarden serve``: the chat service over HTTP and WebSocket (uvicorn)."""

from __future__ import annotations

import typer

from chatwarden.cli._common import fail
from chatwarden.config import ServiceConfig
from chatwarden.errors import ChatWardenError


def serve_command(
    host: str | None = typer.Option(
        None, "--host", help="Address to bind (default 127.0.0.1; CHATWARDEN_HOST)."
    ),
    port: int | None = typer.Option(
        None, "--port", "-p", help="Port to listen on (default 8000; CHATWARDEN_PORT)."
    ),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="sqlite:///path.db (default ./chatwarden.db; with --demo ./chatwarden-demo.db) "
        "or postgresql://user@host/db.",
    ),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="Seed a 'demo' channel and drive chat traffic into it (its own database file, "
        "./chatwarden-demo.db, unless --database-url is given).",
    ),
    bus: str | None = typer.Option(
        None,
        "--bus",
        help="redis://host:port/db: run as a gateway of a scale-out deployment; chat messages "
        "go to Redis Streams and `chatwarden worker` processes decide them (CHATWARDEN_BUS_URL; "
        "docs/scaling.md).",
    ),
) -> None:
    """Run the chat service: live chat with AutoMod, the review queue and the moderator API.

    The database is migrated to the newest schema on start. Settings come from CHATWARDEN_*
    environment variables; the options override them. The API is documented at /docs.

    Examples:

      chatwarden serve

      chatwarden serve --demo

      chatwarden serve --port 9000 --database-url postgresql://chat@localhost/chatwarden

      chatwarden serve --bus redis://127.0.0.1:6379/0 --database-url postgresql://chat@db/chat
    """
    import uvicorn

    from chatwarden.demo import seed
    from chatwarden.model.registry import record_shadow_runs
    from chatwarden.services import build_services
    from chatwarden.store.engine import display_url
    from chatwarden.web import create_app
    from chatwarden.web.runtime import tune_gc, uvicorn_options

    try:
        config = ServiceConfig.from_env(
            host=host, port=port, database_url=database_url, demo=demo or None, bus={"url": bus}
        )
        if config.bus.url:  # a gateway: the services over Redis, sends to the streams
            from chatwarden.scaleout import build_node, gateway_ingest

            node = build_node(config)
            services, ingest, close = node.services, gateway_ingest(node), node.close
        else:
            services, ingest = build_services(config), None
            close = services.close
    except ChatWardenError as exc:
        fail(exc.message)
    try:
        base = f"http://{config.host}:{config.port}"
        if config.demo:
            logins = seed(services)
            typer.echo(
                f"demo channel: chat {base}/c/demo, Mod View {base}/mod/demo "
                "(chat traffic starts now)"
            )
            for login in logins:
                typer.echo(
                    f"  {login.role:<10} username {login.username!r} password {login.password!r}"
                )
        where = display_url(config.database_url)
        typer.echo(f"ChatWarden on {base} (API docs: {base}/docs; database {where})")
        typer.echo(config.smtp.summary())
        shadow = config.analytics.shadow_models.values() if config.analytics.enabled else ()
        registry = config.model_registry_dir()
        for version in record_shadow_runs(registry, shadow, services.clock.now()):
            typer.echo(f"shadow candidate {version} (its shadow run noted in the model registry)")
        if ingest is not None:
            typer.echo(f"gateway {ingest.gateway}: chat goes to {config.bus.url}")
        typer.echo("Ctrl+C stops it")
        app = create_app(services, ingest=ingest)
        tune_gc()  # after start-up: see chatwarden/web/runtime.py
        uvicorn.run(
            app, host=config.host, port=config.port, log_level="info", **uvicorn_options(config)
        )
    finally:
        close()
