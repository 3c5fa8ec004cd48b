"""Partner feeds (RSS 2.0, Atom, JSON Feed 1.1) for feed readers and machines."""

from __future__ import annotations

from flask import Blueprint, current_app

from syndication.extensions import limiter
from syndication.views.access import credential_rate_key

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=credential_rate_key)(bp)

from syndication.views.feeds import routes  # noqa: E402, F401  (the routes register on bp)
