"""The runtime works without the optional extras, and a feature that needs one names it.

Each check runs in a fresh interpreter where importing any module of an extra fails (as on an
install without it), then asserts none of those modules was loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from chatwarden.extras import EXTRAS, MissingExtra, missing_extra

ROOT = Path(__file__).resolve().parent.parent
BLOCKED = sorted({m for modules in EXTRAS.values() for m in modules})

#: Prepended to every script: the extras' modules cannot be imported, as if not installed.
_BLOCK = f"""
import importlib.abc, sys
BLOCKED = {BLOCKED!r}
class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Blocker())
"""

_LOADED = """
loaded = sorted({m.partition(".")[0] for m in sys.modules} & set(BLOCKED))
print("LOADED", loaded)
"""


def _run(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    code = _BLOCK + textwrap.dedent(script) + _LOADED
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _loaded(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("LOADED"))


def test_extras_match_pyproject() -> None:
    """Every extra named here is one in pyproject.toml (what `pip install chatwarden[x]` takes)."""
    optional = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for extra in EXTRAS:
        assert extra in optional, f"[{extra}] is not an extra in pyproject.toml"
    names = " ".join(optional["train"]).lower()
    assert "scikit-learn" in names and "scipy" in names
    assert any(d.startswith("pyarrow==") for d in optional["parquet"])
    runtime = " ".join(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    )
    for name in ("scikit-learn", "scipy", "pyarrow"):
        assert name not in runtime, f"{name} is a runtime dependency again"


def test_runtime_paths_import_no_extra(tmp_path: Path) -> None:
    """The CLI, the web app, services, demo and replay import; check, score and eval run."""
    rows = [
        {"text": "you are a worthless idiot", "label": 1, "category": "bullying"},
        {"text": "gg wp that was a clean round", "label": 0},
    ]
    (tmp_path / "tiny.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = _run(
        """
        import json
        import chatwarden.cli, chatwarden.web, chatwarden.services, chatwarden.demo
        import chatwarden.replay, chatwarden.simulate
        from typer.testing import CliRunner
        from chatwarden.cli import app

        runner = CliRunner()
        for args in (
            ["check", "f.u.c.k you n00b", "--json"],
            ["eval", "--data", "tiny.jsonl", "--no-suites", "--no-functional",
             "--no-devsets", "--tricks", "leetspeak", "--json"],
        ):
            r = runner.invoke(app, args)
            assert r.exit_code == 0, (args, r.output, r.exception)
            print("OUT", args[0])
        print("AUC", json.loads(r.stdout)["sets"][0]["harm_auc"])  # numpy ROC AUC, no sklearn
        r = runner.invoke(app, ["score"], input='{"text": "gg wp"}\\n')
        assert r.exit_code == 0 and '"action"' in r.output, r.output
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert _loaded(result.stdout) == "LOADED []"
    assert "OUT check" in result.stdout and "OUT eval" in result.stdout
    assert "AUC 1.0" in result.stdout


def test_train_without_the_extra_names_it(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    result = _run(
        """
        from typer.testing import CliRunner
        from chatwarden.cli import app

        r = CliRunner().invoke(app, ["train", "--data-dir", "data", "--out", "out"])
        print("EXIT", r.exit_code)
        print("MSG", r.output.strip())
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "EXIT 2" in result.stdout
    assert "chatwarden train needs the [train] extra" in result.stdout
    assert "pip install 'chatwarden[train]'" in result.stdout
    assert not (tmp_path / "out").exists()


def test_missing_extra_names_the_extra_and_the_module() -> None:
    err = missing_extra(ModuleNotFoundError("x", name="pyarrow.parquet"), "parquet", "export")
    assert isinstance(err, MissingExtra)
    assert err.code == "missing_extra" and err.extra == "parquet"
    assert err.message == (
        "export needs the [parquet] extra (pyarrow is not installed): "
        "pip install 'chatwarden[parquet]'"
    )


def test_missing_extra_reraises_an_unrelated_import_error() -> None:
    """A missing module that no extra provides is a bug, not an install problem."""
    bug = ImportError("cannot import name 'nope' from 'chatwarden.pipeline'", name="chatwarden")
    with pytest.raises(ImportError) as raised:
        missing_extra(bug, "train", "chatwarden train")
    assert raised.value is bug


def test_parquet_export_without_the_extra_names_it(tmp_path: Path) -> None:
    """CSV still exports; Parquet is a MissingExtra (HTTP 501) that names [parquet]."""
    result = _run(
        f"""
        from chatwarden.config import ServiceConfig
        from chatwarden.demo import CHANNEL, OWNER, seed
        from chatwarden.errors import ChatWardenError
        from chatwarden.services import build_services
        from chatwarden.web.errors import status_for

        services = build_services(ServiceConfig(database_url="sqlite:///{tmp_path}/x.db"))
        seed(services)
        owner = services.accounts.authenticate(services.accounts.login(*OWNER).token)
        channel = services.channels.get_channel_by_name(CHANNEL)
        data, media, name = services.analytics.export(owner, channel.id, "csv")
        print("CSV", media, name)
        try:
            services.analytics.export(owner, channel.id, "parquet")
        except ChatWardenError as exc:
            print("ERROR", exc.code, status_for(exc), exc.message)
        services.db.dispose()
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "CSV text/csv" in result.stdout
    assert (
        "ERROR missing_extra 501 a Parquet export needs the [parquet] extra "
        "(pyarrow is not installed): pip install 'chatwarden[parquet]'"
    ) in result.stdout
    assert _loaded(result.stdout) == "LOADED []"
