"""Staff article pages: the catalogue, rights, corrections as revisions, diffs, imports."""

from __future__ import annotations

from datetime import UTC

from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from syndication.errors import redirect_refusals
from syndication.ingest.drafts import Skipped
from syndication.inputs import Id, QueryArgs, form_ids, query_args
from syndication.models import ArticleRevision, ImportRun, Origin, SyndicationPolicy
from syndication.services import articles, assets, audit, copies, holders, importing, search
from syndication.services.errors import DomainError
from syndication.services.pagination import parse_sort
from syndication.views import catalogue
from syndication.views.access import staff_required
from syndication.views.staff import bp
from syndication.views.staff.forms import AssetFileForm, ImportForm, RevisionForm, RightsForm


@bp.route("/articles", endpoint="articles")
@staff_required
def catalogue_page():
    policies = list(SyndicationPolicy)
    form = catalogue.filter_form(search.sections(), policies)
    found = catalogue.run_search(catalogue.filters_of(form), cursor=request.args.get("cursor"))
    return render_template("staff/articles.html", found=found, form=form), (
        422 if form.errors else 200
    )


@bp.route("/articles/<int:article_id>")
@staff_required
def article(article_id: int):
    return _article_page(article_id)


def _article_page(article_id: int, file_errors: dict[int, str] | None = None, status: int = 200):
    found = articles.with_details(article_id)
    findings: dict[str, list] = {}
    for finding in found.findings:
        findings.setdefault(finding.kind.value, []).append(finding)
    sort = parse_sort(request.args.get("sort"), holders.HOLDER_SORTS, "-since")
    return render_template(
        "staff/article.html",
        article=found,
        findings=findings,
        missing_files={a.id for a in assets.missing_files(found.assets)},
        file_form=AssetFileForm(),
        file_errors=file_errors or {},
        holdings=holders.of_article(found.id, sort=sort, cursor=request.args.get("cursor")),
        copies=copies.of_article(found.id),
        sort=sort.param,
        history=audit.about("articles", found.id),
        describe=audit.describe,
    ), status


@bp.route("/articles/<int:article_id>/assets/<int:asset_id>/file", methods=["POST"])
@staff_required
def asset_file(article_id: int, asset_id: int):
    articles.asset_of(article_id, asset_id)  # another article's asset is not found
    form = AssetFileForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            assets.store_file(
                asset_id, upload.read(), actor=current_user, claimed_type=upload.mimetype or ""
            )
        except DomainError as exc:
            return _article_page(article_id, {asset_id: str(exc)}, 422)
        flash("The image file is stored; it ships in packages.", "success")
        return redirect(url_for("staff.article", article_id=article_id))
    return _article_page(article_id, {asset_id: "Choose an image file to upload."}, 422)


@bp.route("/articles/<int:article_id>/assets/<int:asset_id>/fetch", methods=["POST"])
@staff_required
@redirect_refusals("staff.article")
def asset_fetch(article_id: int, asset_id: int):
    """Fetch the image from its address again (after a failed fetch)."""
    assets.fetch_again(articles.asset_of(article_id, asset_id), actor=current_user)
    flash("The image will be fetched from its address in a moment.", "success")
    return redirect(url_for("staff.article", article_id=article_id))


def _aware(value):
    return value.replace(tzinfo=UTC) if value else None


def _naive(value):
    return value.astimezone(UTC).replace(tzinfo=None) if value else None


@bp.route("/articles/<int:article_id>/rights", methods=["GET", "POST"])
@staff_required
def article_rights(article_id: int):
    article = articles.get(article_id)
    form = RightsForm()
    if request.method == "GET":
        form.origin.data, form.policy.data = article.origin.value, article.policy.value
        form.embargo_until.data = _naive(article.embargo_until)
        form.expires_at.data = _naive(article.expires_at)
        form.territory.data = article.territory
        form.rights_holder.data = article.rights_holder
        form.licence_reference.data = article.licence_reference
        form.licence_reason.data = article.licence_reason
    if form.validate_on_submit():
        try:
            articles.update_rights(
                article,
                actor=current_user,
                origin=Origin(form.origin.data),
                policy=SyndicationPolicy(form.policy.data),
                embargo_until=_aware(form.embargo_until.data),
                expires_at=_aware(form.expires_at.data),
                territory=form.territory.data or "",
                syndicatable_asset_ids=set(form_ids("syndicatable")),
                reason=form.reason.data or "",
                rights_holder=form.rights_holder.data or "",
                licence_reference=form.licence_reference.data or "",
                licence_reason=form.licence_reason.data or "",
            )
        except DomainError as exc:
            form.policy.errors.append(str(exc))
        else:
            flash("Rights saved.", "success")
            return redirect(url_for("staff.article", article_id=article.id))
    return render_template("staff/article_rights.html", article=article, form=form), (
        422 if form.errors else 200
    )


