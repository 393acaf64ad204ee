"""The one settings surface: ``ServiceConfig`` reads the environment once, sections included;
nothing else in the package reads it; docs/configuration.md is generated from it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import BaseModel, Field, ValidationError
from typer.testing import CliRunner

from chatwarden.cli import app
from chatwarden.config import SECTIONS, AnalyticsSettings, BusSettings, ServiceConfig, WebSettings
from chatwarden.configdoc import render
from chatwarden.errors import ConfigError, describe_validation_errors, validation_problems
from chatwarden.services import build_services
from chatwarden.web import create_app

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "chatwarden"

#: modules that may touch ``os.environ``, and why
ENVIRON_ALLOWED = {
    "config.py": "the one reader of the deployment settings",
    "cli/bench.py": "pins the BLAS thread count of the benchmark (not a setting)",
}


def test_sections_are_read_from_their_prefixed_variables() -> None:
    config = ServiceConfig.from_env(
        {
            "CHATWARDEN_PORT": "9000",
            "CHATWARDEN_WEB_COOKIE_SECURE": "1",
            "CHATWARDEN_WEB_ALLOWED_ORIGINS": "https://a.example, ,https://b.example",
            "CHATWARDEN_WEB_API_REQUESTS": "50",
            "CHATWARDEN_ANALYTICS_ENABLED": "false",
            "CHATWARDEN_ANALYTICS_GRACE_S": "2.5",
            "CHATWARDEN_ANALYTICS_SHADOW_MODELS": "next=/srv/models/next, old=/srv/models/old",
            "CHATWARDEN_METRICS_TOKEN": "s3cret",
            "CHATWARDEN_WEBHOOK_MAX_ATTEMPTS": "7",  # not the web section's
        }
    )
    assert config.port == 9000 and config.webhook_max_attempts == 7
    assert config.web.cookie_secure and config.web.api_requests == 50
    assert config.web.allowed_origins == {"https://a.example", "https://b.example"}
    assert not config.analytics.enabled and config.analytics.grace_s == 2.5
    assert config.analytics.shadow_models == {"next": "/srv/models/next", "old": "/srv/models/old"}
    assert config.metrics_token_value() == "s3cret"
    assert "s3cret" not in repr(config)


def test_defaults_without_variables() -> None:
    config = ServiceConfig.from_env({})
    assert config.web == WebSettings() and config.analytics == AnalyticsSettings()
    assert not config.web.cookie_secure and config.web.allowed_origins == frozenset()
    assert config.metrics_token_value() == ""
    # an empty variable turns the Secure cookie off, as before
    assert not ServiceConfig.from_env({"CHATWARDEN_WEB_COOKIE_SECURE": ""}).web.cookie_secure
    assert ServiceConfig.from_env({"CHATWARDEN_WEB_COOKIE_SECURE": "TRUE"}).web.cookie_secure


def test_the_app_and_the_services_take_their_sections_from_the_config(tmp_path: Path) -> None:
    config = ServiceConfig(
        database_url=f"sqlite:///{tmp_path / 'settings.db'}",
        secret_key="k" * 40,
        web=WebSettings(api_requests=7, tick_interval_s=30),
        analytics=AnalyticsSettings(grace_s=1.5, shadow_interval_s=4),
    )
    services = build_services(config)
    try:
        assert services.analytics.settings is config.analytics
        assert (services.shadow.grace_s, services.shadow.interval_s) == (1.5, 4)
        app = create_app(services)
        assert app.state.edge.settings is config.web
        assert app.state.edge.api_limiter.limit == 7
    finally:
        services.close()


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"CHATWARDEN_PORT": "lots"}, "CHATWARDEN_PORT: Input should be a valid integer"),
        ({"CHATWARDEN_ANALYTICS_GRACE_S": "soon"}, "CHATWARDEN_ANALYTICS_GRACE_S: "),
        ({"CHATWARDEN_WEB_API_REQUESTS": "0"}, "CHATWARDEN_WEB_API_REQUESTS: "),
        ({"CHATWARDEN_WEB_COOKIE_SECURE": "maybe"}, "(got 'maybe')"),
    ],
)
def test_a_bad_value_names_its_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ServiceConfig.from_env(environ)
    assert caught.value.message.startswith("invalid service configuration: ")
    assert named in caught.value.message


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            if name in {"environ", "getenv", "environb"}:
                readers.append(path.relative_to(PACKAGE).as_posix())
    assert readers and set(readers) <= set(ENVIRON_ALLOWED), sorted(set(readers))


class _Sample(BaseModel):
    port: int = Field(ge=1)
    inner: dict[str, int] = Field(default_factory=dict)


def _errors(data: object) -> list[dict[str, object]]:
    with pytest.raises(ValidationError) as caught:
        _Sample.model_validate(data)
    return [dict(e) for e in caught.value.errors()]


def test_describe_validation_errors() -> None:
    errors = _errors({"port": "x", "inner": {"a": "b"}})
    assert describe_validation_errors(errors) == (
        "port: Input should be a valid integer, unable to parse string as an integer (got 'x'); "
        "inner.a: Input should be a valid integer, unable to parse string as an integer "
        "(got 'b')"
    )
    assert describe_validation_errors(errors, prefix="CW_", env=True, show_input=False) == (
        "CW_PORT: Input should be a valid integer, unable to parse string as an integer; "
        "CW_INNER_A: Input should be a valid integer, unable to parse string as an integer"
    )
    assert describe_validation_errors(_errors([1]), show_input=False).startswith("<root>: ")
    where = [w for w, _, _ in validation_problems(errors, skip=1, root="frame")]
    assert where == ["frame", "a"]
    assert [w for w, _, _ in validation_problems(errors, ignore={"inner"})] == ["port", "a"]


HELPERS = {"describe_validation_errors", "validation_problems"}


def _errors_formatted_own_way(source: str) -> list[int]:
    """Lines where ``<x>.errors()`` is called other than straight into one of ``HELPERS``."""
    tree = ast.parse(source)
    parent = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "errors"
            and not node.args
        ):
            outer = parent.get(node)
            name = ""
            if isinstance(outer, ast.Call) and node in outer.args:
                name = getattr(outer.func, "id", getattr(outer.func, "attr", ""))
            if name not in HELPERS:
                lines.append(node.lineno)
    return lines


def test_the_scan_finds_errors_formatted_their_own_way() -> None:
    own = "problems = \"; \".join(f\"{e['loc']}: {e['msg']}\" for e in exc.errors())\n"
    assert _errors_formatted_own_way(own) == [1]
    assert _errors_formatted_own_way("x = describe_validation_errors(exc.errors())\n") == []


def test_every_validation_error_is_described_by_the_one_helper() -> None:
    """``exc.errors()`` goes straight into ``describe_validation_errors`` or
    ``validation_problems``: no module formats pydantic's errors its own way."""
    own_way = [
        f"{path.relative_to(PACKAGE).as_posix()}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line in _errors_formatted_own_way(path.read_text(encoding="utf-8"))
    ]
    assert own_way == []


