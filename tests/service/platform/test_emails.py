"""Email verification against a real local SMTP server (aiosmtpd): the mail and its link,
single use, expiry on the fake clock, stale links, rate limits, no SMTP, SMTP failures."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from chatwarden.clock import FakeClock
from chatwarden.errors import Conflict, Forbidden, InputError, RateLimited, Unavailable
from chatwarden.model import Model
from chatwarden.service.platform.accounts import hash_token
from chatwarden.service.platform.emails import (
    EmailTokenExpired,
    EmailTokenInvalid,
    EmailTokenStale,
    EmailTokenUsed,
    wait_s,
)
from chatwarden.service.types import Actor
from chatwarden.services import Services, build_services
from chatwarden.store import emails as email_store
from tests.mail_support import MailServer, body_of, free_port, link_in, mail_server, smtp_settings
from tests.service.conftest import make_actor, make_config

ADDRESS = "victor@example.org"


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with mail_server() as server:
        yield server


def _services(database_url: str, clock: FakeClock, model: Model, **smtp: object) -> Services:
    config = make_config(database_url, smtp=smtp) if smtp else make_config(database_url)
    return build_services(config, clock=clock, model=model, migrate=False)


@pytest.fixture
def services(
    database_url: str, clock: FakeClock, model: Model, mail: MailServer
) -> Iterator[Services]:
    svc = _services(database_url, clock, model, **smtp_settings(mail.port))
    try:
        yield svc
    finally:
        svc.close()


@pytest.fixture
def victor(services: Services) -> Actor:
    return make_actor(services, "victor")


def test_the_mailed_link_verifies_once(services: Services, victor: Actor, mail: MailServer) -> None:
    change = services.emails.change_email(victor, f"  {ADDRESS} ")
    assert change.mail_sent and change.status.email == ADDRESS
    assert not change.status.verified and change.status.verification_available
    msg = mail.wait_for(ADDRESS)
    assert msg["From"] == "chatwarden@example.org"
    assert "victor" in body_of(msg)
    link, token = link_in(msg)
    assert link.startswith("https://chat.example.org/verify-email#token=cwe_")
    with services.db.read() as conn:  # only the hash is stored
        assert email_store.get_token_txn(conn, token) is None
        assert email_store.get_token_txn(conn, hash_token(token)) is not None
    assert not services.accounts.get_user(victor.user_id).email_verified

    done = services.emails.verify(token)
    assert (done.username, done.email) == ("victor", ADDRESS)
    assert services.accounts.get_user(victor.user_id).email_verified
    assert services.emails.status(victor).verified
    with pytest.raises(EmailTokenUsed, match="already used"):
        services.emails.verify(token)
    with pytest.raises(Conflict, match="already verified"):
        services.emails.resend(victor)


def test_wrong_and_expired_links_are_refused(
    services: Services, victor: Actor, mail: MailServer, clock: FakeClock
) -> None:
    services.emails.change_email(victor, ADDRESS)
    _, token = link_in(mail.wait_for(ADDRESS))
    for wrong in (token[:-2], "cwe_nope", "", "cws_" + token[4:]):
        with pytest.raises(EmailTokenInvalid, match="not valid"):
            services.emails.verify(wrong)
    clock.advance(86_400)  # the link works for 24 h, not a second more
    with pytest.raises(EmailTokenExpired, match="expired"):
        services.emails.verify(token)
    assert not services.accounts.get_user(victor.user_id).email_verified
    status = services.emails.resend(victor)  # a new link works
    assert status.resend_in_s == 60
    _, fresh = link_in(mail.wait_for(ADDRESS, after=1))
    assert fresh != token
    clock.advance(86_399)
    services.emails.verify(fresh)
    assert services.accounts.get_user(victor.user_id).email_verified


def test_changing_the_address_clears_the_verification(
    services: Services, victor: Actor, mail: MailServer, clock: FakeClock
) -> None:
    services.emails.change_email(victor, ADDRESS)
    _, first = link_in(mail.wait_for(ADDRESS))
    services.emails.verify(first)
    clock.advance(120)
    same = services.emails.change_email(victor, ADDRESS.upper())  # the same address
    assert not same.mail_sent and same.status.verified and same.status.email == ADDRESS
    change = services.emails.change_email(victor, "new@example.org")
    assert change.mail_sent and not change.status.verified
    assert not services.accounts.get_user(victor.user_id).email_verified
    _, second = link_in(mail.wait_for("new@example.org"))
    clock.advance(120)
    services.emails.change_email(victor, "third@example.org")
    with pytest.raises(EmailTokenStale, match="no longer uses"):
        services.emails.verify(second)  # a link for an address the account left
    assert not services.accounts.get_user(victor.user_id).email_verified


def test_resend_is_rate_limited(
    database_url: str, clock: FakeClock, model: Model, mail: MailServer
) -> None:
    svc = _services(database_url, clock, model, **smtp_settings(mail.port, mails_per_day=3))
    try:
        victor = make_actor(svc, "victor")
        svc.emails.change_email(victor, ADDRESS)
        with pytest.raises(RateLimited) as err:
            svc.emails.resend(victor)
        assert err.value.retry_after_s == 60
        assert svc.emails.status(victor).resend_in_s == 60
        clock.advance(30)
        assert svc.emails.status(victor).resend_in_s == 30
        clock.advance(30)
        svc.emails.resend(victor)
        clock.advance(60)
        svc.emails.resend(victor)  # the third mail today
        clock.advance(60)
        with pytest.raises(RateLimited, match="try again in"):
            svc.emails.resend(victor)
        # a change of address within the limit saves the address but sends nothing
        change = svc.emails.change_email(victor, "other@example.org")
        assert not change.mail_sent and "later" in change.message
        assert change.status.email == "other@example.org"
        clock.advance(86_400)
        svc.emails.resend(victor)
        assert len(mail.mails) == 4
    finally:
        svc.close()


def test_wait_counts_the_interval_and_the_daily_cap() -> None:
    clock = FakeClock()
    now = clock.now()
    assert wait_s([], now, 60, 3) == 0
    sent = [clock.advance(0), clock.advance(100), clock.advance(100)]
    assert wait_s(sent, clock.now(), 60, 3) == 86_400 - 200
    assert wait_s(sent[1:], clock.now(), 60, 3) == 60
    assert wait_s(sent[1:], clock.advance(59.5), 60, 3) == 1  # rounded up


def test_without_smtp_verification_is_unavailable_but_admins_still_verify(
    database_url: str, clock: FakeClock, model: Model
) -> None:
    svc = _services(database_url, clock, model)
    try:
        victor, ada = make_actor(svc, "victor"), make_actor(svc, "ada")
        svc.accounts.make_admin(ada.user_id)
        ada = svc.accounts.authenticate(svc.accounts.login("ada", "correct horse").token)
        change = svc.emails.change_email(victor, ADDRESS)
        assert not change.mail_sent and "cannot send verification mail" in change.message
        status = svc.emails.status(victor)
        assert status.email == ADDRESS and not status.verification_available
        with pytest.raises(Conflict, match="no mail server"):
            svc.emails.resend(victor)
        svc.accounts.set_verified(ada, victor.user_id, email=True)
        assert svc.emails.status(victor).verified
    finally:
        svc.close()


def test_a_failing_mail_server_is_reported_and_logged_without_secrets(
    database_url: str,
    clock: FakeClock,
    model: Model,
    mail: MailServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="chatwarden.email")
    secret = "hunter2-smtp-password"
    # aiosmtpd offers no AUTH on a plain connection: the login fails
    smtp = smtp_settings(mail.port, username="chatwarden", password=secret)
    svc = _services(database_url, clock, model, **smtp)
    try:
        victor = make_actor(svc, "victor")
        change = svc.emails.change_email(victor, ADDRESS)
        assert not change.mail_sent and "could not be sent" in change.message
        assert change.status.email == ADDRESS and not change.status.verified
        assert "not sent" in caplog.text and f"user {victor.user_id}" in caplog.text
        assert secret not in caplog.text and secret not in change.message
    finally:
        svc.close()
    mail.refuse = True  # the server takes the connection but refuses the mail
    svc = _services(database_url, clock, model, **smtp_settings(mail.port))
    try:
        victor = svc.accounts.authenticate(svc.accounts.login("victor", "correct horse").token)
        clock.advance(60)
        with pytest.raises(Unavailable, match="could not be sent"):
            svc.emails.resend(victor)
        assert "code 554" in caplog.text
    finally:
        svc.close()
    svc = _services(database_url, clock, model, **smtp_settings(free_port()))  # nobody there
    try:
        victor = svc.accounts.authenticate(svc.accounts.login("victor", "correct horse").token)
        clock.advance(60)
        with pytest.raises(Unavailable):
            svc.emails.resend(victor)
        assert "could not be reached" in caplog.text
    finally:
        svc.close()


def test_bad_addresses_and_api_tokens_are_refused(services: Services, victor: Actor) -> None:
    for bad in ("victor", "a@b", "two@@example.org", "a b@example.org", "x\n@example.org"):
        with pytest.raises(InputError, match="not an email address"):
            services.emails.change_email(victor, bad)
    bot = services.accounts.create_api_token(victor, "bot", ["chat:write"])
    as_bot = services.accounts.authenticate(bot.token)
    with pytest.raises(Forbidden, match="logged-in session"):
        services.emails.change_email(as_bot, ADDRESS)
    with pytest.raises(Forbidden):
        services.emails.status(as_bot)
