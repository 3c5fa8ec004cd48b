"""The partner portal: every query is scoped to the logged-in user's partner."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from syndication.extensions import db
from syndication.models import ArticleRequest, Grant
from syndication.views.access import owned_or_404, partner_required

bp = Blueprint("portal", __name__)


@bp.route("/")
@partner_required
def dashboard():
    grants = db.session.scalars(
        sa.select(Grant)
        .where(Grant.partner_id == current_user.partner_id)
        .order_by(Grant.created_at.desc())
        .limit(20)
    ).all()
    requests = db.session.scalars(
        sa.select(ArticleRequest)
        .where(ArticleRequest.partner_id == current_user.partner_id)
        .order_by(ArticleRequest.created_at.desc())
        .limit(20)
    ).all()
    return render_template(
        "portal/dashboard.html", partner=current_user.partner, grants=grants, requests=requests
    )


@bp.route("/grants/<int:grant_id>")
@partner_required
def grant(grant_id: int):
    return render_template("portal/grant.html", grant=owned_or_404(Grant, grant_id))
