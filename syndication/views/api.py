"""The partner API under /api/v1: bearer API keys, JSON, problem+json errors."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, g, request

from syndication.extensions import csrf, db
from syndication.models import Grant, PartnerStatus
from syndication.services import apikeys, packages
from syndication.services.errors import DomainError
from syndication.views.downloads import package_response, refuse

bp = Blueprint("api", __name__)
# API clients authenticate with a key on every call, not a cookie: CSRF does not apply.
csrf.exempt(bp)


@bp.before_request
def authenticate_key() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(401, "Send your API key as 'Authorization: Bearer <key>'.")
    key = apikeys.authenticate(secret.strip())
    if key is None:
        abort(401, "This API key is not valid or has been revoked.")
    if key.partner.status is not PartnerStatus.APPROVED:
        abort(403, f"Your partnership is {key.partner.status.value}; the API is closed to it.")
    g.api_key = key
    g.partner = key.partner


@bp.route("/")
def index():
    return {"partner": {"id": g.partner.id, "name": g.partner.name}, "version": "v1"}


@bp.route("/grants")
def grants():
    rows = db.session.scalars(
        sa.select(Grant).where(Grant.partner_id == g.partner.id).order_by(Grant.id.desc())
    ).all()
    return {
        "items": [
            {
                "id": grant.id,
                "licence_id": grant.licence_id,
                "article_id": grant.article_id,
                "status": grant.status.value,
                "valid_from": grant.valid_from.isoformat(),
                "valid_until": grant.valid_until.isoformat() if grant.valid_until else None,
            }
            for grant in rows
        ]
    }


@bp.route("/grants/<int:grant_id>/package")
def package(grant_id: int):
    """The grant's package: the zip, or one file with ?format=article.html (etc.)."""
    fmt = request.args.get("format", packages.BUNDLE)
    try:
        built = packages.download(grant_id, g.partner.id, fmt, api_key=g.api_key)
    except DomainError as exc:
        refuse(exc)
    return package_response(built)
