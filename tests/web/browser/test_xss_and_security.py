"""XSS payloads in chat messages, usernames, notes, reasons, unban requests and terms: none
runs, all are shown as text. CSP, cookies, CSRF and session expiry in the real browser."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser

PAYLOADS = [
    '<img src=x onerror="window.__xss=1;alert(1)">',
    "<script>window.__xss=2;alert(2)</script>",
    '<svg onload="window.__xss=3;alert(3)"></svg>',
    '"><iframe src="javascript:alert(4)"></iframe>',
    "<a href=\"javascript:alert(5)\" id='xss-link'>click</a>",
    "';alert(6);//",
    '<style>body{display:none}</style><b id="xss-bold">bold</b>',
    "{{constructor.constructor('alert(7)')()}}",
]
#: elements a payload would create if it were parsed as HTML (charts may add their own svg
#: and style elements, so match the payloads' own attributes)
INJECTED = (
    'img[src="x"], [onerror], [onload], iframe, a[href^="javascript"], #xss-link, #xss-bold,'
    " script:not([src])"
)


def assert_clean(page: Page) -> None:
    assert page.locator(INJECTED).count() == 0, page.locator(INJECTED).evaluate_all(
        "els => els.map(e => e.outerHTML)"
    )
    styles = page.locator("style").evaluate_all("els => els.map(e => e.textContent)")
    assert not any("body{display:none}" in s for s in styles)
    assert page.evaluate("window.__xss") is None
    assert page.locator("body").is_visible()


def test_payloads_are_shown_as_text_and_never_run(site: Site, open_page: OpenPage) -> None:
    alice = site["alice"].http
    for n, payload in enumerate(PAYLOADS):
        r = alice.post(
            "/api/v1/channels/main/messages", json={"text": payload, "idempotency_key": f"x{n}"}
        )
        assert r.status_code == 200, r.text
    # a held one: highlighted in the queue, around the payload; the emoji (two UTF-16 units
    # in JavaScript, one code point in Python) checks that the spans land on the right words
    held = "\U0001f600\U0001f600 you worthless idiot, kys " + PAYLOADS[0]
    r = alice.post("/api/v1/channels/main/messages", json={"text": held, "idempotency_key": "h"})
    assert r.json()["status"] == "held", r.text
    for payload in PAYLOADS[:3]:  # notes, a warning reason, an unban request
        r = site["mod"].http.post(
            "/api/v1/channels/main/users/alice/notes", json={"text": "note " + payload}
        )
        assert r.status_code == 201, r.text
    r = site["owner"].http.post(
        "/api/v1/channels/main/automod/terms", json={"text": "<img src=x onerror=alert(8)>"}
    )
    assert r.status_code == 201, r.text

    viewer = open_page("vip", "/c/main")
    # control: parsed as HTML (in an inert document), the markup payloads WOULD be caught
    caught = viewer.evaluate(
        """([payloads, sel]) => payloads.map((p) => {
             const doc = new DOMParser().parseFromString(p, 'text/html');
             return doc.querySelectorAll(sel).length > 0
               || [...doc.querySelectorAll('style')]
                    .some((st) => st.textContent.includes('display:none'));
           })""",
        [PAYLOADS, INJECTED],
    )
    assert caught == [True] * 5 + [False, True, False]
    log = viewer.get_by_test_id("chat-log")
    for payload in PAYLOADS:
        expect(log.locator(".text", has_text=payload)).to_have_count(1)
    assert_clean(viewer)

    mod = open_page("mod", "/mod/main")
    chat = mod.get_by_test_id("mod-chat-log")
    for payload in PAYLOADS:
        expect(chat.locator(".text", has_text=payload)).to_have_count(1)
    item = mod.get_by_test_id("queue-item")
    expect(item.get_by_test_id("queue-text")).to_have_text(held)
    marks = item.locator("mark.hit").all_text_contents()
    (queued,) = site["mod"].http.get("/api/v1/channels/main/queue").json()
    spans = sorted({tuple(s) for r in queued["reasons"] for s in r["spans"]})
    assert marks == [held[a:b] for a, b in spans] and "kys" in marks, (marks, spans)
    expect(mod.get_by_test_id("term").first).to_contain_text("<img src=x onerror=alert(8)>")
    mod.get_by_test_id("chat-user").filter(has_text="alice").first.click()
    notes = mod.get_by_test_id("usercard-note")
    expect(notes).to_have_count(3)
    for payload in PAYLOADS[:3]:
        expect(notes.filter(has_text="note " + payload)).to_have_count(1)
    # a note typed through the page
    mod.get_by_test_id("note-text").fill(PAYLOADS[3])
    mod.get_by_test_id("note-add").click()
    expect(notes.filter(has_text=PAYLOADS[3])).to_have_count(1)
    assert_clean(mod)

    # a warning reason and a ban reason reach the viewer's page as text
    alice_page = open_page("alice", "/c/main")
    r = site["mod"].http.post("/api/v1/channels/main/warnings/alice", json={"reason": PAYLOADS[1]})
    assert r.status_code == 201, r.text
    expect(alice_page.get_by_test_id("banner-warning")).to_contain_text(PAYLOADS[1])
    r = site["mod"].http.put("/api/v1/channels/main/bans/alice", json={"reason": PAYLOADS[2]})
    assert r.status_code == 200, r.text
    expect(alice_page.get_by_test_id("banner-banned")).to_contain_text(PAYLOADS[2])
    alice_page.get_by_test_id("unban-text").fill(PAYLOADS[4])
    alice_page.get_by_test_id("unban-submit").click()
    expect(mod.get_by_test_id("unban-request")).to_contain_text(PAYLOADS[4])
    assert_clean(alice_page)
    assert_clean(mod)


def test_usernames_with_markup_are_refused_and_the_error_is_text(open_page: OpenPage) -> None:
    page = open_page(None, "/")
    for payload in PAYLOADS[:3]:
        page.get_by_test_id("signup-username").fill(payload[:25])
        page.get_by_test_id("signup-password").fill("long enough password")
        page.get_by_test_id("signup").get_by_role("button", name="Create account").click()
        expect(page.get_by_test_id("signup-error")).not_to_be_empty()
        assert_clean(page)


def test_csp_blocks_inline_script_and_cookies_are_locked_down(
    site: Site, open_page: OpenPage
) -> None:
    page = open_page("mod", "/mod/main")
    response = page.request.get(site.base_url + "/mod/main")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    html = response.text()
    assert "<script>" not in html and 'type="module" src="/static/' in html
    # an inline script injected at run time is refused by the browser (the CSP is enforced)
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__inline = 1'; document.body.append(s); }"
    )
    assert page.evaluate("window.__inline") is None

    assert "cw_session" not in page.evaluate("document.cookie")  # HttpOnly: not for scripts

    # CSRF: the same request without the header is refused, with it it reaches the route
    status = page.evaluate(
        """async () => {
          const bare = await fetch('/api/v1/channels/main/chat-settings', {method: 'PATCH',
            headers: {'Content-Type': 'application/json'}, body: '{"slow_mode_s": 5}'});
          return [bare.status, (await bare.json()).error.code];
        }"""
    )
    assert status == [403, "csrf_failed"]
    assert site["mod"].http.get("/api/v1/channels/main/chat-settings").json()["slow_mode_s"] == 0


def test_session_expiry_sends_the_user_to_login_and_back(site: Site, open_page: OpenPage) -> None:
    page = open_page("mod", "/mod/main")
    expect(page.get_by_test_id("role")).to_have_text("moderator")
    context = page.context
    site.clock.advance(15 * 24 * 3600)  # past the 14-day session lifetime
    page.close()
    page = context.new_page()
    page.goto("/mod/main", wait_until="commit")
    page.wait_for_url("**/?next=%2Fmod%2Fmain")
    expect(page.get_by_role("status").filter(has_text="Please log in")).to_be_visible()
    page.get_by_test_id("login-username").fill("mod")
    page.get_by_test_id("login-password").fill("correct horse battery")
    page.get_by_test_id("login-password").press("Enter")
    page.wait_for_url("**/mod/main")
    expect(page.get_by_test_id("role")).to_have_text("moderator")
    # the cookies the server set through the login form: HttpOnly, Secure, SameSite
    cookies = {c["name"]: c for c in page.context.cookies() if c["value"]}
    session = cookies["cw_session"]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Lax"
    assert cookies["cw_csrf"]["secure"] and not cookies["cw_csrf"]["httpOnly"]


def test_sign_up_pick_a_channel_and_chat(site: Site, open_page: OpenPage) -> None:
    page = open_page(None, "/")
    page.get_by_test_id("signup-username").fill("newbie")
    page.get_by_test_id("signup-password").fill("a good password")
    page.get_by_test_id("signup-password").press("Enter")
    channels = page.get_by_test_id("channel-list")
    channels.get_by_role("link", name="Chat").first.click()
    page.wait_for_url("**/c/main")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.get_by_test_id("chat-input").fill("hello from a new account")
    page.get_by_test_id("chat-input").press("Enter")
    expect(page.locator(".chat-line", has_text="hello from a new account")).to_be_visible()
    # log out: the session ends, the pages send the user to the login form again
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_test_id("login")).to_be_visible()
    page.goto("/c/main")
    page.wait_for_url("**/?next=%2Fc%2Fmain")
    expect(page.get_by_test_id("login")).to_be_visible()
