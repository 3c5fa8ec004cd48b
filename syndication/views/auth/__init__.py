"""Logging in and out, and accepting an invitation."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)

from syndication.views.auth import routes  # noqa: E402, F401  (the routes register on bp)
