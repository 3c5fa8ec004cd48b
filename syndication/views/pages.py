"""Every page a person sees, kept beside the routes: the browser walk visits each one.

``tests/browser/test_walk.py`` opens every page below at 375 px and 1280 px as each
role that may see it, runs axe-core on it, and checks that nothing scrolls sideways.
It also fails for a GET route that is neither here nor in NOT_PAGES: a new page is
walked from the day it is added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

VISITOR, PARTNER, STAFF, ADMIN = "visitor", "partner", "staff", "admin"
ROLES = (VISITOR, PARTNER, STAFF, ADMIN)


@dataclass(frozen=True, slots=True)
class PageSpec:
    """Who sees a page, and where its URL arguments come from.

    ``args`` maps each URL argument to the name of a fact the walk looks up in its
    data (``"article"``: an article id); ``query`` is added to the address.
    """

    roles: tuple[str, ...]
    args: Mapping[str, str] = field(default_factory=dict)
    query: str = ""
    # A step the walk takes in the browser first, for a page that needs one: the login's
    # password step ("password:two_factor" for an account with a second factor,
    # "password:enrol" for staff who have yet to set one up).
    before: str = ""


PAGES: dict[str, PageSpec] = {
    # Anyone.
    "public.index": PageSpec((VISITOR, PARTNER, STAFF)),
    "public.apply": PageSpec((VISITOR,)),
    "public.applied": PageSpec((VISITOR,)),
    "public.licence": PageSpec((VISITOR, PARTNER, STAFF), {"licence_id": "licence"}),
    "auth.login": PageSpec((VISITOR,)),
    "auth.accept_invitation": PageSpec((VISITOR,), {"token": "invitation"}),
    "auth.forgot_password": PageSpec((VISITOR,)),
    "auth.reset_password": PageSpec((VISITOR,), {"token": "reset"}),
    "auth.second_factor": PageSpec((VISITOR,), before="password:two_factor"),
    "auth.enrol": PageSpec((VISITOR,), before="password:enrol"),
    "public.acknowledge_notice": PageSpec((VISITOR, PARTNER), {"token": "acknowledgement"}),
    "auth.sessions_page": PageSpec((PARTNER, STAFF)),
    "auth.two_factor_page": PageSpec((PARTNER, STAFF)),
    # Partners.
    "portal.dashboard": PageSpec((PARTNER,)),
    "portal.catalogue": PageSpec((PARTNER,)),
    "portal.preview": PageSpec((PARTNER,), {"article_id": "article"}),
    "portal.grant": PageSpec((PARTNER,), {"grant_id": "grant"}),
    "portal.requests": PageSpec((PARTNER,)),
    "portal.downloads": PageSpec((PARTNER,)),
    "portal.notices_inbox": PageSpec((PARTNER,)),
    "portal.account": PageSpec((PARTNER,)),
    "portal.users": PageSpec((PARTNER,)),
    "portal.keys": PageSpec((PARTNER,)),
    "portal.feeds_page": PageSpec((PARTNER,)),
    "portal.webhook": PageSpec((PARTNER,)),
    "portal.reports_views": PageSpec((PARTNER,)),
    "portal.reports_top": PageSpec((PARTNER,)),
    "portal.reports_grants": PageSpec((PARTNER,)),
    "portal.reports_notices": PageSpec((PARTNER,)),
    "portal.reports_compliance": PageSpec((PARTNER,)),
    # Staff.
    "staff.dashboard": PageSpec((STAFF,)),
    "staff.articles": PageSpec((STAFF,)),
    "staff.article": PageSpec((STAFF,), {"article_id": "article"}),
    "staff.article_rights": PageSpec((STAFF,), {"article_id": "article"}),
    "staff.revise_article": PageSpec((STAFF,), {"article_id": "article"}),
    "staff.revision_diff": PageSpec((STAFF,), {"article_id": "revised_article", "number": "two"}),
    "staff.import_articles": PageSpec((STAFF,)),
    "staff.import_run": PageSpec((STAFF,), {"run_id": "import_run"}),
    "staff.intake_queue": PageSpec((STAFF,)),
    "staff.partners": PageSpec((STAFF,)),
    "staff.partner": PageSpec((STAFF,), {"partner_id": "partner"}),
    "staff.requests": PageSpec((STAFF,), query="status="),
    "staff.rules": PageSpec((STAFF,)),
    "staff.new_rule": PageSpec((STAFF,)),
    "staff.edit_rule": PageSpec((STAFF,), {"key": "rule"}),
    "staff.preview": PageSpec((STAFF,), query="article_id={article}"),
    "staff.audit_log": PageSpec((STAFF,)),
    "staff.colleagues": PageSpec((STAFF, ADMIN)),
    "staff.notices_list": PageSpec((STAFF,)),
    "staff.copies_list": PageSpec((STAFF,)),
    "staff.notice": PageSpec((STAFF,), {"notice_id": "notice"}),
    "staff.new_notice": PageSpec((STAFF,), {"article_id": "article"}, query="kind=correction"),
    "staff.revoke_grant": PageSpec((STAFF,), {"grant_id": "grant"}),
    "staff.reports_views": PageSpec((STAFF,)),
    "staff.reports_top": PageSpec((STAFF,)),
    "staff.reports_grants": PageSpec((STAFF,)),
    "staff.reports_notices": PageSpec((STAFF,)),
    "staff.reports_compliance": PageSpec((STAFF,)),
    "staff.new_copy": PageSpec((STAFF,), {"article_id": "article"}),
    "staff.copy": PageSpec((STAFF,), {"copy_id": "copy"}),
    # Admins.
    "staff.eligibility": PageSpec((ADMIN,)),
    "staff.own_sources": PageSpec((ADMIN,)),
    "staff.quotas": PageSpec((ADMIN,)),
    "staff.background": PageSpec((ADMIN,)),
    "staff.notice_deadlines": PageSpec((ADMIN,)),
}

# GET routes that are not pages for people, and why.
NOT_PAGES: dict[str, str] = {
    "static": "files",
    "public.health": "the load balancer's check (JSON)",
    "public.pixel": "the tracking pixel (a GIF)",
    "public.licence_json": "the licence page as JSON, for machines",
    "public.signed_download": "a package download",
    "portal.download": "a package download",
    "staff.audit_csv": "the audit log as CSV",
    "staff.import_progress": "a background import's progress (JSON, polled by app.js)",
    "staff.report_csv": "a report's numbers as CSV",
    "portal.report_csv": "a report's numbers as CSV",
}
# Whole blueprints that answer machines, never people.
MACHINE_BLUEPRINTS = frozenset({"api", "feeds"})
