"""Monthly view roll-ups, folded from the daily ones, so long ranges read few rows.

The hit flush adds each batch to the daily roll-ups (services/pixels.py) and, in the
same transaction, counts a change for every month the batch's hits fall in
(:func:`note_changes`). Once a month has ended, :func:`fold` (an hourly task) sums
its days into the monthly roll-ups, replacing what they held for it, and records
how many changes that sum includes. A report reads a month from the monthly
roll-ups only while no change came after its fold (:func:`folded_months`); a late
hit for a past day therefore sends the reports back to that month's days until the
next fold takes it in. Folding a month again without a change rewrites the same sums.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import (
    DailyArticleViews,
    DailyDomainViews,
    DailyGrantViews,
    DailyPartnerViews,
    MonthlyArticleViews,
    MonthlyDomainViews,
    MonthlyGrantViews,
    MonthlyPartnerViews,
    ViewMonth,
)
from syndication.models.base import utcnow
from syndication.services import upsert

# Each daily roll-up, the monthly one folded from it, and the columns a row is keyed by
# besides its day (with, for the per-grant roll-up, the grant's article and partner).
LEVELS = (
    (DailyGrantViews, MonthlyGrantViews, ("grant_id", "domain", "article_id", "partner_id")),
    (DailyArticleViews, MonthlyArticleViews, ("article_id",)),
    (DailyPartnerViews, MonthlyPartnerViews, ("partner_id",)),
    (DailyDomainViews, MonthlyDomainViews, ("domain",)),
)
MONTHLY = {daily: monthly for daily, monthly, _ in LEVELS}
# Any number other than the hit flush's: two folds never work on the same month at once.
_FOLD_LOCK = 0x564D_4F4E


def month_of(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def next_month(first: date) -> date:
    """The first day of the month after the one starting on ``first``."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def note_changes(days: Iterable[date]) -> None:
    """Count a change for each month of ``days``: call it in the transaction that adds
    to the daily roll-ups, so the change commits with the rows it stands for."""
    months = sorted({month_of(d) for d in days})
    if not months:
        return
    statement = upsert.adding(ViewMonth.__table__, ("day",), ("changes",))
    db.session.execute(statement, [{"day": m, "changes": 1, "folded": 0} for m in months])


def fold_month(first: date, *, now: datetime | None = None) -> None:
    """Replace the month's monthly rows by the sums of its daily rows (not committed).

    The changes count is read before the days are summed: a flush committing in
    between leaves the count ahead of the fold, and the month is folded again later.
    """
    changes = db.session.scalar(sa.select(ViewMonth.changes).where(ViewMonth.day == first))
    after = next_month(first)
    for daily, monthly, keys in LEVELS:
        db.session.execute(sa.delete(monthly).where(monthly.day == first))
        columns = [daily.__table__.c[k] for k in keys]
        sums = (
            sa.select(
                *columns,
                sa.literal(first, sa.Date).label("day"),
                sa.func.sum(daily.raw),
                sa.func.sum(daily.counted),
            )
            .where(daily.day >= first, daily.day < after)
            .group_by(*columns)
        )
        db.session.execute(sa.insert(monthly).from_select([*keys, "day", "raw", "counted"], sums))
    if changes is None:
        db.session.add(ViewMonth(day=first, changes=0, folded=0, folded_at=now or utcnow()))
    else:
        db.session.execute(
            sa.update(ViewMonth)
            .where(ViewMonth.day == first)
            .values(folded=changes, folded_at=now or utcnow())
        )


def fold(*, now: datetime | None = None) -> list[date]:
    """Fold every ended month changed since its last fold, one transaction each; the
    months folded. On PostgreSQL each month's transaction holds a lock that a fold
    running elsewhere at the same time also takes: this one then stops."""
    now = now or utcnow()
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    due = db.session.scalars(
        sa.select(ViewMonth.day)
        .where(ViewMonth.day < month_of(now.date()), ViewMonth.folded != ViewMonth.changes)
        .order_by(ViewMonth.day)
    ).all()
    db.session.commit()
    done = []
    for first in due:
        if postgresql and not db.session.scalar(
            sa.select(sa.func.pg_try_advisory_xact_lock(_FOLD_LOCK))
        ):
            break
        # Folded by another run since the list was read: nothing to do.
        if db.session.scalar(
            sa.select(ViewMonth.folded == ViewMonth.changes).where(ViewMonth.day == first)
        ):
            db.session.rollback()
            continue
        fold_month(first, now=now)
        db.session.commit()
        done.append(first)
    db.session.rollback()
    return done


def folded_months(start: date, end: date) -> list[date]:
    """The months wholly inside ``start``–``end`` whose monthly rows hold every change."""
    first = month_of(start) if start.day == 1 else next_month(month_of(start))
    # Months starting before the month of the day after ``end`` end by ``end``.
    before = month_of(end + timedelta(days=1))
    if first >= before:
        return []
    return list(
        db.session.scalars(
            sa.select(ViewMonth.day)
            .where(
                ViewMonth.day >= first,
                ViewMonth.day < before,
                ViewMonth.folded == ViewMonth.changes,
            )
            .order_by(ViewMonth.day)
        )
    )


def folded_between(first: date, last: date) -> list[date]:
    """The months from the one starting on ``first`` to the one starting on ``last`` whose
    monthly rows hold every change."""
    return list(
        db.session.scalars(
            sa.select(ViewMonth.day)
            .where(
                ViewMonth.day >= first,
                ViewMonth.day <= last,
                ViewMonth.folded == ViewMonth.changes,
            )
            .order_by(ViewMonth.day)
        )
    )
