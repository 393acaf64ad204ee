"""``GET /channels/{name}/modlog`` over HTTP: filters, paging over the whole history, clear 422s,
moderators and up only; and Mod View's table of action names covers every action logged."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import chatwarden
from tests.web.harness import World

URL = "/api/v1/channels/main/modlog"
SERVICE = Path(chatwarden.__file__).parent / "service"
ACTIONS_JS = Path(chatwarden.__file__).parent / "web/static/modview/actions.js"


def _log(world: World, who: str = "mod", **params: Any) -> list[dict[str, Any]]:
    r = world[who].http.get(URL, params=params)
    assert r.status_code == 200, r.text
    return list(r.json())


def test_filters_and_paging_over_http(world: World) -> None:
    owner, mod = world["owner"].http, world["mod"].http
    assert (
        mod.put(
            "/api/v1/channels/main/timeouts/mallory", json={"duration_s": 60, "reason": "100% spam"}
        ).status_code
        == 200
    )
    assert mod.delete("/api/v1/channels/main/timeouts/mallory").status_code == 200
    assert (
        owner.put("/api/v1/channels/main/bans/mallory", json={"reason": "spam_bot"}).status_code
        == 200
    )
    everything = _log(world, limit=1000)
    assert [e["action"] for e in everything[:3]] == ["ban", "untimeout", "timeout"]
    by_mod = _log(world, moderator="mod", user="mallory")
    assert [e["action"] for e in by_mod] == ["untimeout", "timeout"]
    assert [e["action"] for e in _log(world, q="%")] == ["timeout"]  # literal, not a wildcard
    assert [e["action"] for e in _log(world, q="m_bot")] == ["ban"]
    assert [e["action"] for e in _log(world, action=["ban", "timeout"])] == ["ban", "timeout"]
    assert _log(world, **{"from": "2000-01-01", "to": "2000-01-02"}) == []
    assert len(_log(world, **{"from": "2000-01-01T00:00:00Z"})) == len(everything)
    pages, before = [], None
    while True:
        page = _log(world, limit=2, **({"before_id": before} if before else {}))
        pages += page
        if len(page) < 2:
            break
        before = page[-1]["id"]
    assert [e["id"] for e in pages] == [e["id"] for e in everything]


BAD: list[tuple[dict[str, Any], str]] = [
    ({"from": "yesterday"}, "query.from"),
    ({"to": "2026-13-40"}, "query.to"),
    ({"from": "2026-12-08", "to": "2026-12-01"}, "query"),
    ({"limit": 0}, "query.limit"),
    ({"limit": 1001}, "query.limit"),
    ({"before_id": 0}, "query.before_id"),
    ({"action": "Ban'--"}, "query.action.0"),
    ({"q": "x" * 201}, "query.q"),
    ({"automatic": "true", "moderator": "mod"}, "query"),
]


def test_bad_parameters_are_clear_422s(world: World) -> None:
    for params, field in BAD:
        r = world["mod"].http.get(URL, params=params)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["error"]["problems"][0]["field"] == field, params


def test_moderators_and_up_only(world: World) -> None:
    for who in ("owner", "lead", "mod"):
        assert world[who].http.get(URL, params={"q": "x"}).status_code == 200
    for who in ("vip", "alice", "other"):
        assert world[who].http.get(URL, params={"q": "x"}).status_code == 403
    with world.client() as anonymous:
        assert anonymous.get(URL).status_code == 401


#: action names built from a variable part, expanded by hand (``ast.unparse`` of the
#: expression -> the names it can give); a new built name fails the test until added here
BUILT = {
    "f'strike.{step.kind}'": {"strike.warn", "strike.timeout", "strike.ban"},
    "f'suspicious.{status}'": {"suspicious.monitored", "suspicious.restricted"},
    "f\"unban_request.{('approve' if approve else 'deny')}\"": {
        "unban_request.approve",
        "unban_request.deny",
    },
    "f'detection.{action.kind.value}'": {"detection.delete", "detection.timeout"},
    "'role.' + role.value": {"role.lead_moderator", "role.moderator", "role.vip"},
    "'automod.' + ('approve' if verdict == 'allow' else 'deny')": {
        "automod.approve",
        "automod.deny",
    },
    "'automod.learning.' + ('freeze' if frozen else 'unfreeze')": {
        "automod.learning.freeze",
        "automod.learning.unfreeze",
    },
    "f\"automod.{('hold' if status == 'held' else 'block')}\"": {"automod.hold", "automod.block"},
    "f'{verb}_{kind}'": set(),  # an automod.terms.update event's action, not a log entry
}
#: calls whose positional argument at this index is the action they log
ACTION_ARG = {"_log": 3, "announce_txn": 4, "_changed": 3, "_new_version": 4}


def _names(node: ast.expr) -> set[str]:
    """The action names an expression can evaluate to (a variable: none, it is read where it
    is assigned)."""
    match node:
        case ast.Constant(value=str(value)):
            return {value}
        case ast.IfExp(body=body, orelse=orelse):
            return _names(body) | _names(orelse)
        case ast.JoinedStr() | ast.BinOp():
            source = ast.unparse(node)
            assert source in BUILT, f"expand the built action name {source} in BUILT"
            return BUILT[source]
        case ast.Call(func=ast.Attribute(value=ast.Dict(values=values), attr="get"), args=args):
            return set().union(*(_names(v) for v in [*values, *args] if v is not None))
    return set()


def _logged_actions() -> set[str]:
    """Every action name the services write to the mod log, read from their syntax trees: the
    ``action``/``log_action`` arguments, assignments and defaults, the ``"action"`` of rows
    appended in bulk, and the action argument of the services' logging helpers."""
    found: set[str] = set()
    files = [*SERVICE.rglob("*.py"), SERVICE.parent / "rules/effects.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            match node:
                case ast.keyword(arg="action" | "log_action", value=value):
                    found |= _names(value)
                case ast.Assign(targets=[ast.Name(id="action" | "log_action")], value=value):
                    found |= _names(value)
                case ast.Assign(targets=[ast.Tuple(elts=names)], value=ast.Tuple(elts=values)):
                    for name, value in zip(names, values, strict=False):
                        if isinstance(name, ast.Name) and name.id in ("action", "log_action"):
                            found |= _names(value)
                case ast.AnnAssign(target=ast.Name(id="log_action"), value=ast.expr() as value):
                    found |= _names(value)
                case ast.Dict(keys=keys, values=values):
                    for key, value in zip(keys, values, strict=True):
                        if isinstance(key, ast.Constant) and key.value == "action":
                            found |= _names(value)
                case ast.Call(func=ast.Attribute(attr=attr) | ast.Name(id=attr), args=args):
                    index = ACTION_ARG.get(attr)
                    if index is not None and len(args) > index:
                        found |= _names(args[index])
    return found


def test_every_logged_action_has_a_name_in_mod_view() -> None:
    table = set(re.findall(r'^\s*\["([a-z_.]+)",\s*"[^"]+"', ACTIONS_JS.read_text(), re.M))
    logged = _logged_actions()
    for name in (
        "ban",
        "clear",
        "automod.hold",
        "detection.timeout_user",
        "shield.on",
        "suspicious.clear",
        "calibration.settle",
        "sharing.agree",
        "role.remove",
    ):
        assert name in logged, name  # the scan itself finds them
    missing = sorted(logged - table)
    assert not missing, f"no human-readable name in modview/actions.js for {missing}"
