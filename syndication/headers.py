"""Security headers on every response, kept in one place.

* ``Content-Security-Policy``: scripts and styles from this site only, never
  inline unless the element carries the page's nonce (``csp_nonce()`` in a
  template: ``<script nonce="{{ csp_nonce() }}">``); no plugins, no framing
  (``frame-ancestors 'none'``), forms post back here only.
* ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (for browsers
  that predate frame-ancestors), ``Referrer-Policy: same-origin`` (feed and
  download addresses carry tokens that must not leak to other sites).
* ``Strict-Transport-Security`` when HSTS_SECONDS is set (production).
* ``Cache-Control: no-store`` on whatever answers a logged-in person or an
  API key, unless the view chose its own caching (packages and feeds, which
  revalidate with ETags).

A view may set any of these itself; what it set is kept.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request

_BASE_POLICY = (
    "default-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)

_FIXED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def csp_nonce() -> str:
    """This response's nonce for inline ``<script>``/``<style>`` elements, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str | None) -> str:
    """The policy for one response; the nonce is named only when a template asked for it."""
    allowed = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join((*_BASE_POLICY, f"script-src {allowed}", f"style-src {allowed}"))


def _answers_a_credential() -> bool:
    # Flask-Login keeps the user it loaded in g; asking current_user here would load
    # one for responses that never needed it (the pixel, static files).
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        return True
    return "Authorization" in request.headers or request.blueprint == "auth"


def add_security_headers(response: Response) -> Response:
    """The after-request hook: fill in every header the view did not set itself."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(g.get("csp_nonce")))
    for name, value in _FIXED.items():
        headers.setdefault(name, value)
    seconds = current_app.config.get("HSTS_SECONDS", 0)
    if seconds:
        headers.setdefault("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
    if "Cache-Control" not in headers and _answers_a_credential():
        headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
