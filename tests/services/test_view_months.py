"""Monthly view roll-ups: folded from the days of ended months, folded again after a late
hit, and read by the reports only while they hold every change."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syndication.extensions import db
from syndication.models import (
    DailyArticleViews,
    DailyDomainViews,
    DailyGrantViews,
    DailyPartnerViews,
    MonthlyArticleViews,
    MonthlyGrantViews,
    MonthlyPartnerViews,
    ViewMonth,
)
from syndication.services import reports, view_months
from syndication.services.reports import Period, Scope, Subject
from tests.factories import record_views

DESK = Scope()
JAN = date(2026, 1, 1)
FEB = date(2026, 2, 1)
MARCH_10 = datetime(2026, 3, 10, 9, tzinfo=UTC)


@pytest.fixture
def grants(make_partner, make_article, make_grant):
    """Three grants of two partners and two articles."""
    first, second = make_article(headline="First story"), make_article(headline="Second story")
    a, b = make_partner(name="Alpha Post"), make_partner(name="Beta Times")
    return [make_grant(a, first), make_grant(a, second), make_grant(b, first)]


def monthly_rows() -> dict:
    return {
        model.__tablename__: sorted(
            tuple(row) for row in db.session.execute(sa.select(model.__table__)).all()
        )
        for model in (MonthlyGrantViews, MonthlyArticleViews, MonthlyPartnerViews)
    }


def by_month(table) -> dict:
    return {row[0]: row[1:] for row in table.rows}


def test_an_ended_month_is_folded_and_read_whole_the_current_one_is_not(grants):
    record_views(grants[0], JAN + timedelta(days=4), counted=3, raw=5)
    record_views(grants[2], JAN + timedelta(days=30), counted=1, raw=2)
    record_views(grants[0], FEB + timedelta(days=3), counted=7, raw=7)
    db.session.commit()

    assert view_months.fold(now=datetime(2026, 2, 20, tzinfo=UTC)) == [JAN]

    article = db.session.get(MonthlyArticleViews, {"article_id": grants[0].article_id, "day": JAN})
    assert (article.counted, article.raw) == (4, 7)
    assert view_months.folded_months(JAN, date(2026, 2, 28)) == [JAN]
    # A range that starts or ends inside January cannot use its month.
    assert view_months.folded_months(JAN + timedelta(days=1), date(2026, 2, 28)) == []
    assert view_months.folded_months(JAN, JAN + timedelta(days=29)) == []


def test_a_late_hit_for_a_folded_month_is_counted_at_once_and_folded_again(grants):
    record_views(grants[0], JAN + timedelta(days=9), counted=2, raw=2)
    db.session.commit()
    view_months.fold(now=MARCH_10)
    months = Period.of(JAN, date(2026, 2, 28), "month")
    assert by_month(reports.views_over_time(DESK, months))["2026-01"] == (2, 2)

    record_views(grants[1], JAN + timedelta(days=20), counted=1, raw=4)  # arrives late
    db.session.commit()

    # Not folded yet: January is read from its days, so the late hit already counts.
    assert view_months.folded_months(JAN, date(2026, 2, 28)) == []
    assert by_month(reports.views_over_time(DESK, months))["2026-01"] == (3, 6)
    assert view_months.fold(now=MARCH_10) == [JAN]
    partner = db.session.get(MonthlyPartnerViews, {"partner_id": grants[0].partner_id, "day": JAN})
    assert (partner.counted, partner.raw) == (3, 6)
    assert view_months.folded_months(JAN, date(2026, 2, 28)) == [JAN]
    assert by_month(reports.views_over_time(DESK, months))["2026-01"] == (3, 6)


def test_folding_again_changes_nothing(grants):
    record_views(grants[0], JAN + timedelta(days=1), counted=2, raw=3)
    record_views(grants[2], FEB + timedelta(days=1), counted=5, raw=8)
    db.session.commit()
    assert view_months.fold(now=MARCH_10) == [JAN, FEB]
    folded = monthly_rows()
    month_states = sa.select(ViewMonth.day, ViewMonth.changes, ViewMonth.folded).order_by(
        ViewMonth.day
    )
    states = db.session.execute(month_states).all()

    assert view_months.fold(now=MARCH_10) == []  # nothing changed since
    view_months.fold_month(JAN, now=MARCH_10)  # forced: the same sums again
    db.session.commit()

    assert monthly_rows() == folded
    assert db.session.execute(month_states).all() == states


def test_a_range_covering_most_of_a_folded_month_reads_it_less_the_days_left_out(grants):
    record_views(grants[0], JAN + timedelta(days=2), counted=5, raw=6)  # left out
    record_views(grants[1], JAN + timedelta(days=19), counted=1, raw=1)
    record_views(grants[1], FEB + timedelta(days=9), counted=2, raw=3)
    db.session.commit()
    view_months.fold(now=MARCH_10)
    period = Period.of(JAN + timedelta(days=9), date(2026, 2, 28), "month")

    # January from its month less its first nine days, February whole.
    assert sorted(reports._spans(period)) == [
        (-1, False, JAN, JAN + timedelta(days=8)),
        (1, True, JAN, date(2026, 2, 28)),
    ]
    top = reports.top_articles(DESK, period)
    # The first article's views all fell in the days left out: it is not in the table.
    assert [row[1:] for row in top.rows] == [(3, 4)]
    alpha = Subject(partner_id=grants[0].partner_id)
    assert by_month(reports.views_over_time(DESK, period, alpha)) == {
        "2026-01": (1, 1),
        "2026-02": (2, 3),
    }


# --- the reports read months and days to the same sums as days alone --------------------

DAYS = 130  # from 1 January 2026: four whole months and part of a fifth
views = st.tuples(
    st.integers(0, 2),  # which grant
    st.integers(0, DAYS - 1),  # which day
    st.integers(0, 5),  # counted
    st.integers(0, 5),  # raw beyond the counted (a roll-up row holds at least one hit)
    st.sampled_from(["", "mirror.example"]),  # the partner's own domain or another
)


def _daily_sums(model, key: str, start: date, end: date, where=None) -> dict:
    sums: dict = defaultdict(lambda: [0, 0])
    query = sa.select(model).where(model.day >= start, model.day <= end)
    for row in db.session.scalars(query.where(*(where or []))):
        sums[getattr(row, key)][0] += row.counted
        sums[getattr(row, key)][1] += row.raw
    return sums


def _ranked(sums: dict) -> list:
    return sorted(sums, key=lambda k: (-sums[k][0], -sums[k][1], k))


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=st.lists(views, min_size=10, max_size=40),
    late=st.lists(views, max_size=6),
    start=st.integers(0, DAYS - 1),
    length=st.integers(1, DAYS),
    fold_day=st.integers(20, DAYS + 40),
)
def test_reports_over_months_and_days_equal_the_sums_of_the_days(
    grants, before, late, start, length, fold_day
):
    for model in (*view_months.MONTHLY, *view_months.MONTHLY.values(), ViewMonth):
        db.session.execute(sa.delete(model))
    day_of = lambda n: JAN + timedelta(days=n)  # noqa: E731

    def add(entries):
        for which, n, counted, extra, domain in entries:
            record_views(grants[which], day_of(n), counted=counted, raw=counted + extra + 1,
                         domain=domain)  # fmt: skip
        db.session.commit()

    add(before)
    view_months.fold(now=datetime.combine(day_of(fold_day), datetime.min.time(), UTC))
    add(late)
    first, last = day_of(start), day_of(min(start + length, DAYS) - 1)
    period = Period.of(first, last, "month")

    articles = _daily_sums(DailyArticleViews, "article_id", first, last)
    ranked = reports.top_articles(DESK, period)
    assert [row[1:] for row in ranked.rows] == [tuple(articles[a]) for a in _ranked(articles)]
    partners = _daily_sums(DailyPartnerViews, "partner_id", first, last)
    assert [link["partner"] for link in reports.top_partners(DESK, period).links] == _ranked(
        partners
    )
    domains = _daily_sums(DailyDomainViews, "domain", first, last)
    assert [row[1:] for row in reports.top_domains(DESK, period).rows] == [
        tuple(domains[d]) for d in _ranked(domains)
    ]
    own = Scope(partner_id=grants[0].partner_id)
    theirs = _daily_sums(
        DailyGrantViews, "article_id", first, last, [DailyGrantViews.partner_id == own.partner_id]
    )
    assert [row[1:] for row in reports.top_articles(own, period).rows] == [
        tuple(theirs[a]) for a in _ranked(theirs)
    ]
    per_month: dict = defaultdict(lambda: [0, 0])
    for row in db.session.scalars(
        sa.select(DailyArticleViews).where(
            DailyArticleViews.day >= first,
            DailyArticleViews.day <= last,
            DailyArticleViews.article_id == grants[0].article_id,
        )
    ):
        per_month[row.day.strftime("%Y-%m")][0] += row.counted
        per_month[row.day.strftime("%Y-%m")][1] += row.raw
    shown = reports.views_over_time(DESK, period, Subject(article_id=grants[0].article_id))
    assert {m: list(v) for m, v in by_month(shown).items() if v != (0, 0)} == {
        m: v for m, v in per_month.items() if v != [0, 0]
    }


def test_the_fold_runs_hourly_as_a_periodic_task(app, grants):
    task = app.extensions["huey.tasks"]["tracking.fold_view_months"]
    assert task.task_class().validate_datetime(datetime(2026, 12, 7, 3, 17))
    assert not task.task_class().validate_datetime(datetime(2026, 12, 7, 3, 18))
    record_views(grants[0], JAN + timedelta(days=3), counted=1, raw=1)  # long ended
    db.session.commit()
    task.call_local()  # as a worker runs it, now
    assert view_months.folded_months(JAN, date(2026, 1, 31)) == [JAN]