def test_configuration_docs_are_current() -> None:
    """Regenerate with: chatwarden config docs > docs/configuration.md"""
    checked_in = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert checked_in == render()


def test_configuration_docs_name_every_setting() -> None:
    text = render()
    for name in ServiceConfig.model_fields:
        if name not in SECTIONS:
            assert f"`CHATWARDEN_{name.upper()}`" in text
    for name in WebSettings.model_fields:
        assert f"`CHATWARDEN_WEB_{name.upper()}`" in text
    for name in AnalyticsSettings.model_fields:
        assert f"`CHATWARDEN_ANALYTICS_{name.upper()}`" in text
    for name in BusSettings.model_fields:
        assert f"`CHATWARDEN_BUS_{name.upper()}`" in text
    assert "| `CHATWARDEN_PORT` | integer, ≥ 0, ≤ 65535 | `8000` |" in text
    assert "| `CHATWARDEN_METRICS_TOKEN` | secret | unset |" in text


def test_config_docs_command_prints_the_docs() -> None:
    result = CliRunner().invoke(app, ["config", "docs"])
    assert result.exit_code == 0, result.output
    assert result.output == render()


def test_bus_settings_come_from_the_environment_and_a_flag_merges_into_them() -> None:
    env = {"CHATWARDEN_BUS_SHARDS": "4", "CHATWARDEN_BUS_URL": "redis://a:6379/0"}
    config = ServiceConfig.from_env(env)
    assert (config.bus.shards, config.bus.url) == (4, "redis://a:6379/0")
    config = ServiceConfig.from_env(env, bus={"url": "redis://b:6379/1"})
    assert (config.bus.shards, config.bus.url) == (4, "redis://b:6379/1")  # merged, not replaced
    assert ServiceConfig.from_env(env, bus={"url": None}).bus.url == "redis://a:6379/0"
    assert ServiceConfig.from_env({}).bus.url == ""  # default: one process
    with pytest.raises(ConfigError, match="CHATWARDEN_BUS_URL"):
        ServiceConfig.from_env({"CHATWARDEN_BUS_URL": "http://x"})


def test_the_model_registry_defaults_to_the_deployments_data_folder(tmp_path: Path) -> None:
    db = tmp_path / "data" / "chat.db"
    config = ServiceConfig.from_env({"CHATWARDEN_DATABASE_URL": f"sqlite:///{db}"})
    assert config.model_registry_dir() == tmp_path / "data" / "chatwarden-models"
    postgres = ServiceConfig.from_env({"CHATWARDEN_DATABASE_URL": "postgresql://u@h/db"})
    assert postgres.model_registry_dir() == Path("chatwarden-models")
    env = {"CHATWARDEN_MODEL_REGISTRY": str(tmp_path / "models")}
    assert ServiceConfig.from_env(env).model_registry_dir() == tmp_path / "models"


def test_a_platform_url_is_the_operators_override_or_the_platforms_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chatwarden.config import platform_url

    monkeypatch.delenv("CHATWARDEN_TWITCH_HELIX_URL", raising=False)
    assert platform_url("CHATWARDEN_TWITCH_HELIX_URL", "https://api.twitch.tv/helix") == (
        "https://api.twitch.tv/helix"
    )
    monkeypatch.setenv("CHATWARDEN_TWITCH_HELIX_URL", "http://127.0.0.1:9/helix")
    assert platform_url("CHATWARDEN_TWITCH_HELIX_URL", "x") == "http://127.0.0.1:9/helix"
    with pytest.raises(ValueError, match="not a platform URL"):
        platform_url("HOME", "x")
