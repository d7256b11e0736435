"""The one way mail leaves the forum: `.eml` files in the outbox, or SMTP if MAIL_SERVER is set."""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from forum.models.base import utcnow
from gdpr import files

log = logging.getLogger(__name__)


def compose(
    to: str, subject: str, text: str, *, headers: dict[str, str] | None = None
) -> EmailMessage:
    """Build a plain-text French message (UTF-8) from the configured sender, with HEADERS
    (List-Unsubscribe…) besides the usual ones."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="etabli.invalid")
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    return message


def deliver(message: EmailMessage) -> None:
    """Send MESSAGE through SMTP, or write it to the outbox folder."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        outbox = Path(config["MAIL_OUTBOX"])
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        with files.open_private(outbox / name) as handle:  # the address is personal data
            handle.write(bytes(message))
        log.info("mail written to the outbox: %s", name)
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(
        config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
    ) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
    # The recipient is personal data: it is not logged.
    log.info("mail sent through SMTP: %s", message["Message-ID"])


def render(template: str, *, locale: str | None = None, **context: object) -> tuple[str, str]:
    """The subject and body of `templates/mail/TEMPLATE.txt` in LOCALE."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        rendered = render_template(f"mail/{template}.txt", **context)
    subject, _, body = rendered.lstrip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def transmit(to: str, subject: str, body: str, *, headers: dict[str, str] | None = None) -> bool:
    """Send a rendered message now; False if it failed. Pages never call this: they queue
    their mail (`accounts.notify`), so no request waits on a mail server.

    A mail server that is down must not break what sends the mail: the failure is logged
    (without the address) and every mail the forum sends can be asked for again.
    """
    try:
        deliver(compose(to, subject, body, headers=headers))
    except (OSError, smtplib.SMTPException) as error:
        log.error("mail not sent: %s", type(error).__name__)  # no address, no subject
        return False
    return True


def forget(address: str) -> int:
    """Delete the outbox files sent to ADDRESS (erasure); SMTP mail is no longer ours."""
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    if not outbox.exists():
        return 0
    removed = 0
    for path in outbox.glob("*.eml"):
        recipient = path.read_bytes().split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        if f"To: {address}".encode() in recipient:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
