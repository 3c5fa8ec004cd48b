"""The staff Reports area: views, use, notices and compliance across every partner."""

from __future__ import annotations

from syndication.services import reports
from syndication.views import reports as report_pages
from syndication.views.access import staff_required
from syndication.views.staff import bp

DESK = reports.Scope()


@bp.route("/reports")
@staff_required
def reports_views():
    """Views over time, of everything or of one article, partner or domain."""
    return report_pages.page("staff", "views", DESK)


@bp.route("/reports/top")
@staff_required
def reports_top():
    return report_pages.page("staff", "top", DESK)


@bp.route("/reports/grants")
@staff_required
def reports_grants():
    return report_pages.page("staff", "grants", DESK)


@bp.route("/reports/notices")
@staff_required
def reports_notices():
    return report_pages.page("staff", "notices", DESK)


@bp.route("/reports/compliance")
@staff_required
def reports_compliance():
    return report_pages.page("staff", "compliance", DESK)


@bp.route(f"/reports/<any({reports.TABLE_KEYS}):table>.csv")
@staff_required
def report_csv(table: str):
    """One report's numbers as CSV, for the same range (and subject) as its page."""
    return report_pages.csv_response(table, DESK)
