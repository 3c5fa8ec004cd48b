"""Staff pages: the catalogue, partners, and what ingest found."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from sqlalchemy.orm import selectinload

from syndication.extensions import db
from syndication.models import (
    Article,
    ArticleRequest,
    Partner,
    PartnerStatus,
    RequestStatus,
    SyndicationPolicy,
)
from syndication.views.access import staff_required

bp = Blueprint("staff", __name__)

PAGE_SIZE = 25


@bp.route("/")
@staff_required
def dashboard():
    partner_counts = dict(
        db.session.execute(
            sa.select(Partner.status, sa.func.count()).group_by(Partner.status)
        ).all()
    )
    policy_counts = dict(
        db.session.execute(
            sa.select(Article.policy, sa.func.count()).group_by(Article.policy)
        ).all()
    )
    pending = db.session.scalar(
        sa.select(sa.func.count()).where(ArticleRequest.status == RequestStatus.PENDING)
    )
    recent = db.session.scalars(
        sa.select(Article).order_by(Article.published_at.desc().nulls_last()).limit(8)
    ).all()
    return render_template(
        "staff/dashboard.html",
        partner_counts=partner_counts,
        policy_counts=policy_counts,
        pending_requests=pending,
        recent=recent,
        PartnerStatus=PartnerStatus,
        SyndicationPolicy=SyndicationPolicy,
    )


@bp.route("/articles")
@staff_required
def articles():
    q = request.args.get("q", "").strip()
    policy = request.args.get("policy", "")
    page = max(request.args.get("page", 1, type=int), 1)
    query = sa.select(Article)
    if q:
        like = f"%{q}%"
        query = query.where(sa.or_(Article.headline.ilike(like), Article.dek.ilike(like)))
    if policy in SyndicationPolicy.__members__.values():
        query = query.where(Article.policy == policy)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Article.published_at.desc().nulls_last(), Article.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "staff/articles.html",
        articles=rows,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        q=q,
        policy=policy,
        policies=list(SyndicationPolicy),
    )


@bp.route("/articles/<int:article_id>")
@staff_required
def article(article_id: int):
    found = db.session.scalar(
        sa.select(Article)
        .where(Article.id == article_id)
        .options(
            selectinload(Article.assets),
            selectinload(Article.findings),
            selectinload(Article.revisions),
            selectinload(Article.tag_rows),
        )
    )
    if found is None:
        abort(404)
    findings: dict[str, list] = {}
    for finding in found.findings:
        findings.setdefault(finding.kind.value, []).append(finding)
    return render_template("staff/article.html", article=found, findings=findings)


@bp.route("/partners")
@staff_required
def partners():
    status = request.args.get("status", "")
    query = sa.select(Partner).order_by(Partner.created_at.desc(), Partner.id.desc())
    if status in PartnerStatus.__members__.values():
        query = query.where(Partner.status == status)
    rows = db.session.scalars(query.options(selectinload(Partner.domains))).all()
    return render_template(
        "staff/partners.html", partners=rows, status=status, statuses=list(PartnerStatus)
    )


@bp.route("/partners/<int:partner_id>")
@staff_required
def partner(partner_id: int):
    found = db.session.get(Partner, partner_id)
    if found is None:
        abort(404)
    return render_template("staff/partner.html", partner=found)
