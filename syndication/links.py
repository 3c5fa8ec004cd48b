"""Absolute URLs, always made from the configured PUBLIC_BASE_URL.

Emailed links, feed self links and tracking pixels leave the app and are
followed later by people and machines that trust them; a request's ``Host``
header is whatever the client chose to send, so it never decides them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def _adapter() -> MapAdapter:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    base = app.config["PUBLIC_BASE_URL"]
    adapters: dict[str, MapAdapter] = app.extensions.setdefault("public_url_adapters", {})
    adapter = adapters.get(base)
    if adapter is None:
        parts = urlsplit(base)
        adapter = adapters[base] = app.url_map.bind(
            parts.netloc, script_name=parts.path.rstrip("/") or "/", url_scheme=parts.scheme
        )
    return adapter


def absolute_url(endpoint: str, **values: object) -> str:
    """The absolute URL of ``endpoint`` under PUBLIC_BASE_URL, inside a request or not."""
    return _adapter().build(endpoint, values, force_external=True)
