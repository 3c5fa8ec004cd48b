"""The reports pages and their CSV downloads, shared by the staff Reports area and the
partner's own reports in the portal (which pass the partner's scope)."""

from __future__ import annotations

from flask import Response, render_template, request, url_for
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from syndication.inputs import Id, QueryArgs, Text, query_args
from syndication.services import reports
from syndication.views.forms import FilterForm, date_range_fields, valid_or_empty


def _range_not_too_long(form, field) -> None:
    start, end = form.date_from.data, field.data
    if start and end and (end - start).days + 1 > reports.MAX_RANGE_DAYS:
        raise ValidationError("Choose a range of at most ten years.")


def _days_fit(form, field) -> None:
    start, end = form.date_from.data, form.date_to.data
    if field.data == "day" and start and end and (end - start).days + 1 > reports.MAX_DAILY_DAYS:
        raise ValidationError("Over a year, show the range by week or by month.")


class ReportFilters(FilterForm):
    """The range of every report: whole days, the end not before the start."""

    date_from, date_to = date_range_fields()
    date_to.kwargs["validators"].append(_range_not_too_long)
    by = SelectField(
        "Show by",
        choices=[SelectChoice("", "best fit")] + [SelectChoice(b, b) for b in reports.BUCKETS],
        validators=[_days_fit],
        validate_choice=False,
    )


class SubjectArgs(QueryArgs):
    """What the views report is narrowed to: one article, one partner or one domain."""

    article: Id | None = None
    partner: Id | None = None
    domain: Text | None = None


def period_from(form: ReportFilters) -> reports.Period:
    """The range the filters ask for; a refused filter falls back to the default."""
    if form.errors:
        return reports.Period.of(None, None)
    by = form.by.data if form.by.data in reports.BUCKETS else ""
    return reports.Period.of(valid_or_empty(form.date_from), valid_or_empty(form.date_to), by)


def _filters() -> tuple[ReportFilters, reports.Period, reports.Subject]:
    form = ReportFilters()
    form.validate()
    args = query_args(SubjectArgs)
    subject = reports.Subject(
        article_id=args.article, partner_id=args.partner, domain=args.domain or None
    )
    return form, period_from(form), subject


def _range_args() -> dict[str, str]:
    """The query string without what is not the range (for links between reports)."""
    return {k: v for k, v in request.args.items() if k in ("from", "to", "by") and v}


def page(blueprint: str, slug: str, scope: reports.Scope):
    """A report page: each table's chart, the table below it and its CSV link."""
    spec = reports.PAGES[slug]
    form, period, subject = _filters()
    if slug != "views":
        subject = reports.Subject()
    tables = [reports.table(key, scope, period, subject) for key in spec.tables_for(scope)]
    subject_args = {
        "article": subject.article_id,
        "partner": None if scope.is_partner else subject.partner_id,
        "domain": subject.domain,
    }
    subject_args = {k: v for k, v in subject_args.items() if v}
    return render_template(
        "reports/page.html",
        blueprint=blueprint,
        spec=spec,
        pages=reports.PAGES.values(),
        scope=scope,
        form=form,
        period=period,
        tables=tables,
        range_args=_range_args(),
        subject_args=subject_args,
        csv_url=lambda key: url_for(
            f"{blueprint}.report_csv", table=key, **_range_args(), **subject_args
        ),
    ), (422 if form.errors else 200)


def csv_response(key: str, scope: reports.Scope) -> Response:
    """One report's table as CSV: the same function, and so the same numbers, as its page."""
    _, period, subject = _filters()
    table = reports.table(key, scope, period, subject)
    name = f"{key}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        reports.csv_text(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
