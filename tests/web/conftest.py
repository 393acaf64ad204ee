"""Fixtures for the web tests (defined in ``harness.py`` so tests/test_lifecycle.py shares them)."""

from tests.web.harness import world

__all__ = ["world"]
