"""Email verification over HTTP with a real local SMTP server (aiosmtpd): the mailed link
verifies once, and a channel's trust gate and Shield Mode's "verified email" then let the
viewer chat. Without SMTP the server says verification is unavailable."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from chatwarden.clock import FakeClock
from chatwarden.services import build_services
from chatwarden.web import WebSettings, create_app
from tests.mail_support import MailServer, link_in, mail_server, smtp_settings
from tests.web.harness import PASSWORD, LiveServer, Person, World, make_config

ADDRESS = "alice@example.org"


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with mail_server() as server:
        yield server


@pytest.fixture
def site(database_url: str, mail: MailServer) -> Iterator[World]:
    """A live server that mails through ``mail``; channel ``main`` of ``owner``, with ``lead``
    its lead moderator and the viewers ``alice`` and ``bob``."""
    clock = FakeClock()
    config = make_config(database_url, smtp=smtp_settings(mail.port))
    services = build_services(config, clock=clock)
    app = create_app(services, WebSettings(tick_interval_s=0.2))
    with LiveServer(app) as live, contextlib.ExitStack() as sockets:
        base, ws_base = f"http://127.0.0.1:{live.port}", f"ws://127.0.0.1:{live.port}"
        people: dict[str, Person] = {}
        for name in ("owner", "lead", "alice", "bob"):
            http = httpx.Client(base_url=base, timeout=10)
            r = http.post("/api/v1/accounts", json={"username": name, "password": PASSWORD})
            assert r.status_code == 201, r.text
            people[name] = Person(name, http, ws_base, sockets)
            people[name].login()
        world = World(base, ws_base, services, clock, people)
        assert world["owner"].http.post("/api/v1/channels", json={"name": "main"}).is_success
        r = world["owner"].http.put(
            "/api/v1/channels/main/roles/lead", json={"role": "lead_moderator"}
        )
        assert r.status_code == 200, r.text
        try:
            yield world
        finally:
            for person in people.values():
                person.http.close()
    services.close()


def _say(person: Person, text: str, key: str) -> dict[str, object]:
    r = person.http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.status_code in (200, 201), r.text
    body: dict[str, object] = r.json()
    return body


def _verify(site: World, token: str) -> httpx.Response:
    with site.client() as anonymous:  # no login: the link's token is the proof
        return anonymous.post("/api/v1/email/verify", json={"token": token})


def test_the_link_lets_a_gated_viewer_chat(site: World, mail: MailServer) -> None:
    alice, lead = site["alice"].http, site["lead"].http
    r = lead.patch(
        "/api/v1/channels/main/detection/trust", json={"email": {"applies_to": "everyone"}}
    )
    assert r.status_code == 200, r.text
    refused = _say(site["alice"], "hello", "a1")
    assert refused["reason"] == "verification_required"
    assert "verified email" in str(refused["detail"])

    r = alice.get("/api/v1/me/email")
    assert r.json() == {
        "email": None,
        "verified": False,
        "verification_available": True,
        "resend_in_s": 0,
    }
    r = alice.put("/api/v1/me/email", json={"email": ADDRESS})
    assert r.status_code == 200 and r.json()["mail_sent"] is True, r.text
    link, token = link_in(mail.wait_for(ADDRESS))
    assert link.startswith("https://chat.example.org/verify-email#token=")

    r = _verify(site, token)
    assert r.status_code == 200 and r.json() == {"username": "alice", "email": ADDRESS}
    assert alice.get("/api/v1/me").json()["email_verified"] is True
    assert _say(site["alice"], "hello again", "a2")["status"] == "delivered"

    again = _verify(site, token)
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "email_token_used"
    r = alice.post("/api/v1/me/email/verification")
    assert r.status_code == 409 and "already verified" in r.json()["error"]["message"]
    # a new address: unverified again, and the gate applies again
    site.clock.advance(120)
    r = alice.put("/api/v1/me/email", json={"email": "alice@other.example"})
    assert r.json()["status"]["verified"] is False
    assert _say(site["alice"], "still me", "a3")["reason"] == "verification_required"


def test_shield_modes_verified_email_lets_the_verified_viewer_chat(
    site: World, mail: MailServer
) -> None:
    bob = site["bob"].http
    assert _say(site["bob"], "hi before the raid", "b0")["status"] == "delivered"
    preset = {"followers_only_min_age_s": None, "slow_mode_s": 0}  # only its verification
    r = site["lead"].http.patch("/api/v1/channels/main/shield/preset", json=preset)
    assert r.status_code == 200 and r.json()["verification"] == "email", r.text
    r = site["lead"].http.put("/api/v1/channels/main/shield", json={"active": True})
    assert r.status_code == 200, r.text
    assert _say(site["bob"], "hi during", "b1")["reason"] == "verification_required"
    assert bob.put("/api/v1/me/email", json={"email": "bob@example.org"}).json()["mail_sent"]
    _, token = link_in(mail.wait_for("bob@example.org"))
    assert _verify(site, token).status_code == 200
    assert _say(site["bob"], "verified now", "b2")["status"] == "delivered"


def test_expired_wrong_and_rate_limited(site: World, mail: MailServer) -> None:
    alice = site["alice"].http
    alice.put("/api/v1/me/email", json={"email": ADDRESS})
    _, token = link_in(mail.wait_for(ADDRESS))
    r = alice.post("/api/v1/me/email/verification")
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    assert alice.get("/api/v1/me/email").json()["resend_in_s"] == 60
    r = _verify(site, token[:-3] + "xyz")
    assert r.status_code == 400 and r.json()["error"]["code"] == "email_token_invalid"
    site.clock.advance(86_400)
    r = _verify(site, token)
    assert r.status_code == 400 and r.json()["error"]["code"] == "email_token_expired"
    assert "Resend" in r.json()["error"]["message"]
    assert alice.post("/api/v1/me/email/verification").status_code == 200
    _, fresh = link_in(mail.wait_for(ADDRESS, after=1))
    assert _verify(site, fresh).status_code == 200


def test_email_routes_need_a_session_and_the_page_is_served(site: World) -> None:
    alice = site["alice"].http
    r = alice.post("/api/v1/tokens", json={"name": "bot", "scopes": ["chat:write"]})
    token = r.json()["token"]
    with site.client() as bot:
        bot.headers["Authorization"] = f"Bearer {token}"
        r = bot.put("/api/v1/me/email", json={"email": ADDRESS})
        assert r.status_code == 403 and "logged-in session" in r.json()["error"]["message"]
    with site.client() as anonymous:
        assert anonymous.get("/api/v1/me/email").status_code == 401
        page = anonymous.get("/verify-email")
        assert page.status_code == 200 and "pages/verify.js" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
    r = alice.put("/api/v1/me/email", json={"email": "not an address"})
    assert r.status_code == 400 and "not an email address" in r.json()["error"]["message"]


def test_without_smtp_verification_is_unavailable(world: World) -> None:
    alice = world["alice"].http
    r = alice.put("/api/v1/me/email", json={"email": ADDRESS})
    assert r.status_code == 200
    assert r.json()["mail_sent"] is False and "cannot send" in r.json()["message"]
    assert r.json()["status"]["verification_available"] is False
    r = alice.post("/api/v1/me/email/verification")
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    assert "no mail server" in r.json()["error"]["message"]
    assert "site admin" in r.json()["error"]["message"]
