"""Staff pages: the dashboard, partners and their decisions, the eligibility policy."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from syndication.models import Partner, PartnerStatus, SyndicationPolicy
from syndication.policy.lifecycle import REASON_REQUIRED, allowed_actions
from syndication.services import articles as article_service
from syndication.services import audit, copies, grants, holders, settings, webhooks
from syndication.services import partners as partner_service
from syndication.services.errors import DomainError
from syndication.services.pagination import parse_sort
from syndication.views.access import admin_required, staff_required
from syndication.views.confirm import confirm_first
from syndication.views.forms import ActionForm, PackageProfileForm, split_domains, valid_or_empty
from syndication.views.staff import bp
from syndication.views.staff.forms import DecisionForm, EligibilityForm, PartnerFilters


@bp.route("/")
@staff_required
def dashboard():
    return render_template(
        "staff/dashboard.html",
        partner_counts=partner_service.count_by_status(),
        policy_counts=article_service.count_by_policy(),
        pending_requests=grants.pending_count(),
        recent=article_service.recent(8),
        PartnerStatus=PartnerStatus,
        SyndicationPolicy=SyndicationPolicy,
    )


PARTNER_SORTS = {"name", "visitors", "status", "applied"}


@bp.route("/partners")
@staff_required
def partners():
    status = request.args.get("status", "")
    if status and status not in {s.value for s in PartnerStatus}:
        raise DomainError(f"“status” is not valid: choose one of {', '.join(PartnerStatus)}.")
    form = PartnerFilters()
    form.validate()
    sort = parse_sort(request.args.get("sort"), PARTNER_SORTS, "-applied")
    found = partner_service.search(
        status=status,
        recommendation=form.recommendation.data or "",
        q=(form.q.data or "").strip(),
        created_from=valid_or_empty(form.date_from),
        created_to=valid_or_empty(form.date_to),
        sort=sort,
        cursor=request.args.get("cursor"),
    )
    return render_template(
        "staff/partners.html",
        found=found,
        status=status,
        statuses=list(PartnerStatus),
        form=form,
        sort=sort.param,
    ), (422 if form.errors else 200)


def _render_partner(partner: Partner, form: DecisionForm | None = None, status: int = 200):
    form = form or DecisionForm(formdata=None)
    sort = parse_sort(request.args.get("sort"), holders.GRANT_SORTS, "-since")
    history = audit.about("partners", partner.id)
    return (
        render_template(
            "staff/partner.html",
            partner=partner,
            form=form,
            actions=allowed_actions(partner.status),
            history=history,
            describe=audit.describe,
            current_recommendation=partner_service.recommendation_for(partner),
            reason_required=REASON_REQUIRED,
            confirm_actions=CONFIRM_DECISIONS,
            holdings=holders.of_partner(partner.id, sort=sort, cursor=request.args.get("cursor")),
            copies=copies.of_partner(partner.id),
            sort=sort.param,
            downloads=holders.recent_downloads(partner.id),
            contacts=holders.contacts(partner.id),
            webhook_endpoint=webhooks.endpoint(partner),
            failed_webhooks=webhooks.failed_of(partner.id),
            profile_form=PackageProfileForm(formdata=None, ninjs_version=partner.ninjs_version),
        ),
        status,
    )


@bp.route("/partners/<int:partner_id>")
@staff_required
def partner(partner_id: int):
    return _render_partner(partner_service.get(partner_id))


# Decisions that take a partner's access away ask for confirmation first.
CONFIRM_DECISIONS = {
    "reject": "Reject {name}? The applicant is emailed the reason.",
    "suspend": "Suspend {name}? Its users are logged out, its API keys and feeds stop at once.",
    "terminate": "Terminate the partnership of {name}? This cannot be undone.",
}


def _decision_question(partner_id: int) -> str | None:
    question = CONFIRM_DECISIONS.get(request.form.get("action", ""))
    return question.format(name=partner_service.get(partner_id).name) if question else None


@bp.route("/partners/<int:partner_id>/webhooks/<int:delivery_id>/redeliver", methods=["POST"])
@staff_required
def redeliver_webhook(partner_id: int, delivery_id: int):
    """Send one of the partner's failed webhook deliveries again."""
    if ActionForm().validate_on_submit():
        try:
            webhooks.redeliver(delivery_id, partner_id=partner_id, actor=current_user)
        except DomainError as exc:
            if exc.status == 404:
                raise
            flash(str(exc), "error")
        else:
            flash("The delivery will be sent again, with the same webhook-id.", "success")
    return redirect(url_for("staff.partner", partner_id=partner_id))


@bp.route("/partners/<int:partner_id>/profile", methods=["POST"])
@staff_required
def partner_package_profile(partner_id: int):
    """Choose, for the partner, the ninjs version its system reads."""
    partner = partner_service.get(partner_id)
    form = PackageProfileForm()
    if form.validate_on_submit():
        partner_service.set_ninjs_version(partner, form.ninjs_version.data, actor=current_user)
        flash(f"{partner.name} now gets ninjs {form.ninjs_version.data}.", "success")
    else:
        flash("Choose one of the ninjs versions listed.", "error")
    return redirect(url_for("staff.partner", partner_id=partner_id))


@bp.route("/partners/<int:partner_id>/decide", methods=["POST"])
@staff_required
@confirm_first(_decision_question)
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
