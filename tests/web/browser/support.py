"""Browser-test plumbing: find Chromium, run a live server with people, open logged-in pages.

Chromium is Debian's (``/usr/bin/chromium``, or ``CHATWARDEN_CHROMIUM``); Playwright never
downloads a browser here. Without it the tests skip, saying why, unless
``CHATWARDEN_REQUIRE_BROWSER=1`` (CI), where they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from chatwarden.clock import FakeClock
from chatwarden.services import Services, build_services
from chatwarden.web import WebSettings, create_app
from tests.web.harness import PASSWORD, LiveServer, make_config

CHROMIUM = os.environ.get("CHATWARDEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
PEOPLE = ("owner", "lead", "mod", "vip", "alice", "mallory")

#: Idle connections are dropped after 1 s, well before the server closes them (uvicorn: 5 s),
#: so a request never goes out on a connection the server is closing at that moment.
KEEPALIVE = httpx.Limits(keepalive_expiry=1.0)


def browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


def skip_or_fail(reason: str) -> None:
    if os.environ.get("CHATWARDEN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CHATWARDEN_REQUIRE_BROWSER=1: CI must not skip browser tests)")
    pytest.skip(reason)


#: mark for browser test modules: ``pytestmark = needs_browser`` (a fixture does the check)
needs_browser = pytest.mark.usefixtures("browser")


@dataclass
class SitePerson:
    """A user with a logged-in ``httpx.Client`` (session + CSRF headers set by hand, since the
    site's cookies are ``Secure`` and httpx sends those only over HTTPS)."""

    username: str
    http: httpx.Client
    session: str = ""
    csrf: str = ""

    def cookies_for(self, base_url: str) -> list[dict[str, Any]]:
        common = {"url": base_url, "sameSite": "Lax", "secure": True}
        return [
            {"name": "cw_session", "value": self.session, "httpOnly": True, **common},
            {"name": "cw_csrf", "value": self.csrf, "httpOnly": False, **common},
        ]


@dataclass
class Site:
    """A running server (SQLite, Secure cookies) with channel ``main`` and its people:
    ``owner``, ``lead`` (lead moderator), ``mod`` (moderator), ``vip``, ``alice`` (follows),
    ``mallory``."""

    base_url: str
    services: Services
    clock: FakeClock
    people: dict[str, SitePerson] = field(default_factory=dict)

    def __getitem__(self, name: str) -> SitePerson:
        return self.people[name]

    def add_person(self, username: str) -> SitePerson:
        """Register and log in ``username`` (any name the API accepts)."""
        http = httpx.Client(base_url=self.base_url, timeout=10, limits=KEEPALIVE)
        r = http.post("/api/v1/accounts", json={"username": username, "password": PASSWORD})
        assert r.status_code == 201, r.text
        r = http.post("/api/v1/sessions", json={"username": username, "password": PASSWORD})
        assert r.status_code == 201, r.text
        set_cookie = r.headers.get_list("set-cookie")
        session = next(c for c in set_cookie if c.startswith("cw_session="))
        assert "HttpOnly" in session and "Secure" in session and "SameSite=lax" in session
        person = SitePerson(username, http)
        person.session = session.split(";", 1)[0].split("=", 1)[1]
        person.csrf = r.json()["csrf_token"]
        http.cookies.clear()
        http.headers["Cookie"] = f"cw_session={person.session}; cw_csrf={person.csrf}"
        http.headers["X-CSRF-Token"] = person.csrf
        self.people[username] = person
        return person

    def close(self) -> None:
        for person in self.people.values():
            person.http.close()


@contextlib.contextmanager
def running_site(database_url: str) -> Iterator[Site]:
    clock = FakeClock()
    services = build_services(make_config(database_url), clock=clock)
    app = create_app(services, WebSettings(cookie_secure=True, tick_interval_s=0.2))
    try:
        with LiveServer(app) as live:
            site = Site(f"http://127.0.0.1:{live.port}", services, clock)
            try:
                for name in PEOPLE:
                    site.add_person(name)
                owner = site["owner"].http
                assert owner.post("/api/v1/channels", json={"name": "main"}).status_code == 201
                roles = (("lead", "lead_moderator"), ("mod", "moderator"), ("vip", "vip"))
                for name, role in roles:
                    r = owner.put(f"/api/v1/channels/main/roles/{name}", json={"role": role})
                    assert r.status_code == 200, r.text
                assert site["alice"].http.put("/api/v1/channels/main/follow").status_code == 200
                yield site
            finally:
                site.close()
    finally:
        services.close()


def report_screenshots(terminalreporter: Any) -> None:
    """Print where the screenshots are (once per run; called from two conftest hooks, since
    under xdist the controller may not load tests/web/browser/conftest.py)."""
    config = terminalreporter.config
    if getattr(config, "_chatwarden_screenshots_reported", False):
        return
    config._chatwarden_screenshots_reported = True
    start = getattr(getattr(terminalreporter, "_session_start", None), "time", 0.0)
    shots = sorted(ARTIFACTS.glob("*.png")) if ARTIFACTS.is_dir() else []
    fresh = [p for p in shots if p.stat().st_mtime >= start - 1]  # taken by this run
    if fresh:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(fresh)} screenshots of the web pages in {ARTIFACTS}")
