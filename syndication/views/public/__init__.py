"""Pages anyone may see: the welcome page, the application, the pixel, signed downloads."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)

from syndication.views.public import routes  # noqa: E402, F401  (the routes register on bp)
