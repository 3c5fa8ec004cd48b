"""Email: every message is rendered from templates/email/ and sent over SMTP by a worker."""

from __future__ import annotations

from flask import current_app, render_template
from flask_mail import Message

from syndication.extensions import mail
from syndication.links import absolute_url
from syndication.services import jobs

JOB_KIND = "email"


def send(template: str, to: str, subject: str, **context: object) -> None:
    """Queue ``email/<template>.txt`` (and ``.html``) for one address, in the caller's transaction.

    The message is rendered now, while the objects it names are at hand, and
    written as a job in the same transaction as the operation that caused it
    (the caller commits): a decision that rolls back sends nothing, and a mail
    server that is slow or down never slows or fails the page. A worker
    delivers it, retrying with backoff (``tasks/mail.py``).
    """
    context.setdefault("subject", subject)
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", **context)
    jobs.add(JOB_KIND, {"to": to, "subject": subject, "text": text, "html": html})


def deliver(payload: dict) -> None:
    """Hand one rendered message to the SMTP server (or, without one, to the log).

    Raises on any SMTP or network error, so the job is tried again later.
    """
    to, subject = payload["to"], payload["subject"]
    if current_app.config.get("MAIL_TO_LOG"):
        current_app.logger.warning("Email to %s: %s\n%s", to, subject, payload["text"])
        return
    mail.send(Message(subject=subject, recipients=[to], body=payload["text"], html=payload["html"]))


def external_url(endpoint: str, **values: object) -> str:
    """An absolute URL for an email or a package: under PUBLIC_BASE_URL, never the Host."""
    return absolute_url(endpoint, **values)
