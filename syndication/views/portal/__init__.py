"""The partner portal: every query is scoped to the logged-in user's partner."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__)

# Each module adds its routes to bp.
from syndication.views.portal import feeds, reports, routes  # noqa: E402, F401
