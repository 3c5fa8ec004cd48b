"""Staff pages: the intake queue, the organisation's own sources and the tier quotas."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from syndication.errors import redirect_refusals
from syndication.inputs import form_ids
from syndication.models import PartnerTier
from syndication.services import intake, settings
from syndication.views.access import admin_required, staff_required
from syndication.views.forms import ActionForm
from syndication.views.staff import bp
from syndication.views.staff.forms import OwnSourcesForm, QuotasForm


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@bp.route("/intake")
@staff_required
def intake_queue():
    return render_template(
        "staff/intake.html",
        waiting=intake.waiting(),
        total=intake.waiting_count(),
        form=ActionForm(),
    )


@bp.route("/intake/release", methods=["POST"])
@staff_required
@redirect_refusals("staff.intake_queue")
def release_selected():
    if ActionForm().validate_on_submit():
        ids = form_ids("article_id")
        released = intake.release(ids, actor=current_user)
        flash(
            f"Released {released} article{'s' if released != 1 else ''} into the catalogue.",
            "success",
        )
    return redirect(url_for("staff.intake_queue"))


@bp.route("/settings/sources", methods=["GET", "POST"])
@admin_required
def own_sources():
    form = OwnSourcesForm()
    if request.method == "GET":
        form.domains.data, form.feed_urls.data, form.auto_release.data = intake.own_sources_text()
    if form.validate_on_submit():
        settings.update_own_sources(
            actor=current_user,
            domains=_lines(form.domains.data),
            feed_urls=_lines(form.feed_urls.data),
            auto_release=bool(form.auto_release.data),
        )
        flash("Our sources are saved; new imports are judged against them.", "success")
        return redirect(url_for("staff.own_sources"))
    return render_template("staff/sources.html", form=form), 422 if form.errors else 200


@bp.route("/settings/quotas", methods=["GET", "POST"])
@admin_required
def quotas():
    form = QuotasForm()
    current = settings.tier_terms()
    if request.method == "GET":
        form.standard.data = current[PartnerTier.STANDARD].monthly_quota
        form.premium.data = current[PartnerTier.PREMIUM].monthly_quota
        form.standard_embargoed.data = current[PartnerTier.STANDARD].embargoed_copy
        form.premium_embargoed.data = current[PartnerTier.PREMIUM].embargoed_copy
    if form.validate_on_submit():
        settings.update_tier_terms(
            actor=current_user,
            terms={
                PartnerTier.STANDARD: settings.TierTerms(
                    form.standard.data, bool(form.standard_embargoed.data)
                ),
                PartnerTier.PREMIUM: settings.TierTerms(
                    form.premium.data, bool(form.premium_embargoed.data)
                ),
            },
        )
        flash("Tier terms saved; quotas count this calendar month's grants.", "success")
        return redirect(url_for("staff.quotas"))
    return render_template("staff/quotas.html", form=form), 422 if form.errors else 200
