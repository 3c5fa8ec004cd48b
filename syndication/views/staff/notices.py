"""Staff pages for notices: create one from an article, follow who acknowledged, revoke a grant."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from syndication.inputs import Id, QueryArgs, query_args
from syndication.models import NoticeKind
from syndication.models.base import utcnow
from syndication.services import articles, grants, notices, settings
from syndication.services.errors import DomainError
from syndication.services.pagination import parse_sort
from syndication.templating import plural
from syndication.views.access import admin_required, staff_required
from syndication.views.confirm import confirm_first
from syndication.views.forms import valid_or_empty
from syndication.views.staff import bp
from syndication.views.staff.forms import (
    NoticeDeadlinesForm,
    NoticeForm,
    NoticeHolderFilters,
    NoticeListFilters,
    RevokeGrantForm,
)

_KINDS = {"correction", "update", "takedown"}


def _takedown_question(article_id: int, *, asking: bool = True) -> str | None:
    if request.args.get("kind") != "takedown":
        return None
    # A takedown missing a reason is shown again with its errors before anything is asked.
    if asking and not all(request.form.get(name, "").strip() for name in ("note", "record_reason")):
        return None
    holders = len(notices.holders(article_id))
    reached = plural(holders, "holder")
    return (
        f"Take down “{articles.get(article_id).headline}”? Every grant on it is revoked at "
        f"once and {reached} told to remove it. This cannot be undone."
    )


@bp.route("/articles/<int:article_id>/notices/new", methods=["GET", "POST"])
@staff_required
@confirm_first(_takedown_question)
def new_notice(article_id: int):
    """Correct, update or take down: the holders it will reach are shown before sending."""
    kind = request.args.get("kind", "correction")
    if kind not in _KINDS:
        abort(404)
    article = articles.get(article_id)
    form = NoticeForm()
    if request.method == "GET":
        form.headline.data, form.dek.data = article.headline, article.dek
        form.body_html.data = article.body_html
    error = None
    if form.validate_on_submit():
        edits = {}
        if kind != "takedown":
            edits = {
                "headline": form.headline.data or article.headline,
                "dek": form.dek.data or "",
                "body_html": form.body_html.data or article.body_html,
            }
        try:
            notice = notices.create(
                article.id,
                kind,
                actor=current_user,
                note=form.note.data or "",
                record_reason=form.record_reason.data or "",
                **edits,
            )
        except DomainError as exc:
            error = str(exc)
        else:
            flash(f"{notice.title}: sent to {plural(len(notice.deliveries), 'holder')}.", "success")
            return redirect(url_for("staff.notice", notice_id=notice.id))
    status = 422 if (form.errors or error) else 200
    return render_template(
        "staff/notice_new.html",
        article=article,
        kind=NoticeKind(kind),
        form=form,
        error=error,
        holders=notices.holders(article.id),
        hours=notices.ack_hours(NoticeKind(kind)),
        question=_takedown_question(article.id, asking=False),
    ), status


@bp.route("/notices")
@staff_required
def notices_list():
    """Every notice with how many holders acknowledged, wait or are late; sorted and
    filtered by kind, state and the day it was sent."""
    form = NoticeListFilters()
    form.validate()
    kind = form.kind.data or ""
    state = form.state.data or ""
    found = notices.summaries(
        notices.NoticeFilters(
            kind=kind if kind in {k.value for k in NoticeKind} else "",
            state=state if state in notices.SUMMARY_STATES else "",
            date_from=valid_or_empty(form.date_from),
            date_to=valid_or_empty(form.date_to),
        ),
        sort=(sort := parse_sort(request.args.get("sort"), notices.SUMMARY_SORTS, "-sent")),
        cursor=request.args.get("cursor"),
    )
    return render_template("staff/notices.html", found=found, form=form, sort=sort.param), (
        422 if form.errors else 200
    )


class NoticeArgs(QueryArgs):
    """A notice's holders filtered by partner: an id, or a 400 (never an overflow in SQL)."""

    partner: Id | None = None


@bp.route("/notices/<int:notice_id>")
@staff_required
def notice(notice_id: int):
    """One notice's holders, filtered by state (acknowledged, pending, overdue) or partner."""
    form = NoticeHolderFilters()
    form.validate()
    partner_id = query_args(NoticeArgs).partner
    found, rows = notices.deliveries_of(
        notice_id, state=form.state.data or "", partner_id=partner_id
    )
    return render_template(
        "staff/notice.html",
        notice=found,
        rows=rows,
        form=form,
        partner_id=partner_id,
        now=utcnow(),
    )


def _revoke_question(grant_id: int) -> str | None:
    # A form missing a reason is shown again with its errors before anything is asked.
    if not all(request.form.get(name, "").strip() for name in ("reason", "public_reason")):
        return None
    return _revoke_words(grants.get(grant_id))


def _revoke_words(grant) -> str:
    return (
        f"Revoke licence {grant.licence_id} of {grant.partner.name}? Its downloads stop at "
        "once and the partner is told to remove the article."
    )


@bp.route("/grants/<int:grant_id>/revoke", methods=["GET", "POST"])
@staff_required
@confirm_first(_revoke_question)
def revoke_grant(grant_id: int):
    """Revoke one partner's grant (it broke the terms), with reasons for both sides."""
    grant = grants.get(grant_id)
    form = RevokeGrantForm()
    error = None
    if form.validate_on_submit():
        try:
            notice = notices.revoke_grant(
                grant.id,
                actor=current_user,
                reason=form.reason.data,
                public_reason=form.public_reason.data,
            )
        except DomainError as exc:
            error = str(exc)
        else:
            flash(f"Grant {grant.licence_id} is revoked; the partner is told.", "success")
            return redirect(url_for("staff.notice", notice_id=notice.id))
    status = 422 if (form.errors or error) else 200
    return render_template(
        "staff/grant_revoke.html",
        grant=grant,
        form=form,
        error=error,
        question=_revoke_words(grant),
    ), status


@bp.route("/settings/notices", methods=["GET", "POST"])
@admin_required
def notice_deadlines():
    """Admins set how long partners have to acknowledge each kind of notice."""
    form = NoticeDeadlinesForm()
    org = settings.organisation()
    if request.method == "GET":
        form.takedown.data = org.takedown_ack_hours
        form.correction.data = org.correction_ack_hours
        form.update.data = org.update_ack_hours
    if form.validate_on_submit():
        settings.update_ack_hours(
            actor=current_user,
            takedown=form.takedown.data,
            correction=form.correction.data,
            update=form.update.data,
        )
        flash("Deadlines saved; they apply to notices sent from now on.", "success")
        return redirect(url_for("staff.notice_deadlines"))
    return render_template("staff/notice_deadlines.html", form=form), 422 if form.errors else 200