@bp.route("/articles/<int:article_id>/revise", methods=["GET", "POST"])
@staff_required
def revise_article(article_id: int):
    article = articles.get(article_id)
    form = RevisionForm()
    if request.method == "GET":
        form.headline.data, form.dek.data = article.headline, article.dek
        form.body_html.data = article.body_html
    if form.validate_on_submit():
        try:
            revision = articles.edit_content(
                article,
                actor=current_user,
                headline=form.headline.data,
                dek=form.dek.data or "",
                body_html=form.body_html.data,
                note=form.note.data,
            )
        except DomainError as exc:
            form.note.errors.append(str(exc))
        else:
            flash(f"Saved as revision {revision.number}.", "success")
            return redirect(url_for("staff.article", article_id=article.id))
    return render_template("staff/article_revise.html", article=article, form=form), (
        422 if form.errors else 200
    )


class DiffArgs(QueryArgs):
    against: Id | None = None


@bp.route("/articles/<int:article_id>/revisions/<int:number>")
@staff_required
def revision_diff(article_id: int, number: int):
    article = articles.get(article_id)
    by_number = {r.number: r for r in article.revisions}
    new: ArticleRevision | None = by_number.get(number)
    old = by_number.get(query_args(DiffArgs).against or number - 1)
    if new is None or (old is None and number != 1):
        abort(404)
    return render_template(
        "staff/revision_diff.html",
        article=article,
        old=old,
        new=new,
        lines=articles.diff_revisions(old, new),
    )


@bp.route("/articles/import", methods=["GET", "POST"])
@staff_required
def import_articles():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = importing.import_upload(
                upload.read(),
                upload.filename or "upload",
                actor=current_user,
                headline=form.headline.data or None,
                url=(form.canonical_url.data or "").strip(),
            )
        except ValueError as exc:
            form.file.errors.append(f"{upload.filename}: {exc}")
        else:
            if isinstance(result, ImportRun):
                flash(
                    f"{result.filename} is large: it is imported in the background, "
                    "and this page shows how far it got.",
                    "success",
                )
                return redirect(url_for("staff.import_run", run_id=result.id))
            report = result
            flash(f"{report.filename}: {report.summary()}.", "success" if report.items else "error")
            # The report is shown after the redirect, so a reload imports nothing again;
            # the cookie holds it compactly (ids, not headlines) and capped.
            session["import_report"] = _compact(report)
            return redirect(url_for("staff.import_articles"))
    if request.method == "GET" and "import_report" in session:
        report = _expand(session.pop("import_report"))
    return render_template(
        "staff/import.html", form=form, report=report, runs=importing.recent_runs()
    ), (422 if form.errors else 200)


@bp.route("/articles/imports/<int:run_id>")
@staff_required
def import_run(run_id: int):
    """A background import: its progress bar while it runs (app.js polls), then its report."""
    run = importing.get_run(run_id)
    progress = importing.progress(run)
    report = importing.report_of(run) if progress.finished else None
    return render_template("staff/import_run.html", run=run, progress=progress, report=report)


@bp.route("/articles/imports/<int:run_id>/progress")
@staff_required
def import_progress(run_id: int):
    """The same progress as JSON, for the page's script to poll."""
    return jsonify(importing.progress(importing.get_run(run_id)).as_dict())


def _compact(report: importing.ImportReport) -> dict:
    return {
        "f": report.filename[:200],
        "i": report.importer,
        "e": [report.encoding, report.encoding_reason[:200]],
        "items": [[x.article_id, x.state, x.awaiting_review] for x in report.items[:100]],
        "more": max(0, len(report.items) - 100),
        "skipped": [[k.item[:80], k.reason[:120]] for k in report.skipped[:15]],
        "more_skipped": max(0, len(report.skipped) - 15),
        "notes": [n[:200] for n in report.notes[:5]],
    }


def _expand(data: dict) -> importing.ImportReport:
    """The report of the import just made, headlines read back from the articles."""
    headlines = {a.id: a.headline for a in articles.by_ids([i[0] for i in data["items"]])}
    notes = list(data["notes"])
    if data["more"] or data["more_skipped"]:
        notes.append(f"{data['more']} more items and {data['more_skipped']} more skipped.")
    return importing.ImportReport(
        filename=data["f"],
        importer=data["i"],
        encoding=data["e"][0],
        encoding_reason=data["e"][1],
        items=[
            importing.ItemOutcome(article_id, headlines.get(article_id, ""), state, review)
            for article_id, state, review in data["items"]
        ],
        skipped=[Skipped(item, reason) for item, reason in data["skipped"]],
        notes=notes,
    )
