"""The feed routes.

Two ways in, neither using the login session: a revocable feed token in the
URL (/feeds/<token>/rss.xml), for readers that cannot send headers, or an API
key in ``Authorization: Bearer`` (/feeds/rss.xml). Errors are problem+json,
never an HTML page a feed reader could not show.
"""

from __future__ import annotations

from flask import Response, abort, current_app, request

from syndication.links import absolute_url
from syndication.models import Partner
from syndication.services import apikeys, feeds, partners
from syndication.views.feeds import bp


def _serve(partner: Partner, fmt: str, endpoint: str, **values: str) -> Response:
    """The feed with ETag and Last-Modified; 304 when the reader's copy is current."""
    built = feeds.partner_feed(
        partner,
        fmt,
        self_url=absolute_url(endpoint, **values),
        remembered=feeds.memory_of(current_app),
    )
    response = Response(built.data, content_type=built.media_type)
    response.set_etag(built.etag)
    response.last_modified = built.last_modified
    # Per partner, so private; revalidated on every fetch so that takedowns reach readers.
    response.cache_control.private = True
    response.cache_control.max_age = 0
    response.cache_control.must_revalidate = True
    response.vary.add("Authorization")
    return response.make_conditional(request)


def _by_token(token: str) -> Partner:
    partner = feeds.partner_for_feed_token(token)
    if partner is None:
        # A revoked or made-up token: say nothing about which.
        abort(404, "No such feed.")
    return partner


def _by_key() -> Partner:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(
            401,
            "Send your API key as 'Authorization: Bearer <key>', "
            "or use the feed address with a token from the portal.",
        )
    key = apikeys.authenticate(secret.strip())
    if key is None:
        abort(401, "This API key is not valid or has been revoked.")
    return partners.get(key.partner_id)


@bp.get("/<token>/rss.xml")
def token_rss(token: str):
    """RSS 2.0, the token in the address."""
    return _serve(_by_token(token), "rss", "feeds.token_rss", token=token)


@bp.get("/<token>/atom.xml")
def token_atom(token: str):
    """Atom, the token in the address."""
    return _serve(_by_token(token), "atom", "feeds.token_atom", token=token)


@bp.get("/<token>/feed.json")
def token_json(token: str):
    """JSON Feed 1.1, the token in the address."""
    return _serve(_by_token(token), "json", "feeds.token_json", token=token)


@bp.get("/rss.xml")
def rss():
    """RSS 2.0 for an API key."""
    return _serve(_by_key(), "rss", "feeds.rss")


@bp.get("/atom.xml")
def atom():
    """Atom for an API key."""
    return _serve(_by_key(), "atom", "feeds.atom")


@bp.get("/feed.json")
def json_feed():
    """JSON Feed 1.1 for an API key."""
    return _serve(_by_key(), "json", "feeds.json_feed")
