"""Staff pages: the catalogue, partners, and what ingest found."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from syndication.extensions import db
from syndication.models import (
    Article,
    ArticleRequest,
    Partner,
    PartnerDomain,
    PartnerStatus,
    RequestStatus,
    SyndicationPolicy,
)
from syndication.policy.lifecycle import REASON_REQUIRED, allowed_actions
from syndication.services import partners as partner_service
from syndication.services import settings
from syndication.services.errors import DomainError
from syndication.views import catalogue
from syndication.views.access import admin_required, staff_required
from syndication.views.forms import split_domains
from syndication.views.staff import bp
from syndication.views.staff.forms import DecisionForm, EligibilityForm


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
    filters = catalogue.filters_from_request()
    found = catalogue.run_search(filters)
    return render_template(
        "staff/articles.html",
        found=found,
        filters=filters,
        args=request.args,
        policies=list(SyndicationPolicy),
        sections=catalogue.sections(),
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
    recommendation = request.args.get("recommendation", "")
    q = request.args.get("q", "").strip()
    date_from = catalogue.parse_date(request.args.get("from", ""))
    date_to = catalogue.parse_date(request.args.get("to", ""))
    query = sa.select(Partner).order_by(Partner.created_at.desc(), Partner.id.desc())
    if status in PartnerStatus.__members__.values():
        query = query.where(Partner.status == status)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Partner.name).like(like),
                sa.func.lower(Partner.contact_email).like(like),
                Partner.domains.any(PartnerDomain.domain.like(like)),
            )
        )
    if date_from:
        query = query.where(Partner.created_at >= datetime.combine(date_from, time.min, UTC))
    if date_to:
        next_day = datetime.combine(date_to + timedelta(days=1), time.min, UTC)
        query = query.where(Partner.created_at < next_day)
    rows = db.session.scalars(query.options(selectinload(Partner.domains))).all()
    if recommendation in ("approve", "reject"):
        # The recommendation is JSON; filtering it in Python keeps one query for both databases.
        rows = [p for p in rows if (p.recommendation or {}).get("decision") == recommendation]
    return render_template(
        "staff/partners.html",
        partners=rows,
        status=status,
        statuses=list(PartnerStatus),
        recommendation=recommendation,
        q=q,
        date_from=request.args.get("from", ""),
        date_to=request.args.get("to", ""),
    )


def _render_partner(partner: Partner, form: DecisionForm | None = None, status: int = 200):
    form = form or DecisionForm(formdata=None)
    return (
        render_template(
            "staff/partner.html",
            partner=partner,
            form=form,
            actions=allowed_actions(partner.status),
            history=partner_service.history(partner),
            current_recommendation=partner_service.recommendation_for(partner),
            reason_required=REASON_REQUIRED,
        ),
        status,
    )


@bp.route("/partners/<int:partner_id>")
@staff_required
def partner(partner_id: int):
    return _render_partner(partner_service.get(partner_id))


@bp.route("/partners/<int:partner_id>/decide", methods=["POST"])
@staff_required
def decide(partner_id: int):
    found = partner_service.get(partner_id)
    form = DecisionForm()
    status = 422  # what the form or the lifecycle refused; a lost race says 409 itself
    if form.validate_on_submit():
        try:
            partner_service.decide(
                partner_id,
                form.action.data,
                actor=current_user,
                expected_version=form.version.data,
                reason=form.reason.data or "",
                tier=form.tier.data,
            )
        except DomainError as exc:
            # Shown in the form; the service rolled back, so the page shows the partner as is.
            form.reason.errors.append(str(exc))
            status = exc.status
        else:
            flash(f"{found.name} is now {found.status.value}.", "success")
            return redirect(url_for("staff.partner", partner_id=partner_id))
    return _render_partner(found, form, status)


@bp.route("/settings/eligibility", methods=["GET", "POST"])
@admin_required
def eligibility():
    current = settings.eligibility_policy()
    form = EligibilityForm(obj=None if request.method == "POST" else current)
    if request.method == "GET":
        form.blocked_domains.data = "\n".join(current.blocked_domains or [])
        form.required_fields.data = list(current.required_fields or [])
    if form.validate_on_submit():
        try:
            settings.update_eligibility_policy(
                actor=current_user,
                min_monthly_unique_visitors=form.min_monthly_unique_visitors.data,
                min_newsletter_subscribers=form.min_newsletter_subscribers.data,
                min_print_circulation=form.min_print_circulation.data,
                blocked_domains=split_domains(form.blocked_domains.data or ""),
                required_fields=form.required_fields.data or [],
            )
        except DomainError as exc:
            form.blocked_domains.errors.append(str(exc))
        else:
            flash("The eligibility policy is saved; new applications use it.", "success")
            return redirect(url_for("staff.eligibility"))
    return render_template("staff/eligibility.html", form=form, policy=current), (
        422 if form.errors else 200
    )
