"""The partner's own reports: the staff reports narrowed to the partner's grants."""

from __future__ import annotations

from flask_login import current_user

from syndication.services import reports
from syndication.views import reports as report_pages
from syndication.views.access import partner_required
from syndication.views.portal import bp


def _own() -> reports.Scope:
    return reports.Scope(partner_id=current_user.partner_id)


@bp.route("/reports")
@partner_required
def reports_views():
    """Views over time of the partner's copies, or of one of its articles or domains."""
    return report_pages.page("portal", "views", _own())


@bp.route("/reports/top")
@partner_required
def reports_top():
    return report_pages.page("portal", "top", _own())


@bp.route("/reports/grants")
@partner_required
def reports_grants():
    return report_pages.page("portal", "grants", _own())


@bp.route("/reports/notices")
@partner_required
def reports_notices():
    return report_pages.page("portal", "notices", _own())


@bp.route("/reports/compliance")
@partner_required
def reports_compliance():
    return report_pages.page("portal", "compliance", _own())


@bp.route(f"/reports/<any({reports.TABLE_KEYS}):table>.csv")
@partner_required
def report_csv(table: str):
    """One of the partner's reports as CSV (another partner's figures are never reachable:
    the scope is the logged-in partner's, whatever the address asks)."""
    return report_pages.csv_response(table, _own())
