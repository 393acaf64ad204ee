"""``chatwarden connect update ID``: replace a stored connection's token (revoked, or a Twitch
refresh that failed) and the settings that do not change which chat it is, keeping its id,
status and resume point. The new secrets come from environment variables named on the command
line or standard input, never the command line itself, and are never printed. A running
``chatwarden connect run ID`` keeps the credentials it started with: restart it.
"""

from __future__ import annotations

import typer

from chatwarden.cli._common import fail
from chatwarden.cli.connect import secret_from_env
from chatwarden.errors import ChatWardenError

DB_HELP = "The ChatWarden database (CHATWARDEN_DATABASE_URL)."


def parse_pairs(pairs: list[str]) -> tuple[tuple[str, str], ...]:
    """``KEY=ROLE`` pairs (a Discord role id or a Matrix power level, and a ChatWarden role);
    the service checks them for the connection's platform."""
    found = []
    for pair in pairs:
        key, sep, role = pair.partition("=")
        if not sep or not key.strip() or not role.strip():
            raise ValueError(f"--role {pair!r}: give ID=ROLE (e.g. 1300000000000000003=moderator)")
        found.append((key.strip(), role.strip()))
    return tuple(found)


def update_command(
    connection_id: int = typer.Argument(..., help="The connection's id (`connect list`)."),
    token_env: str | None = typer.Option(
        None,
        "--token-env",
        "--credential-env",
        help="Name of the environment variable with the new token (IRC: the server password).",
    ),
    token_stdin: bool = typer.Option(
        False, "--token-stdin", "--credential-stdin", help="Read the new token from standard input."
    ),
    refresh_token_env: str | None = typer.Option(
        None,
        "--refresh-token-env",
        help="Twitch EventSub: name of the environment variable with the new refresh token.",
    ),
    client_secret_env: str | None = typer.Option(
        None,
        "--client-secret-env",
        help="Twitch EventSub: name of the environment variable with the client secret.",
    ),
    oper_password_env: str | None = typer.Option(
        None,
        "--oper-password-env",
        help="Plain IRC: name of the environment variable with the operator block's password.",
    ),
    oper: str | None = typer.Option(None, "--oper", help="Plain IRC: an operator block's name."),
    tls: bool | None = typer.Option(None, "--tls/--no-tls", help="IRC: connect with TLS."),
    client_id: str | None = typer.Option(
        None, "--client-id", help="Twitch EventSub: the application's client id."
    ),
    automod: bool | None = typer.Option(
        None, "--automod/--no-automod", help="Twitch EventSub: manage AutoMod's held messages."
    ),
    role: list[str] = typer.Option(
        [],
        "--role",
        help="ID=ROLE, repeated: the whole Discord role map (or Matrix power levels), "
        "replacing the stored one.",
    ),
    warn: str | None = typer.Option(None, "--warn", help="Discord, Matrix: skip or reply."),
    database_url: str | None = typer.Option(None, "--database-url", help=DB_HELP),
) -> None:
    """Replace a stored connection's token or settings (the rest kept); recorded in the mod log
    without the token. Restart `chatwarden connect run ID` to use them.

    Example:

      printf '%s\\n' "$NEW_TOKEN" | chatwarden connect update 3 --token-stdin
    """
    from chatwarden.cli.connections import _services, read_credential
    from chatwarden.service.platform.connections import ConnectionChange, Credentials

    try:
        secret = read_credential(token_env, token_stdin)
        creds = Credentials(
            secret,
            secret_from_env(oper_password_env, "--oper-password-env"),
            secret_from_env(refresh_token_env, "--refresh-token-env"),
            secret_from_env(client_secret_env, "--client-secret-env"),
        )
        roles = parse_pairs(role) if role else None
    except ValueError as exc:
        fail(str(exc).replace("--credential-", "--token-"))
    change = ConnectionChange(tls, oper, client_id, automod, roles, warn)
    services = _services(database_url)
    try:
        found = services.connections.get(connection_id)
        owner = services.connections.owner_of(found.channel_id)
        made, changed = services.connections.update(owner, connection_id, change, creds, via="cli")
    except ChatWardenError as exc:
        fail(exc.message)
    finally:
        services.close()
    typer.echo(
        f"connection {made.id}: {', '.join(changed) or 'nothing'} changed (stored encrypted). "
        f"If `chatwarden connect run {made.id}` is running, restart it to use the change."
    )
