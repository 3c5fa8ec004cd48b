"""Error pages for people, RFC 9457 problem+json for the API; domain errors answered once.

A service refuses with a DomainError that carries its message and status
(``services.errors``); views let it rise, and :func:`register` answers it:
problem+json with that status for machine clients, the error page with that
status for people, or, on a page's action marked with :func:`redirect_refusals`,
the message flashed on the page the action returns to. Views catch a
DomainError only to show it inside a form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, flash, jsonify, redirect, render_template, request, url_for
from flask.globals import request_ctx
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from syndication.extensions import db
from syndication.services.errors import DomainError, NotFound

PROBLEM_TYPE_BASE = "https://syndication.invalid/problems/"


# Machine clients (the API, feed readers) get problem+json, people get pages.
MACHINE_BLUEPRINTS = frozenset({"api", "feeds"})


def wants_problem_json() -> bool:
    return request.blueprint in MACHINE_BLUEPRINTS or request.path.startswith("/api/")


def problem(status: int, title: str, detail: str = "", **extra: object):
    """An RFC 9457 problem+json response."""
    body = {
        "type": PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        **({"detail": detail} if detail else {}),
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def validation_problem(error: ValidationError):
    """flask-openapi3's hook for invalid parameters or bodies: a 422 problem+json."""
    errors = [
        {"loc": [str(part) for part in e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in error.errors(include_url=False, include_context=False, include_input=False)
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid"}
    detail = f"{'.'.join(first['loc']) or 'request'}: {first['msg']}"
    return problem(422, "Unprocessable Content", detail, errors=errors)


View = TypeVar("View", bound=Callable)
_REDIRECT = "refusals_redirect_to"


def redirect_refusals(endpoint: str) -> Callable[[View], View]:
    """Mark a page's action (a button that acts and comes back) to answer refusals there.

    A DomainError the view lets rise is flashed and the browser is sent to
    ``endpoint``, as on success; NotFound stays a 404 wherever it rises.
    """

    def mark(view: View) -> View:
        setattr(view, _REDIRECT, endpoint)
        return view

    return mark


def as_http_error(error: DomainError) -> HTTPException:
    """The HTTP error with the domain error's status and its message as the description."""
    return default_exceptions.get(error.status, InternalServerError)(description=str(error))


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_refusal(error: DomainError):
        # Whatever the refused operation had changed in the session is not kept.
        db.session.rollback()
        view = app.view_functions.get(request.endpoint or "")
        back = getattr(view, _REDIRECT, None)
        if back is not None and not isinstance(error, NotFound) and not wants_problem_json():
            flash(str(error), "error")
            # Back to the page the action belongs to, with the ids it needs from this URL.
            wanted = next(app.url_map.iter_rules(back)).arguments
            values = {k: v for k, v in (request.view_args or {}).items() if k in wanted}
            return redirect(url_for(back, **values))
        return handle_http(as_http_error(error))

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        if (error.code or 500) >= 500:
            # The session may hold a failed transaction; the error page reads the user.
            db.session.rollback()
        if wants_problem_json():
            response = problem(error.code or 500, error.name, error.description or "")
        elif request_ctx.url_adapter is None:
            # No URL can be built (a Host outside TRUSTED_HOSTS): the page's links cannot be
            # drawn, so the refusal is plain text.
            response = app.response_class(
                f"{error.code} {error.name}: {error.description}",
                status=error.code or 500,
                mimetype="text/plain",
            )
        else:
            response = app.make_response(
                (render_template("error.html", error=error), error.code or 500)
            )
        if error.code == 401 and wants_problem_json():
            response.headers["WWW-Authenticate"] = 'Bearer realm="syndication"'
        return response
