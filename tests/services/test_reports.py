"""Reports: the numbers staff and partners read, from the roll-ups, grants, downloads,
notice deliveries and copy checks."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from syndication.extensions import db
from syndication.models import (
    CheckState,
    Copy,
    CopyCheck,
    CopyFlag,
    Download,
    FlagKind,
    Notice,
    NoticeDelivery,
    NoticeKind,
)
from syndication.models.base import utcnow
from syndication.services import copy_checks, reports
from syndication.services.errors import NotFound
from syndication.services.reports import Period, Scope, Subject

DESK = Scope()
DAY = date(2026, 3, 2)  # a Monday


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def two_partners(make_partner, make_article, make_grant):
    """Two partners, each holding a grant of the same article and one of its own."""
    shared = make_article(headline="Shared story")
    a, b = make_partner(name="Alpha Post"), make_partner(name="Beta Times")
    return {
        "a": a,
        "b": b,
        "a_shared": make_grant(a, shared),
        "b_shared": make_grant(b, shared),
        "a_own": make_grant(a, make_article(headline="Alpha's story")),
        "b_own": make_grant(b, make_article(headline="Beta's story")),
    }


def rows_of(table) -> dict:
    return {row[0]: row[1:] for row in table.rows}


def test_views_over_time_show_counted_views_beside_raw_hits_per_day(two_partners, add_views):
    add_views(two_partners["a_shared"], DAY, counted=5, raw=9)
    add_views(two_partners["b_shared"], DAY, counted=2, raw=3)
    add_views(two_partners["a_own"], DAY + timedelta(days=2), counted=1, raw=4)
    add_views(two_partners["a_own"], DAY + timedelta(days=9), counted=100, raw=100)  # outside

    table = reports.views_over_time(DESK, Period(DAY, DAY + timedelta(days=2)))

    assert table.rows == [("2026-03-02", 7, 12), ("2026-03-03", 0, 0), ("2026-03-04", 1, 4)]
    assert [c.label for c in table.columns] == ["Day", "Counted views", "Raw hits"]


def test_views_fold_into_weeks_and_months_with_empty_ones_kept(two_partners, add_views):
    add_views(two_partners["a_shared"], DAY, counted=1, raw=1)
    add_views(two_partners["a_shared"], DAY + timedelta(days=6), counted=2, raw=2)  # Sunday
    add_views(two_partners["a_shared"], DAY + timedelta(days=14), counted=4, raw=5)

    weeks = reports.views_over_time(DESK, Period(DAY, DAY + timedelta(days=20), "week"))
    months = reports.views_over_time(DESK, Period(date(2026, 1, 15), DAY, "month"))

    assert weeks.rows == [("2026-03-02", 3, 3), ("2026-03-09", 0, 0), ("2026-03-16", 4, 5)]
    assert months.rows == [("2026-01", 0, 0), ("2026-02", 0, 0), ("2026-03", 1, 1)]


def test_a_range_picks_days_weeks_or_months_and_defaults_to_the_last_30_days():
    today = utcnow().date()
    assert Period.of(None, None) == Period(today - timedelta(days=29), today, "day")
    assert Period.of(DAY, DAY + timedelta(days=100)).bucket == "week"
    assert Period.of(DAY, DAY + timedelta(days=1000)).bucket == "month"
    assert Period.of(DAY, DAY + timedelta(days=1000), "day").bucket == "day"


def test_views_of_one_article_partner_or_domain(two_partners, add_views):
    g = two_partners
    add_views(g["a_shared"], DAY, counted=5, raw=6, domain="alpha.example")
    add_views(g["b_shared"], DAY, counted=2, raw=2, domain="beta.example")
    add_views(g["a_own"], DAY, counted=1, raw=1, domain="mirror.example")
    period = Period(DAY, DAY)

    def day_of(subject: Subject) -> tuple:
        return reports.views_over_time(DESK, period, subject).rows[0][1:]

    assert day_of(Subject(article_id=g["a_shared"].article_id)) == (7, 8)
    assert day_of(Subject(partner_id=g["a"].id)) == (6, 7)
    assert day_of(Subject(domain="mirror.example")) == (1, 1)
    assert reports.views_over_time(DESK, period, Subject(partner_id=g["a"].id)).title == (
        "Views of Alpha Post"
    )


def test_top_articles_partners_and_domains_rank_by_counted_views_in_the_range(
    two_partners, add_views
):
    g = two_partners
    add_views(g["a_own"], DAY, counted=50, raw=60, domain="alpha.example")
    add_views(g["a_shared"], DAY, counted=10, raw=10, domain="alpha.example")
    add_views(g["b_shared"], DAY, counted=30, raw=90, domain="beta.example")
    add_views(g["b_own"], DAY - timedelta(days=1), counted=999, raw=999)  # before the range
    period = Period(DAY, DAY)

    articles = reports.top_articles(DESK, period)
    partners = reports.top_partners(DESK, period)
    domains = reports.top_domains(DESK, period)

    assert articles.rows == [("Alpha's story", 50, 60), ("Shared story", 40, 100)]
    assert articles.links == [
        {"article": g["a_own"].article_id},
        {"article": g["a_shared"].article_id},
    ]
    assert partners.rows == [("Alpha Post", 60, 70), ("Beta Times", 30, 90)]
    assert domains.rows == [("alpha.example", 60, 70), ("beta.example", 30, 90)]


def test_grants_and_downloads_are_counted_per_day(two_partners):
    grant = two_partners["a_own"]
    grant.created_at = at(DAY, 23)
    for hour in (0, 9, 23):
        db.session.add(
            Download(
                grant_id=grant.id,
                partner_id=grant.partner_id,
                package_hash="0" * 64,
                format="zip",
                created_at=at(DAY + timedelta(days=1), hour),
            )
        )
    db.session.commit()

    table = reports.grants_and_downloads(DESK, Period(DAY, DAY + timedelta(days=1)))

    assert table.rows == [("2026-03-02", 1, 0), ("2026-03-03", 0, 3)]


def _deliver(grant, kind: NoticeKind, *, due: datetime | None, acked: datetime | None):
    notice = Notice(article_id=grant.article_id, kind=kind, title=f"A {kind.value}")
    db.session.add(
        NoticeDelivery(
            notice=notice,
            partner_id=grant.partner_id,
            grant_id=grant.id,
            due_at=due,
            acknowledged_at=acked,
        )
    )


def test_acknowledgement_rates_tell_in_time_late_waiting_and_overdue(two_partners):
    now = utcnow()
    grant = two_partners["a_own"]
    _deliver(grant, NoticeKind.CORRECTION, due=now, acked=now - timedelta(hours=1))
    _deliver(grant, NoticeKind.CORRECTION, due=now - timedelta(hours=2), acked=now)
    _deliver(grant, NoticeKind.CORRECTION, due=now - timedelta(hours=1), acked=None)
    _deliver(grant, NoticeKind.CORRECTION, due=now + timedelta(hours=5), acked=None)
    _deliver(grant, NoticeKind.TAKEDOWN, due=now + timedelta(hours=5), acked=now)
    db.session.commit()

    table = reports.acknowledgements(DESK, Period.of(None, None))

    assert rows_of(table)["Corrections"] == (4, 1, 1, 1, 1, 50.0)
    assert rows_of(table)["Takedowns"] == (1, 1, 0, 0, 0, 100.0)
    assert rows_of(table)["Updates"] == (0, 0, 0, 0, 0, 0.0)


def _copy(grant, url: str) -> Copy:
    copy = Copy(
        grant_id=grant.id,
        article_id=grant.article_id,
        partner_id=grant.partner_id,
        url=url,
        domain=url.split("/")[2],
    )
    db.session.add(copy)
    db.session.flush()
    return copy


def _check(copy: Copy, state: CheckState, finished: datetime | None) -> None:
    """A check as the worker leaves it: finished ones recorded where the reports read them."""
    check = CopyCheck(copy_id=copy.id, state=state, finished_at=finished)
    db.session.add(check)
    db.session.flush()
    if finished is not None:
        copy_checks.record_finished(check)


def test_compliance_counts_checks_by_result_and_copies_by_their_latest_check(two_partners):
    grant = two_partners["a_own"]
    mended = _copy(grant, "https://alpha.example/mended")
    _check(mended, CheckState.FAILED, at(DAY, 8))
    _check(mended, CheckState.PASSED, at(DAY, 9))
    broken = _copy(grant, "https://alpha.example/broken")
    _check(broken, CheckState.FAILED, at(DAY + timedelta(days=1)))
    _check(broken, CheckState.QUEUED, None)  # a re-check waiting: the last result stands
    _copy(grant, "https://elsewhere.example/never")
    db.session.add(CopyFlag(copy_id=broken.id, kind=FlagKind.CHECK_FAILED))
    db.session.add(CopyFlag(copy_id=mended.id, kind=FlagKind.UNKNOWN_DOMAIN, handled_at=utcnow()))
    db.session.commit()

    checks = reports.check_results(DESK, Period(DAY, DAY + timedelta(days=1)))
    status = reports.compliance_status(DESK, Period(DAY, DAY + timedelta(days=1)))
    a_day_later = reports.compliance_status(
        DESK, Period(DAY + timedelta(days=1), DAY + timedelta(days=1))
    )

    assert checks.rows == [("2026-03-02", 1, 1, 0), ("2026-03-03", 0, 1, 0)]
    assert rows_of(status) == {
        "Passed": (1,),
        "Failed": (1,),
        "Could not be read": (0,),
        "Not checked in the range": (1,),
        "On an unknown domain": (0,),  # handled
        "Still up after revocation": (0,),
        "Failed its latest check": (1,),
    }
    assert rows_of(a_day_later)["Passed"] == (0,)
    assert rows_of(a_day_later)["Not checked in the range"] == (2,)


def test_a_partner_sees_its_own_grants_numbers_only(two_partners, add_views):
    g = two_partners
    add_views(g["a_shared"], DAY, counted=5, raw=6, domain="alpha.example")
    add_views(g["b_shared"], DAY, counted=20, raw=20, domain="beta.example")
    add_views(g["b_own"], DAY, counted=40, raw=40, domain="beta.example")
    _deliver(g["b_own"], NoticeKind.UPDATE, due=None, acked=None)
    _check(_copy(g["b_own"], "https://beta.example/copy"), CheckState.FAILED, at(DAY))
    db.session.commit()
    alpha, period = Scope(partner_id=g["a"].id), Period(DAY, DAY)

    assert reports.views_over_time(alpha, period).rows == [("2026-03-02", 5, 6)]
    shared = Subject(article_id=g["a_shared"].article_id)
    assert reports.views_over_time(alpha, period, shared).rows == [("2026-03-02", 5, 6)]
    assert reports.top_articles(alpha, period).rows == [("Shared story", 5, 6)]
    assert reports.top_domains(alpha, period).rows == [("alpha.example", 5, 6)]
    assert rows_of(reports.acknowledgements(alpha, Period.of(None, None)))["Updates"][0] == 0
    assert reports.check_results(alpha, period).rows == [("2026-03-02", 0, 0, 0)]
    assert sum(n for _, n in reports.compliance_status(alpha, period).rows) == 0
    with pytest.raises(NotFound):
        reports.table("top-partners", alpha, period)
    with pytest.raises(NotFound):  # an article it holds no grant of
        reports.views_over_time(alpha, period, Subject(article_id=g["b_own"].article_id))


def test_the_csv_holds_the_tables_numbers_with_text_that_never_runs_as_a_formula(
    make_partner, make_article, make_grant, add_views
):
    grant = make_grant(make_partner(), make_article(headline="=HYPERLINK(1) headline"))
    add_views(grant, DAY, counted=3, raw=4)

    table = reports.top_articles(DESK, Period(DAY, DAY))
    rows = list(csv.reader(io.StringIO(reports.csv_text(table))))

    assert rows == [["Article", "Counted views", "Raw hits"], ["'=HYPERLINK(1) headline", "3", "4"]]


def test_chart_data_is_the_tables_numbers(two_partners, add_views):
    add_views(two_partners["a_own"], DAY, counted=3, raw=4)

    table = reports.views_over_time(DESK, Period(DAY, DAY + timedelta(days=1)))

    assert table.chart_data() == {
        "type": "line",
        "stacked": False,
        "horizontal": False,
        "labels": ["2026-03-02", "2026-03-03"],
        "datasets": [
            {"label": "Counted views", "data": [3, 0]},
            {"label": "Raw hits", "data": [4, 0]},
        ],
    }
