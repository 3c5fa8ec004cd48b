"""Serving package downloads: one response shape for the portal, the API and signed links."""

from __future__ import annotations

from flask import Response, abort, request

from syndication.services.errors import DomainError
from syndication.services.packages import Built


def package_response(built: Built) -> Response:
    """The bytes with ETag, Content-Length and Content-Disposition; 304 when unchanged."""
    response = Response(built.data, mimetype=built.media_type.split(";")[0])
    response.content_type = built.media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{built.filename}"'
    response.set_etag(built.key)
    # Partners' packages are private: browsers may keep them, shared caches may not.
    response.cache_control.private = True
    response.cache_control.max_age = 0
    response.cache_control.must_revalidate = True
    return response.make_conditional(request)


def refuse(exc: DomainError):
    """Turn a service refusal into the matching HTTP error with its message."""
    abort(exc.status, str(exc))
