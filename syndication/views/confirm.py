"""Destructive actions ask first: a dialog in the page, a confirmation page without scripts.

A destructive form carries ``data-confirm`` (the ``confirm_button`` macro); the
dialog in static/app.js sends it with ``confirmed=yes``. The view behind it is
marked :func:`confirm_first`: a POST without that answer gets a page asking the
question, whose form sends the same fields again with the answer. Nothing is
done until then, so a page reloaded there repeats nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import render_template, request

View = TypeVar("View", bound=Callable)
Question = Callable[..., str | None]


def confirmed() -> bool:
    """Whether this request carries the person's answer to the confirmation."""
    return request.form.get("confirmed") == "yes"


def confirm_first(question: str | Question) -> Callable[[View], View]:
    """Ask ``question`` before the view runs; a callable gets the view's arguments
    and may answer None for a submission that needs no confirmation."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if request.method == "POST" and not confirmed():
                text = question(*args, **kwargs) if callable(question) else question
                if text:
                    return ask(text)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def ask(question: str):
    """The confirmation page: the question, and the submitted fields sent again."""
    fields = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in ("csrf_token", "confirmed")
    ]
    back = request.referrer or ""
    # Only a way back to this site, never to wherever a referrer points.
    if not back.startswith(request.host_url):
        back = ""
    # The same address, query string included (it may say what the form does).
    action = request.path
    if request.query_string:
        action += "?" + request.query_string.decode("latin-1")
    return render_template(
        "confirm.html", question=question, action=action, fields=fields, back=back
    )
