"""SmtpMailer against a real local SMTP server (aiosmtpd): delivered, refused, unreachable."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from chatwarden.config import SmtpSettings
from chatwarden.service.platform.mailer import MailError, SmtpMailer, verification_mail
from tests.mail_support import body_of, free_port, mail_server, smtp_settings


def _mail(settings: SmtpSettings, to: str = "alice@example.org") -> EmailMessage:
    return verification_mail(
        settings, to=to, username="alice", link="https://x.example/verify-email#token=t", ttl_s=7200
    )


def test_the_mail_arrives_with_the_link() -> None:
    with mail_server() as server:
        settings = SmtpSettings.model_validate(smtp_settings(server.port))
        SmtpMailer(settings).send(_mail(settings))
        msg = server.wait_for("alice@example.org")
    assert msg["From"] == "chatwarden@example.org"
    assert msg["Subject"] == "Verify your email address for ChatWarden"
    body = body_of(msg)
    assert "https://x.example/verify-email#token=t\r\n" in body and "within 2 h" in body


def test_refusals_and_dead_servers_raise_mail_error_without_secrets() -> None:
    with mail_server() as server:
        server.refuse = True
        settings = SmtpSettings.model_validate(smtp_settings(server.port))
        with pytest.raises(MailError, match="code 554"):
            SmtpMailer(settings).send(_mail(settings))
        login = SmtpSettings.model_validate(
            smtp_settings(server.port, username="cw", password="s3cret-pw")
        )
        with pytest.raises(MailError) as err:
            SmtpMailer(login).send(_mail(login))
        assert "s3cret-pw" not in str(err.value)
        starttls = SmtpSettings.model_validate(smtp_settings(server.port, security="starttls"))
        with pytest.raises(MailError, match="STARTTLS"):
            SmtpMailer(starttls).send(_mail(starttls))
    dead = SmtpSettings.model_validate(smtp_settings(free_port()))
    with pytest.raises(MailError, match="could not be reached"):
        SmtpMailer(dead).send(_mail(dead))


def test_settings_need_a_sender_and_a_link_base_when_a_host_is_set() -> None:
    assert not SmtpSettings().enabled
    with pytest.raises(ValueError, match="from_address"):
        SmtpSettings.model_validate({"host": "mail", "public_base_url": "https://x"})
    with pytest.raises(ValueError, match="https://"):
        SmtpSettings.model_validate(smtp_settings(25, public_base_url="chat.example.org"))
    settings = SmtpSettings.model_validate(smtp_settings(25, public_base_url="https://x.org/"))
    assert settings.enabled and settings.public_base_url == "https://x.org"
    assert "hunter2" not in repr(SmtpSettings.model_validate({"password": "hunter2"}))
    assert "unavailable" in SmtpSettings().summary()
    assert settings.summary() == (
        "email verification: mail through 127.0.0.1:25 (none), links to https://x.org"
    )
