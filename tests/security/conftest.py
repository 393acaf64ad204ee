"""Fixtures for the security suite: the live server and its people from ``tests/web/harness.py``."""

from tests.web.harness import world

__all__ = ["world"]
