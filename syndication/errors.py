"""Error pages for people, RFC 9457 problem+json for the API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from syndication.extensions import db

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


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        if (error.code or 500) >= 500:
            # The session may hold a failed transaction; the error page reads the user.
            db.session.rollback()
        if wants_problem_json():
            response = problem(error.code or 500, error.name, error.description or "")
        else:
            response = app.make_response(
                (render_template("error.html", error=error), error.code or 500)
            )
        if error.code == 401 and wants_problem_json():
            response.headers["WWW-Authenticate"] = 'Bearer realm="syndication"'
        return response
