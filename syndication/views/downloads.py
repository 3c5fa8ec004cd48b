"""Serving package downloads: one response shape for the portal, the API and signed links."""

from __future__ import annotations

from flask import Response, current_app, request

from syndication.services.packages import Built

# Partners' packages are private: browsers may keep them, shared caches may not.
_CACHE_CONTROL = "private, max-age=0, must-revalidate"


def package_response(built: Built) -> Response:
    """The bytes with ETag, Content-Length and Content-Disposition; 304 when unchanged.

    Headers are written as plain strings: this is the cached-download hot path,
    and werkzeug's header objects and make_conditional cost more than the rest.
    """
    headers = {
        "ETag": f'"{built.key}"',
        "Cache-Control": _CACHE_CONTROL,
        "Content-Disposition": f'attachment; filename="{built.filename}"',
    }
    # If-None-Match compares weakly (RFC 9110 13.1.2), and "*" matches any.
    if request.if_none_match.contains_weak(built.key):
        return Response(status=304, headers=headers)
    return Response(built.data, content_type=built.media_type, headers=headers)


def url_root() -> str:
    """What absolute URLs in a package (its tracking pixel) are made from, for cache keys.

    PUBLIC_BASE_URL (``syndication.links``), never the request's Host.
    """
    return current_app.config["PUBLIC_BASE_URL"]
