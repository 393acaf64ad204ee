"""``chatwarden check``: one message, a human-readable verdict with its explanation."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from chatwarden.cli._common import LEVEL_HELP, SETTINGS_HELP, fail, load_settings
from chatwarden.decision import Action, Decision
from chatwarden.pipeline import AutoMod
from chatwarden.settings import Role

_STYLE = {Action.ALLOW: "bold green", Action.HOLD: "bold yellow", Action.BLOCK: "bold red"}


def render(decision: Decision) -> Text:
    """The verdict, the message with triggering spans highlighted, and every reason."""
    out = Text()
    out.append(decision.action.value.upper(), style=_STYLE[decision.action])
    if decision.action is Action.HOLD:
        out.append("  held for moderator review")
    elif decision.action is Action.BLOCK:
        out.append("  blocked; the sender is told why")
    if decision.exempt:
        out.append("  (sender is exempt from AutoMod)")
    out.append("\n\nmessage:    ")
    message = Text(decision.text)
    for reason in decision.reasons:
        for span in reason.spans:
            message.stylize("bold reverse red", span.start, span.end)
    out.append_text(message)
    out.append(f"\nnormalised: {decision.normalised}\n")
    out.append(f"harm:       {decision.harm:.3f}\n")
    for reason in decision.reasons:
        words = ", ".join(repr(w) for w in reason.words) or "-"
        if reason.kind == "category" and reason.threshold is None:  # a severe-harm rule
            out.append(
                f"reason:     {reason.category} (level {reason.level}): severe-harm rule "
                f"{reason.rule}; matched {words}\n"
            )
        elif reason.kind == "category":
            rule = f" and rule {reason.rule}" if reason.rule else ""
            out.append(
                f"reason:     {reason.category} (level {reason.level}): score "
                f"{reason.score:.3f} >= {reason.threshold:.3f}{rule}; triggered by {words}\n"
            )
        else:
            label = "pattern" if reason.kind == "blocked_pattern" else "term"
            out.append(
                f"reason:     blocked {label} {reason.term!r} ({reason.term_scope}"
                f"{', private' if reason.term_private else ''}); matched {words}\n"
            )
    top = sorted(decision.categories.items(), key=lambda kv: -kv[1])[:3]
    out.append("top scores: " + ", ".join(f"{k} {v:.3f}" for k, v in top) + "\n")
    out.append(
        f"versions:   model {decision.model_version}, settings {decision.settings_version}, "
        f"rules {decision.rules_version}"
    )
    return out


def check_command(
    text: str = typer.Argument(..., help="The chat message to check."),
    level: int | None = typer.Option(None, "--level", "-l", help=LEVEL_HELP),
    settings_file: Path | None = typer.Option(None, "--settings", "-s", help=SETTINGS_HELP),
    role: Role | None = typer.Option(None, "--role", help="The sender's role in the channel."),
    as_json: bool = typer.Option(False, "--json", help="Print the decision as JSON."),
) -> None:
    """Check one message and explain the verdict (allow, hold or block).

    Examples:

      chatwarden check "you are such an 1d10t"

      chatwarden check "f.u.c.k this" --level 4

      chatwarden check "some text" --settings channel.toml --json
    """
    if not text.strip():
        fail('the message is empty: give the text to check, e.g. chatwarden check "gg wp"')
    automod = AutoMod(load_settings(settings_file, level))
    decision = automod.check(text, role=role)
    if as_json:
        typer.echo(json.dumps(decision.to_dict(), ensure_ascii=False))
        return
    Console(highlight=False).print(render(decision))
