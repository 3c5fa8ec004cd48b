"""Daily totals of grants and downloads: folded from the tables for the days that ended or
changed, read by the desk's report with what the fold has not taken in yet."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syndication.extensions import db
from syndication.models import DailyUseTotals, Download, Grant, UseFold
from syndication.services import reports, use_days
from syndication.services.reports import Period, Scope

DESK = Scope()
JAN = date(2026, 1, 1)
DAYS = 60


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def grant(make_partner, make_article, make_grant):
    """A grant issued on 2 January, as if the fold had never run."""
    grant = make_grant(make_partner(name="Alpha Post"), make_article(headline="A story"))
    grant.created_at = at(JAN + timedelta(days=1), 8)
    db.session.execute(sa.delete(DailyUseTotals))
    db.session.execute(sa.delete(UseFold))
    db.session.commit()
    return grant


def download(grant: Grant, when: datetime) -> None:
    db.session.add(
        Download(
            grant_id=grant.id,
            partner_id=grant.partner_id,
            package_hash="0" * 64,
            format="zip",
            created_at=when,
        )
    )
    db.session.commit()


def direct(first: date, last: date) -> dict[date, list[int]]:
    """Grants and downloads per UTC day counted from their rows, days with none left out."""
    counts: dict[date, list[int]] = {}
    for i, model in enumerate((Grant, Download)):
        for when in db.session.scalars(sa.select(model.created_at)):
            if first <= when.date() <= last:
                counts.setdefault(when.date(), [0, 0])[i] += 1
    return counts


def totals() -> dict[date, tuple[int, int]]:
    return {
        row.day: (row.grants, row.downloads)
        for row in db.session.scalars(sa.select(DailyUseTotals))
    }


def shown(first: date, last: date) -> dict[str, tuple[int, int]]:
    table = reports.grants_and_downloads(DESK, Period(first, last))
    return {row[0]: row[1:] for row in table.rows if row[1:] != (0, 0)}


def as_rows(counts: dict[date, list[int]]) -> dict[str, tuple[int, int]]:
    return {d.isoformat(): tuple(n) for d, n in counts.items()}


def test_ended_days_are_folded_and_the_current_one_is_read_from_the_rows(grant):
    download(grant, at(JAN + timedelta(days=1), 23))
    download(grant, at(JAN + timedelta(days=4), 0))
    download(grant, at(JAN + timedelta(days=5), 9))  # the fold's own day: not ended

    runs = use_days.fold(now=at(JAN + timedelta(days=5), 10))

    assert runs == [(date.min, JAN + timedelta(days=4))]
    assert totals() == {JAN + timedelta(days=1): (1, 1), JAN + timedelta(days=4): (0, 1)}
    assert db.session.get(UseFold, 1).through == JAN + timedelta(days=4)
    assert shown(JAN, JAN + timedelta(days=9)) == as_rows(direct(JAN, JAN + timedelta(days=9)))


def test_a_day_ends_for_the_fold_ten_minutes_after_midnight(grant):
    use_days.fold(now=at(JAN + timedelta(days=3), 0).replace(minute=9))
    assert db.session.get(UseFold, 1).through == JAN + timedelta(days=1)
    use_days.fold(now=at(JAN + timedelta(days=3), 0).replace(minute=10))
    assert db.session.get(UseFold, 1).through == JAN + timedelta(days=2)


def test_a_late_row_for_a_folded_day_is_counted_at_once_and_folded_again(
    grant, make_partner, make_article, make_grant
):
    download(grant, at(JAN + timedelta(days=2)))
    use_days.fold(now=at(JAN + timedelta(days=10)))
    assert totals() == {JAN + timedelta(days=1): (1, 0), JAN + timedelta(days=2): (0, 1)}

    # Rows dated earlier than they are written, on days the fold has counted.
    download(grant, at(JAN + timedelta(days=2), 20))
    late = make_grant(make_partner(name="Late Post"), make_article(headline="Late"))
    late.created_at = at(JAN + timedelta(days=5))
    db.session.commit()

    # Before the next fold, the report counts them from their rows.
    report = shown(JAN, JAN + timedelta(days=9))
    assert report["2026-01-03"] == (0, 2)
    assert report["2026-01-06"] == (1, 0)
    assert totals()[JAN + timedelta(days=2)] == (0, 1)

    runs = use_days.fold(now=at(JAN + timedelta(days=10), 14))

    assert runs == [
        (JAN + timedelta(days=2), JAN + timedelta(days=2)),
        (JAN + timedelta(days=5), JAN + timedelta(days=5)),
    ]
    assert totals()[JAN + timedelta(days=2)] == (0, 2)
    assert totals()[JAN + timedelta(days=5)] == (1, 0)
    assert shown(JAN, JAN + timedelta(days=9)) == as_rows(direct(JAN, JAN + timedelta(days=9)))


def test_folding_again_changes_nothing(grant):
    for n in range(5):
        download(grant, at(JAN + timedelta(days=n), n))
    use_days.fold(now=at(JAN + timedelta(days=8)))
    before = totals()

    assert use_days.fold(now=at(JAN + timedelta(days=8), 5)) == []
    assert totals() == before
    assert before == {d: tuple(n) for d, n in direct(JAN, JAN + timedelta(days=7)).items()}


def test_a_partner_counts_its_own_rows(grant, make_partner, make_article, make_grant):
    other = make_grant(make_partner(name="Beta Times"), make_article(headline="Other"))
    other.created_at = at(JAN + timedelta(days=1), 9)
    download(grant, at(JAN + timedelta(days=3)))
    download(other, at(JAN + timedelta(days=3)))
    use_days.fold(now=at(JAN + timedelta(days=8)))

    own = reports.grants_and_downloads(
        Scope(partner_id=grant.partner_id), Period(JAN, JAN + timedelta(days=7))
    )
    assert {r[0]: r[1:] for r in own.rows if r[1:] != (0, 0)} == {
        "2026-01-02": (1, 0),
        "2026-01-04": (0, 1),
    }
    assert shown(JAN, JAN + timedelta(days=7)) == {"2026-01-02": (2, 0), "2026-01-04": (0, 2)}


moments = st.tuples(st.integers(0, DAYS - 1), st.integers(0, 23))


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=st.lists(moments, max_size=25),
    late=st.lists(moments, max_size=8),
    folds=st.lists(st.integers(1, DAYS + 5), min_size=1, max_size=3),
    start=st.integers(0, DAYS - 1),
    length=st.integers(1, DAYS),
)
def test_the_report_and_the_totals_equal_the_counts_of_the_rows(
    grant, before, late, folds, start, length
):
    db.session.execute(sa.delete(Download))
    db.session.execute(sa.delete(DailyUseTotals))
    db.session.execute(sa.delete(UseFold))
    db.session.commit()
    day_of = lambda n: JAN + timedelta(days=n)  # noqa: E731

    for n, hour in before:
        download(grant, at(day_of(n), hour))
    for fold_day in sorted(folds):  # the hourly task, on the days it ran
        use_days.fold(now=at(day_of(fold_day), 1))
    for n, hour in late:  # rows dated on days a fold may already have counted
        download(grant, at(day_of(n), hour))

    first, last = day_of(start), day_of(min(start + length, DAYS) - 1)
    assert shown(first, last) == as_rows(direct(first, last))

    use_days.fold(now=at(day_of(max(folds)), 2))
    through = db.session.get(UseFold, 1).through
    assert totals() == {d: tuple(n) for d, n in direct(date.min, through).items()}
    assert shown(first, last) == as_rows(direct(first, last))


def test_the_fold_runs_hourly_as_a_periodic_task(app, grant):
    task = app.extensions["huey.tasks"]["tracking.fold_use_days"]
    assert task.task_class().validate_datetime(datetime(2026, 12, 7, 3, 17))
    assert not task.task_class().validate_datetime(datetime(2026, 12, 7, 3, 18))
    download(grant, at(JAN + timedelta(days=3)))
    task.call_local()  # as a worker runs it, now
    assert totals()[JAN + timedelta(days=3)] == (0, 1)
