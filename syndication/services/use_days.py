"""Daily totals of grants issued and packages downloaded, folded hourly from the tables.

Grants and downloads are written in several places (a grant when staff approve a
request, downloads from the portal, the API and signed links), always with the
time they happen: rather than count at each of them, :func:`fold` (an hourly task)
counts whole UTC days from the tables into ``daily_use_totals``. ``use_folds`` says
how far that reaches: every day up to ``through``, counting the rows whose ids are
at most ``grant_id`` and ``download_id``. A row added later for such a day (one
written with an earlier time) has a higher id: the next fold finds its day by the
ids added since and counts that day again, and until then :func:`per_day` counts
it from the table, as it counts the days after ``through``. Each day is counted
whole and replaced, so folding again changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import DailyUseTotals, Download, Grant, UseFold
from syndication.models.base import utcnow
from syndication.services.utc_days import as_date, utc_day

# A day is folded once it ended this long ago, so that a grant or download dated just
# before midnight whose transaction commits just after is in the count.
SETTLE = timedelta(minutes=10)
# Any number other than the other folds': two folds never run at once.
_FOLD_LOCK = 0x5553_4544
_MODELS = (Grant, Download)


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _state() -> UseFold:
    state = db.session.get(UseFold, 1)
    if state is None:  # the migration writes it; a bare schema starts from nothing
        state = UseFold(id=1, through=None, grant_id=0, download_id=0)
        db.session.add(state)
    return state


def _ranges(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days (first, last): one index range each."""
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(a, b) for a, b in runs]


def fold(*, now: datetime | None = None) -> list[tuple[date, date]]:
    """Count again every day changed since the last fold and every day ended since then,
    replacing their totals, in one transaction; the runs of days counted (first, last).
    On PostgreSQL a fold running elsewhere at the same time makes this one stop."""
    now = now or utcnow()
    if db.session.get_bind().dialect.name == "postgresql" and not db.session.scalar(
        sa.select(sa.func.pg_try_advisory_xact_lock(_FOLD_LOCK))
    ):
        db.session.rollback()
        return []
    state = _state()
    last = (now - SETTLE).date() - timedelta(days=1)
    # The ids read first: rows added while the fold counts are left to the next one.
    tops = {model: db.session.scalar(sa.select(sa.func.max(model.id))) or 0 for model in _MODELS}
    seen = {Grant: state.grant_id, Download: state.download_id}
    days: list[date] = []
    if state.through is not None:
        # Rows added since the last fold for days it had counted (few: an hour's worth).
        for model in _MODELS:
            days += [
                as_date(d)
                for d in db.session.scalars(
                    sa.select(utc_day(model.created_at))
                    .where(
                        model.id > seen[model],
                        model.id <= tops[model],
                        model.created_at < _start(state.through + timedelta(days=1)),
                    )
                    .distinct()
                )
            ]
    runs = _ranges(days)
    # The days ended since the last fold (on the first, every day before them).
    first_new = state.through + timedelta(days=1) if state.through else date.min
    if first_new <= last:
        runs.append((first_new, last))
    if runs:
        _count_again(runs, tops)
    state.through = max(last, state.through or last)
    state.grant_id, state.download_id = tops[Grant], tops[Download]
    db.session.commit()
    return runs


def _count_again(runs: list[tuple[date, date]], tops: dict) -> None:
    """Replace the totals of the runs' days by the counts of their rows up to ``tops``."""
    in_runs = sa.or_(
        *(sa.and_(DailyUseTotals.day >= first, DailyUseTotals.day <= last) for first, last in runs)
    )
    db.session.execute(sa.delete(DailyUseTotals).where(in_runs))
    branches = []
    for model in _MODELS:
        branches.append(
            sa.select(
                utc_day(model.created_at).label("day"),
                sa.literal(1 if model is Grant else 0).label("grants"),
                sa.literal(1 if model is Download else 0).label("downloads"),
            ).where(
                model.id <= tops[model],
                sa.or_(
                    *(
                        sa.and_(
                            model.created_at >= _start(first),
                            model.created_at < _start(last + timedelta(days=1)),
                        )
                        for first, last in runs
                    )
                ),
            )
        )
    rows = sa.union_all(*branches).subquery()
    sums = sa.select(rows.c.day, sa.func.sum(rows.c.grants), sa.func.sum(rows.c.downloads))
    db.session.execute(
        sa.insert(DailyUseTotals).from_select(
            ["day", "grants", "downloads"], sums.group_by(rows.c.day)
        )
    )


def per_day(since: datetime, before: datetime) -> dict[date, list[int]]:
    """Grants issued and downloads, [grants, downloads] per UTC day from ``since`` to
    ``before``: the folded days from their totals, the rest counted from the tables."""
    state = db.session.get(UseFold, 1)
    through = state.through if state else None
    counts: dict[date, list[int]] = {}
    live_from = since
    if through is not None and since < _start(through + timedelta(days=1)):
        live_from = _start(through + timedelta(days=1))
        for day, grants, downloads in db.session.execute(
            sa.select(DailyUseTotals.day, DailyUseTotals.grants, DailyUseTotals.downloads).where(
                DailyUseTotals.day >= since.date(), DailyUseTotals.day <= through
            )
        ):
            counts[as_date(day)] = [grants, downloads]
    for i, model in enumerate(_MODELS):
        day = utc_day(model.created_at)
        live = []
        if live_from < before:  # the days after the folded ones
            live.append(sa.and_(model.created_at >= live_from, model.created_at < before))
        if live_from > since:  # rows the totals do not hold yet, for the days they cover
            seen = state.grant_id if model is Grant else state.download_id
            live.append(
                sa.and_(
                    model.id > seen,
                    model.created_at >= since,
                    model.created_at < min(live_from, before),
                )
            )
        for condition in live:
            query = sa.select(day, sa.func.count()).where(condition).group_by(day)
            for d, n in db.session.execute(query):
                counts.setdefault(as_date(d), [0, 0])[i] += n
    return counts
