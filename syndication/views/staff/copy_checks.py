"""Staff pages for one republished copy: its compliance checks, *Check now*, *Add a copy*."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from syndication.services import articles, copy_checks
from syndication.services.errors import DomainError
from syndication.tracking.compliance import CHECKS
from syndication.views.access import staff_required
from syndication.views.staff import bp
from syndication.views.staff.forms import CopyForm


@bp.route("/copies/<int:copy_id>")
@staff_required
def copy(copy_id: int):
    """One copy: where it is, its flags, and every check with each verdict's evidence."""
    found = copy_checks.get(copy_id)
    return render_template(
        "staff/copy.html",
        copy=found,
        checks=copy_checks.history(found.id),
        labels=CHECKS,
    )


@bp.route("/copies/<int:copy_id>/check", methods=["POST"])
@staff_required
def check_copy(copy_id: int):
    """Check the copy now: the worker fetches it; the result appears on the copy's page."""
    copy_checks.request_check(copy_id, actor=current_user)
    flash("Check queued: the result appears here once the worker has fetched the page.", "success")
    return redirect(url_for("staff.copy", copy_id=copy_id))


@bp.route("/articles/<int:article_id>/copies/new", methods=["GET", "POST"])
@staff_required
def new_copy(article_id: int):
    """Staff enter a page that republishes the article; its first check is queued."""
    article = articles.get(article_id)
    held = copy_checks.grants_of_article(article.id)
    form = CopyForm()
    form.grant_id.choices = [
        (g.id, f"{g.partner.name} — licence {g.licence_id} ({g.status.value})") for g in held
    ]
    if form.validate_on_submit():
        try:
            found = copy_checks.add_copy(
                article.id, form.grant_id.data, form.url.data, actor=current_user
            )
        except DomainError as exc:
            form.url.errors.append(str(exc))
        else:
            flash("Copy added; its check is queued.", "success")
            return redirect(url_for("staff.copy", copy_id=found.id))
    status = 422 if form.errors else 200
    return render_template("staff/copy_new.html", article=article, form=form, held=held), status
