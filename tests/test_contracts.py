"""The import contracts in pyproject.toml ([tool.importlinter]) hold, and each one can break.

Every contract gets an offending import written into a throwaway copy of the package; the
contract must then fail (``lint-imports --contract <id>``). A contract added without an
offender here fails ``test_every_contract_has_an_offender``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

#: contract id -> offending imports (module path in the package, source written there or appended
#: to the module when it exists), each breaking the contract alone
OFFENDERS: dict[str, list[tuple[str, str]]] = {
    "ml-layers": [("model/_offender.py", "import chatwarden.pipeline\n")],
    "service-layers": [
        ("service/_offender.py", "import chatwarden.services\n"),
        ("service/_offender.py", "import chatwarden.connectors.runner\n"),
        ("connectors/_offender.py", "import chatwarden.web\n"),
        ("store/_offender.py", "from chatwarden.service import base\n"),
    ],
    "stores-never-decide": [
        ("bus/_offender.py", "import chatwarden.pipeline\n"),
        ("store/_offender.py", "import fastapi\n"),
    ],
    "detect-pure": [
        ("detect/_offender.py", "import sqlalchemy\n"),
        ("detect/_offender.py", "from chatwarden.store import engine\n"),
    ],
    "context-pure": [
        ("context/_offender.py", "import sqlalchemy\n"),
        ("context/_offender.py", "from chatwarden.store import engine\n"),
        ("context/_offender.py", "import chatwarden.services\n"),
    ],
    "replay-pure": [
        ("replay/_offender.py", "import chatwarden.training\n"),
        ("replay/_offender.py", "import chatwarden.services\n"),
    ],
    "analytics-pure": [
        ("analytics/_offender.py", "import pyarrow\n"),
        ("analytics/_offender.py", "from chatwarden.store import engine\n"),
    ],
    "training-only-cli": [
        ("demo.py", "from chatwarden.training import chatgen\n"),
        ("simulate/_offender.py", "import chatwarden.training.chatgen\n"),
        ("textgen/_offender.py", "from chatwarden.training.chatgen import FAMILIES\n"),
        ("web/_offender.py", "import chatwarden.training\n"),
    ],
    "pipeline-model-pure": [
        ("pipeline/_offender.py", "import sqlalchemy\n"),
        ("pipeline/_offender.py", "from chatwarden.store import engine\n"),
        ("pipeline/_offender.py", "import chatwarden.services\n"),
        ("model/_offender.py", "import chatwarden.bus\n"),
        ("model/_offender.py", "import fastapi\n"),
        ("model/_offender.py", "import chatwarden.training\n"),
        # a function-level import counts as much as one at the top
        ("pipeline/_offender.py", "def f() -> None:\n    from chatwarden.service import base\n"),
    ],
    "rules-pure": [
        ("rules/_offender.py", "import sqlalchemy\n"),
        ("rules/_offender.py", "from chatwarden.service import base\n"),
        ("rules/_offender.py", "import chatwarden.bus\n"),
    ],
    "web-no-store": [
        ("web/routes/_offender.py", "from chatwarden.store import engine\n"),
        ("web/_offender.py", "from sqlalchemy.engine import Connection\n"),
    ],
    "connectors-edge": [
        ("connectors/_offender.py", "from chatwarden.web import errors\n"),
        ("connectors/irc/_offender.py", "from chatwarden.store import engine\n"),
        ("connectors/_offender.py", "import sqlalchemy\n"),
    ],
    "client-edge": [
        ("client.py", "from chatwarden.web import errors\n"),  # appended to the client
        ("client.py", "import chatwarden.services\n"),
        ("client.py", "def f() -> None:\n    from chatwarden.store import engine\n"),
    ],
    "service-no-web": [
        ("service/_offender.py", "import fastapi\n"),
        ("service/_offender.py", "from starlette.requests import Request\n"),
        ("service/_offender.py", "from chatwarden.web import errors\n"),
        ("services.py", "import starlette\n"),  # appended to the composition root
    ],
}


def _contracts() -> list[dict[str, object]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = data["tool"]["importlinter"]["contracts"]
    return contracts


def _lint(root: Path, *contract_ids: str) -> subprocess.CompletedProcess[str]:
    args = [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")]
    for contract_id in contract_ids:
        args += ["--contract", contract_id]
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def _copy_package(dest: Path) -> Path:
    """The package's Python files and the project's pyproject.toml under ``dest``."""

    def not_python(folder: str, names: list[str]) -> list[str]:
        return [
            n
            for n in names
            if n == "__pycache__" or not (n.endswith(".py") or os.path.isdir(f"{folder}/{n}"))
        ]

    shutil.copytree(ROOT / "chatwarden", dest / "chatwarden", ignore=not_python)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def test_every_contract_has_an_id_and_an_offender() -> None:
    ids = [c.get("id") for c in _contracts()]
    assert all(isinstance(i, str) for i in ids), "give every contract an id"
    assert len(set(ids)) == len(ids)
    assert set(ids) == set(OFFENDERS)


def test_the_real_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in result.stdout


def test_the_copy_without_offenders_keeps_every_contract(tmp_path: Path) -> None:
    """The throwaway copy is a faithful stand-in: untouched, it passes."""
    root = _copy_package(tmp_path)
    result = _lint(root)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("contract_id", "path", "source"),
    [(cid, path, source) for cid, offenders in OFFENDERS.items() for path, source in offenders],
)
def test_an_offending_import_breaks_the_contract(
    tmp_path: Path, contract_id: str, path: str, source: str
) -> None:
    root = _copy_package(tmp_path)
    offender = root / "chatwarden" / path
    assert offender.parent.is_dir(), f"{offender.parent} is gone: move the offender"
    before = offender.read_text(encoding="utf-8") if offender.exists() else ""
    offender.write_text(before + source, encoding="utf-8")
    result = _lint(root, contract_id)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    module = "chatwarden." + path.removesuffix(".py").replace("/", ".")
    assert module in result.stdout
