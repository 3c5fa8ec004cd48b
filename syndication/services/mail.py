"""Email: every message is rendered from templates/email/ and sent over SMTP."""

from __future__ import annotations

import smtplib

from flask import current_app, has_request_context, render_template, url_for
from flask_mail import Message

from syndication.extensions import mail


def send(template: str, to: str, subject: str, **context: object) -> bool:
    """Send ``email/<template>.txt`` (and ``.html``) to one address.

    Called after the operation's transaction has committed: a mail server that
    is down must not undo an application or a decision. Returns False (and
    logs) when the message could not be handed over, so views can say so.
    """
    context.setdefault("subject", subject)
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", **context)
    if current_app.config.get("MAIL_TO_LOG"):
        current_app.logger.warning("Email to %s: %s\n%s", to, subject, text)
        return True
    message = Message(subject=subject, recipients=[to], body=text, html=html)
    try:
        mail.send(message)
    except (smtplib.SMTPException, OSError):
        current_app.logger.exception("Could not send %r to %s", subject, to)
        return False
    return True


def external_url(endpoint: str, **values: object) -> str:
    """An absolute URL for an email: from the request when there is one, else BASE_URL."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)
