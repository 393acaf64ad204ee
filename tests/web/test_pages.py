"""The browser pages over plain HTTP: shells, static files, security headers, permissions hint.

(The pages' behaviour is tested in a real Chromium under tests/web/browser/.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chatwarden.web import pages
from tests.web.harness import World

PAGES = ("/", "/c/main", "/mod/main", "/docs")


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_static_shells_under_a_strict_csp(world: World, path: str) -> None:
    with world.client() as anon:
        r = anon.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    for directive in (
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", r.text, flags=re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+\s*=", r.text)  # no inline event handlers


def test_static_files_and_api_answers_carry_the_headers(world: World) -> None:
    with world.client() as anon:
        js = anon.get("/static/js/api.js")
        css = anon.get("/static/app.css")
        api = anon.get("/api/v1/channels")
        missing = anon.get("/static/nope.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert api.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in api.headers
    assert missing.status_code == 404


def test_no_static_module_writes_html() -> None:
    """Data reaches the DOM as text only: no innerHTML & co. anywhere in the shipped JS."""
    forbidden = re.compile(
        r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function"
    )
    files = sorted(pages.STATIC_DIR.rglob("*.js"))
    assert len(files) >= 10
    for path in files:
        lines = Path(path).read_text().splitlines()
        text = "\n".join(line for line in lines if not line.strip().startswith("//"))
        assert not forbidden.search(text), path


#: person -> (role in ``main``, permissions they must have, permissions they must lack)
EXPECTED = {
    "owner": ("owner", {"manage_private_terms", "ban"}, set()),
    "lead": ("lead_moderator", {"update_automod_settings"}, {"manage_private_terms"}),
    "mod": ("moderator", {"view_queue", "ban", "add_note"}, {"update_automod_settings"}),
    "vip": ("vip", {"send_message"}, {"view_queue"}),
    "alice": ("follower", {"send_message"}, {"view_queue", "ban"}),
}


def test_permissions_endpoint_tells_the_ui_what_to_show(world: World) -> None:
    for person, (role, has, lacks) in EXPECTED.items():
        r = world[person].http.get("/api/v1/channels/main/permissions")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["role"] == role and body["user"]["username"] == person
        assert body["channel"]["name"] == "main"
        assert has <= set(body["permissions"]) and not lacks & set(body["permissions"]), person
        # in a channel where they have no role, moderators are plain viewers
        other = world[person].http.get("/api/v1/channels/other/permissions").json()
        assert "view_queue" not in other["permissions"]


def test_permissions_endpoint_respects_token_scopes_and_needs_a_login(world: World) -> None:
    mod = world["mod"].http
    token = mod.post("/api/v1/tokens", json={"name": "read", "scopes": ["moderation:read"]}).json()[
        "token"
    ]
    with world.client() as anon:
        assert anon.get("/api/v1/channels/main/permissions").status_code == 401
        r = anon.get(
            "/api/v1/channels/main/permissions", headers={"Authorization": f"Bearer {token}"}
        )
    perms = set(r.json()["permissions"])
    assert "view_queue" in perms and "ban" not in perms and "send_message" not in perms


def test_permissions_endpoint_reports_the_callers_standing(world: World) -> None:
    def standing() -> dict[str, object]:
        return dict(world["mallory"].http.get("/api/v1/channels/main/permissions").json())

    fresh = standing()
    assert fresh["banned"] is False and fresh["timeout_until"] is None
    assert fresh["warning"] is None and fresh["timeout_left_s"] is None
    mod = world["mod"].http
    assert mod.post("/api/v1/channels/main/warnings/mallory", json={"reason": "calm"}).is_success
    r = mod.put("/api/v1/channels/main/timeouts/mallory", json={"duration_s": 600})
    assert r.status_code == 200, r.text
    got = standing()
    assert got["warning"] == "calm" and got["timeout_left_s"] == 600.0
    world.clock.advance(601)  # the timeout is over; the warning waits for its acknowledgement
    got = standing()
    assert got["timeout_until"] is None and got["timeout_left_s"] is None
    assert got["warning"] == "calm"
    ack = world["mallory"].http.post("/api/v1/channels/main/warning-acknowledgement")
    assert ack.status_code == 204
    assert mod.put("/api/v1/channels/main/bans/mallory", json={}).status_code == 200
    got = standing()
    assert got["banned"] is True and got["warning"] is None


def test_api_docs_work_offline_from_our_own_files(world: World) -> None:
    """/docs loads nothing from another host: its one module draws /openapi.json."""
    with world.client() as anon:
        page = anon.get("/docs")
        module = anon.get("/static/pages/apidocs.js")
    assert page.status_code == 200 and '<script type="module" src="/static/pages/apidocs.js">' in (
        page.text
    )
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)  # nothing from a CDN
    assert module.status_code == 200 and "/openapi.json" in module.text
    assert not re.search(r"https?://", module.text)
