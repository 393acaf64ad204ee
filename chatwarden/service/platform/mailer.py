"""Sending mail through the configured SMTP server (stdlib ``smtplib``).

``SmtpMailer.send`` opens one connection per mail, with ``SmtpSettings.timeout_s`` on every
step, so a dead server costs the caller at most a few timeouts. It raises ``MailError`` whose
message names the kind of failure and never the password or the mail's text.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from chatwarden.config import SmtpSettings


class MailError(Exception):
    """The mail was not sent; the message is safe to log (no secrets, no mail body)."""


def verification_mail(
    settings: SmtpSettings, *, to: str, username: str, link: str, ttl_s: int
) -> EmailMessage:
    """The verification mail: plain text, the link on a line of its own."""
    hours = max(1, round(ttl_s / 3600))
    msg = EmailMessage()
    msg["From"] = settings.from_address
    msg["To"] = to
    msg["Subject"] = "Verify your email address for ChatWarden"
    msg.set_content(
        f"Hello {username},\n\n"
        f"Someone (hopefully you) added {to} to the ChatWarden account {username}.\n"
        f"Open this link within {hours} h to verify the address:\n\n"
        f"{link}\n\n"
        "The link works once. If you did not ask for this, ignore this mail: the address\n"
        "stays unverified.\n"
    )
    return msg


class SmtpMailer:
    """One SMTP server, as configured (``security``: starttls, tls or none)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, msg: EmailMessage) -> None:
        s = self.settings
        try:
            smtp: smtplib.SMTP
            if s.security == "tls":
                context = ssl.create_default_context()
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            with smtp:
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password_value())
                smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(f"the SMTP server refused the login (code {exc.smtp_code})") from None
        except smtplib.SMTPRecipientsRefused:
            raise MailError("the SMTP server refused the recipient address") from None
        except smtplib.SMTPNotSupportedError:
            raise MailError("the SMTP server does not offer STARTTLS or login") from None
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"the SMTP server answered code {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(
                f"the SMTP server could not be reached ({type(exc).__name__})"
            ) from None
