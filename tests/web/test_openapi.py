"""``web/openapi.py``: the OpenAPI document lists every error status an operation can answer.

``tests/security/test_api_fuzz.py`` checks the same against the running server; this checks
the rules themselves, without a server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chatwarden.clock import FakeClock
from chatwarden.services import build_services
from chatwarden.web import WebSettings, create_app
from tests.web.harness import make_config


@pytest.fixture
def spec(database_url: str) -> Iterator[dict[str, Any]]:
    services = build_services(make_config(database_url), clock=FakeClock())
    try:
        yield create_app(services, WebSettings()).openapi()
    finally:
        services.close()


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def statuses(spec: dict[str, Any], method: str, path: str) -> set[str]:
    return set(spec["paths"][path][method.lower()]["responses"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_operation_lists_the_statuses_its_shape_implies(spec: dict[str, Any]) -> None:
    for method, path, operation in operations(spec):
        codes = set(operation["responses"])
        where = (method, path, sorted(codes))
        if "{" in path:
            assert "404" in codes, where
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= codes, where
        if method != "GET":
            assert "403" in codes, where  # the CSRF check
        for code in codes - {"200", "201", "204"}:
            schema = operation["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, where


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_logged_in_operations_list_401_403_429_and_public_ones_do_not(
    spec: dict[str, Any],
) -> None:
    assert {"401", "403", "429"} <= statuses(spec, "GET", "/api/v1/channels/{name}/queue")
    assert {"401", "409"} <= statuses(spec, "POST", "/api/v1/queue/{item_id}")
    assert statuses(spec, "GET", "/api/v1/channels") == {"200", "400"}  # 400: a NUL (inputs.py)
    assert "401" not in statuses(spec, "GET", "/api/v1/channels/{name}")
    # the login form: its per-IP limit, and wrong credentials (declared on the route)
    assert {"401", "429"} <= statuses(spec, "POST", "/api/v1/sessions")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_error_body_is_the_one_errors_py_sends(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["Error"]["properties"]["error"]["required"] == ["code", "message"]
    assert "HTTPValidationError" not in schemas  # FastAPI's ``detail`` body is never sent
