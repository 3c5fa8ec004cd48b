"""Staff pages: the catalogue and its articles, partners, rules and the request queue."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__)

# Each module adds its routes to bp.
from syndication.views.staff import (  # noqa: E402, F401
    articles,
    background,
    copies,
    copy_checks,
    intake,
    licensing,
    notices,
    people,
    reports,
    routes,
)
