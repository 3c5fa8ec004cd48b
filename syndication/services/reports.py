"""Reports: views, use, notices and compliance over a date range, as tables (read only).

Every report is one function returning a :class:`Table`; the page draws its chart
from it, shows it as a table below the chart and offers it as CSV (:func:`csv_text`),
so the three can never disagree. Views come from the roll-ups, never from the raw
pixel hits: whole months from the monthly roll-ups while they hold every change
(services/view_months.py), the other days from the daily ones (``daily_*_views``).
A :class:`Scope` with a partner narrows every report to that partner's own grants:
the portal passes one, staff none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import (
    Article,
    CheckState,
    Copy,
    CopyCheck,
    CopyFlag,
    DailyArticleViews,
    DailyCheckResults,
    DailyCheckTotals,
    DailyDomainViews,
    DailyGrantViews,
    DailyPartnerViews,
    DailyTotalViews,
    Download,
    FlagKind,
    Grant,
    Notice,
    NoticeDelivery,
    NoticeKind,
    Partner,
)
from syndication.models.base import utcnow
from syndication.services import use_days, view_months
from syndication.services.audit import safe_cell
from syndication.services.errors import NotFound
from syndication.services.utc_days import as_date, utc_day

# The longest range a report covers, and the longest one shown day by day.
MAX_RANGE_DAYS = 3_660
MAX_DAILY_DAYS = 366
DEFAULT_RANGE_DAYS = 30
TOP = 10
BUCKETS = ("day", "week", "month")


# --- the period ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days from ``start`` to ``end`` (both included), shown by day, week or month."""

    start: date
    end: date
    bucket: str = "day"

    @classmethod
    def of(cls, start: date | None, end: date | None, bucket: str = "") -> Period:
        """The range asked for; a missing end is today, a missing start 30 days before it;
        no bucket chosen: days up to two months, weeks up to two years, then months."""
        if end is None:
            end = max(utcnow().date(), start) if start else utcnow().date()
        if start is None:
            start = end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        days = (end - start).days + 1
        if bucket not in BUCKETS:
            bucket = "day" if days <= 62 else "week" if days <= 731 else "month"
        return cls(start, end, bucket)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    def bucket_of(self, day: date) -> date:
        """The first day of the bucket holding ``day`` (weeks start on Monday)."""
        if self.bucket == "week":
            return day - timedelta(days=day.weekday())
        if self.bucket == "month":
            return day.replace(day=1)
        return day

    def buckets(self) -> list[date]:
        """Every bucket of the range, empty ones included, so a chart's axis has no gaps."""
        found, day = [], self.bucket_of(self.start)
        while day <= self.end:
            found.append(day)
            if self.bucket == "week":
                day += timedelta(days=7)
            elif self.bucket == "month":
                day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
            else:
                day += timedelta(days=1)
        return found

    def label(self, first: date) -> str:
        if self.bucket == "month":
            return first.strftime("%Y-%m")
        return first.isoformat()

    def describe(self) -> str:
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}, by {self.bucket}"


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose numbers: the whole desk (staff) or one partner's own grants (the portal)."""

    partner_id: int | None = None

    @property
    def is_partner(self) -> bool:
        return self.partner_id is not None


@dataclass(frozen=True, slots=True)
class Subject:
    """What a views report is about: everything, one article, one partner or one domain."""

    article_id: int | None = None
    partner_id: int | None = None
    domain: str | None = None


# --- tables -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    numeric: bool = True
    percent: bool = False


@dataclass(frozen=True, slots=True)
class Chart:
    """How a table is drawn: ``kind`` is line or bar; ``series`` names numeric columns."""

    kind: str
    series: tuple[str, ...]
    stacked: bool = False
    horizontal: bool = False


@dataclass(slots=True)
class Table:
    """A report's numbers: what the chart draws, the table shows and the CSV holds."""

    key: str
    title: str
    description: str
    columns: tuple[Column, ...]
    rows: list[tuple]
    chart: Chart
    # Per row, the views report's query arguments for that row's subject (top tables).
    links: list[dict[str, Any] | None] = field(default_factory=list)

    def column(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def chart_data(self) -> dict[str, Any]:
        """What static/reports.js hands to Chart.js: labels, datasets and the layout."""
        return {
            "type": self.chart.kind,
            "stacked": self.chart.stacked,
            "horizontal": self.chart.horizontal,
            "labels": [_short(str(row[0])) for row in self.rows],
            "datasets": [
                {
                    "label": self.columns[self.column(key)].label,
                    "data": [row[self.column(key)] for row in self.rows],
                }
                for key in self.chart.series
            ],
        }


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def csv_text(table: Table) -> str:
    """The table as CSV, with the table's column labels; text cells never run as formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label for c in table.columns])
    for row in table.rows:
        writer.writerow(
            [
                value if c.numeric else safe_cell(str(value))
                for c, value in zip(table.columns, row, strict=True)
            ]
        )
    return out.getvalue()


def _rate(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


# --- SQL pieces ---------------------------------------------------------------------


def _over_time(
    period: Period, rows: Iterable[tuple], width: int
) -> list[tuple[str, *tuple[int, ...]]]:
    """Per-day sums (day, n1, n2, …) folded into the period's buckets, empty ones as 0."""
    sums = {first: [0] * width for first in period.buckets()}
    for day, *values in rows:
        bucket = sums.get(period.bucket_of(as_date(day)))
        if bucket is not None:
            for i, value in enumerate(values):
                bucket[i] += int(value or 0)
    return [(period.label(first), *values) for first, values in sums.items()]


# --- views --------------------------------------------------------------------------

_VIEW_COLUMNS = (Column("counted", "Counted views"), Column("raw", "Raw hits"))


def _views_source(scope: Scope, subject: Subject):
    """The daily roll-up that answers the question with the fewest rows, and its filter
    (a function of the roll-up, daily or monthly, the rows are read from)."""
    if scope.is_partner:

        def of_partner(model) -> list:
            where = [model.partner_id == scope.partner_id]
            if subject.article_id:
                where.append(model.article_id == subject.article_id)
            if subject.domain:
                where.append(model.domain == subject.domain)
            return where

        return DailyGrantViews, of_partner
    if subject.article_id:
        return DailyArticleViews, lambda model: [model.article_id == subject.article_id]
    if subject.domain:
        return DailyDomainViews, lambda model: [model.domain == subject.domain]
    if subject.partner_id:
        return DailyPartnerViews, lambda model: [model.partner_id == subject.partner_id]
    return DailyTotalViews, lambda model: []


def subject_name(scope: Scope, subject: Subject) -> str:
    """What the views report is about, in words; NotFound for an article or partner that
    does not exist or, for a partner, that it holds no grant of."""
    if subject.article_id:
        article = db.session.get(Article, subject.article_id)
        if article is None:
            raise NotFound("There is no such article.")
        if scope.is_partner and not db.session.scalar(
            sa.select(
                sa.exists().where(
                    Grant.partner_id == scope.partner_id, Grant.article_id == article.id
                )
            )
        ):
            raise NotFound("There is no such article.")
        return f"“{article.headline}”"
    if subject.partner_id and not scope.is_partner:
        partner = db.session.get(Partner, subject.partner_id)
        if partner is None:
            raise NotFound("There is no such partner.")
        return partner.name
    if subject.domain:
        return subject.domain
    return "your grants" if scope.is_partner else "every partner"


def _spans(period: Period, *, months: bool = True) -> list[tuple[int, bool, date, date]]:
    """The period as runs of (sign, monthly?, first, last) days whose rows, summed with
    their sign, make the period's sums.

    A folded month read from the monthly roll-up stands for its days: whole when the
    period covers it, and when the period covers most of it, less the days it leaves
    out (read from the daily roll-up and taken away), which are fewer to read than the
    days it covers. Any other month's days are read from the daily roll-up.
    """
    if not months:
        return [(1, False, period.start, period.end)]
    folded = set(
        view_months.folded_between(
            view_months.month_of(period.start), view_months.month_of(period.end)
        )
    )
    runs: dict[tuple[int, bool], list[list[date]]] = {}

    def add(sign: int, monthly: bool, first: date, last: date) -> None:
        same = runs.setdefault((sign, monthly), [])
        if same and same[-1][1] + timedelta(days=1) == first:
            same[-1][1] = last  # one range of days, one index range
        else:
            same.append([first, last])

    month = view_months.month_of(period.start)
    while month <= period.end:
        after = view_months.next_month(month)
        month_end = after - timedelta(days=1)
        first, last = max(month, period.start), min(month_end, period.end)
        if month in folded and 2 * ((last - first).days + 1) > (month_end - month).days + 1:
            add(1, True, month, month_end)
            if first > month:
                add(-1, False, month, first - timedelta(days=1))
            if last < month_end:
                add(-1, False, last + timedelta(days=1), month_end)
        else:
            add(1, False, first, last)
        month = after
    return [(sign, monthly, a, b) for (sign, monthly), found in runs.items() for a, b in found]


def _view_rows(
    daily,
    period: Period,
    keys: Callable[[Any], list],
    where: Callable[[Any], list],
    *,
    months: bool = True,
):
    """The period's (keys…, counted, raw) rows, as a subquery, to be summed: one branch
    per span, each a plain range of its roll-up's days (one index range), the days a
    month's sums must lose with their counts negated."""
    branches = []
    months = months and daily in view_months.MONTHLY
    for sign, monthly, first, last in _spans(period, months=months):
        model = view_months.MONTHLY[daily] if monthly else daily
        counted, raw = (model.counted, model.raw) if sign > 0 else (-model.counted, -model.raw)
        branches.append(
            sa.select(*keys(model), counted.label("counted"), raw.label("raw")).where(
                *where(model), model.day >= first, model.day <= last
            )
        )
    if not branches:  # an empty period: no row, with the columns all the same
        branches.append(sa.select(*keys(daily), daily.counted, daily.raw).where(sa.false()))
    return (branches[0] if len(branches) == 1 else sa.union_all(*branches)).subquery()


def views_over_time(scope: Scope, period: Period, subject: Subject | None = None) -> Table:
    """Counted views and raw hits per day, week or month."""
    subject = subject or Subject()
    roll_up, where = _views_source(scope, subject)
    # A month's sums can stand for its days only when the chart is drawn by month.
    rows = _view_rows(
        roll_up,
        period,
        lambda model: [model.day.label("day")],
        lambda model: where(model),
        months=period.bucket == "month",
    )
    query = sa.select(rows.c.day, sa.func.sum(rows.c.counted), sa.func.sum(rows.c.raw)).group_by(
        rows.c.day
    )
    return Table(
        key="views",
        title=f"Views of {subject_name(scope, subject)}",
        description="Counted views (after bots, prefetches, editor previews and repeats are "
        "left out) beside every hit the pixel received.",
        columns=(Column("when", period.bucket.capitalize(), numeric=False), *_VIEW_COLUMNS),
        rows=_over_time(period, db.session.execute(query), 2),
        chart=Chart("line", ("counted", "raw")),
    )


def _in_one_process() -> None:
    """On PostgreSQL, the rest of the transaction's queries run without parallel workers.

    A top table sums up to a hundred thousand roll-up rows into a few thousand keys,
    and the planner, which cannot foresee how many keys a union of roll-ups holds,
    splits the sum between workers that each sort their share for a merge: on a busy
    server the workers wait for a core and the merge costs more than the sum itself
    (one process hashing the rows took 80 ms where the workers took 220).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))


def _top(daily, period: Period, key: str, where: Callable[[Any], list]) -> list[tuple]:
    """The TOP keys of the roll-up by counted views in the period: (key, counted, raw)."""
    _in_one_process()
    rows = _view_rows(daily, period, lambda model: [getattr(model, key).label("key")], where)
    total_counted = sa.func.sum(rows.c.counted)
    total_raw = sa.func.sum(rows.c.raw)
    return list(
        db.session.execute(
            sa.select(rows.c.key, total_counted, total_raw)
            .group_by(rows.c.key)
            # A key read only in days a month's sums lose nets to nothing: not a row.
            .having(total_raw > 0)
            .order_by(total_counted.desc(), total_raw.desc(), rows.c.key)
            .limit(TOP)
        )
    )


def _of_scope(scope: Scope) -> Callable[[Any], list]:
    """The filter of a top table's roll-up: a partner's own grants, or none for staff."""
    if scope.is_partner:
        return lambda model: [model.partner_id == scope.partner_id]
    return lambda model: []


def top_articles(scope: Scope, period: Period) -> Table:
    """The articles read most in the range."""
    ranked = _top(
        DailyGrantViews if scope.is_partner else DailyArticleViews,
        period,
        "article_id",
        _of_scope(scope),
    )
    headlines = dict(
        db.session.execute(
            sa.select(Article.id, Article.headline).where(Article.id.in_([r[0] for r in ranked]))
        ).all()
    )
    return _top_table(
        "article",
        f"The {TOP} articles with the most counted views in the range.",
        ranked,
        [headlines.get(a, f"Article {a}") for a, _, _ in ranked],
    )


def top_partners(scope: Scope, period: Period) -> Table:
    """The partners whose copies were read most in the range (staff only)."""
    if scope.is_partner:
        raise NotFound("Partners see their own figures only.")
    ranked = _top(DailyPartnerViews, period, "partner_id", _of_scope(scope))
    names = dict(
        db.session.execute(
            sa.select(Partner.id, Partner.name).where(Partner.id.in_([r[0] for r in ranked]))
        ).all()
    )
    return _top_table(
        "partner",
        f"The {TOP} partners whose copies had the most counted views in the range.",
        ranked,
        [names.get(p, f"Partner {p}") for p, _, _ in ranked],
    )


def top_domains(scope: Scope, period: Period) -> Table:
    """The sites where the copies were read most in the range."""
    ranked = _top(
        DailyGrantViews if scope.is_partner else DailyDomainViews,
        period,
        "domain",
        _of_scope(scope),
    )
    return _top_table(
        "domain",
        f"The {TOP} sites whose copies had the most counted views in the range "
        "(a hit without a page address counts under “unknown”).",
        ranked,
        [d or "unknown" for d, _, _ in ranked],
    )


def _top_table(subject: str, description: str, ranked: list, labels: list[str]) -> Table:
    """One top-N table: each ranked (key, counted, raw) under its label, linked to its own
    views report (a key that is empty, such as an unknown domain, has nothing to link to)."""
    return Table(
        key=f"top-{subject}s",
        title=f"Top {subject}s",
        description=description,
        columns=(Column(subject, subject.capitalize(), numeric=False), *_VIEW_COLUMNS),
        rows=[(label, c, r) for label, (_, c, r) in zip(labels, ranked, strict=True)],
        chart=Chart("bar", ("counted", "raw"), horizontal=True),
        links=[{subject: key} if key else None for key, _, _ in ranked],
    )


# --- grants and downloads -----------------------------------------------------------


def grants_and_downloads(scope: Scope, period: Period) -> Table:
    """Grants issued and packages downloaded per day, week or month: the desk's from the
    daily totals (services/use_days.py), a partner's own counted from its rows."""
    if scope.is_partner:
        per_day: dict[date, list[int]] = {}
        for i, model in enumerate((Grant, Download)):
            day = utc_day(model.created_at)
            query = (
                sa.select(day, sa.func.count())
                .where(
                    model.partner_id == scope.partner_id,
                    model.created_at >= period.since,
                    model.created_at < period.before,
                )
                .group_by(day)
            )
            for d, n in db.session.execute(query):
                per_day.setdefault(as_date(d), [0, 0])[i] += n
    else:
        per_day = use_days.per_day(period.since, period.before)
    rows = [(d, *per_day[d]) for d in sorted(per_day)]
    return Table(
        key="grants",
        title="Grants and downloads",
        description="Grants issued and packages downloaded (any file, from the portal, the "
        "API or an emailed link).",
        columns=(
            Column("when", period.bucket.capitalize(), numeric=False),
            Column("grants", "Grants issued"),
            Column("downloads", "Downloads"),
        ),
        rows=_over_time(period, rows, 2),
        chart=Chart("bar", ("grants", "downloads")),
    )


# --- notices ------------------------------------------------------------------------

_KIND_NAMES = {
    NoticeKind.CORRECTION: "Corrections",
    NoticeKind.UPDATE: "Updates",
    NoticeKind.TAKEDOWN: "Takedowns",
    NoticeKind.REVOCATION: "Revocations",
}


def acknowledgements(scope: Scope, period: Period) -> Table:
    """Per kind of notice sent in the range: how many holders acknowledged it by the
    deadline, after it, not yet (still in time) or not at all (overdue)."""
    now = utcnow()
    d = NoticeDelivery
    acked = d.acknowledged_at.is_not(None)
    on_time = sa.and_(acked, sa.or_(d.due_at.is_(None), d.acknowledged_at <= d.due_at))
    late = sa.and_(acked, d.due_at.is_not(None), d.acknowledged_at > d.due_at)
    overdue = sa.and_(d.acknowledged_at.is_(None), d.due_at.is_not(None), d.due_at <= now)

    def count_if(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    query = (
        sa.select(
            Notice.kind,
            sa.func.count(),
            count_if(on_time),
            count_if(late),
            count_if(overdue),
        )
        .join(Notice, Notice.id == d.notice_id)
        .where(d.created_at >= period.since, d.created_at < period.before)
        .group_by(Notice.kind)
    )
    if scope.is_partner:
        query = query.where(d.partner_id == scope.partner_id)
    found = {NoticeKind(kind): row for kind, *row in db.session.execute(query)}
    rows = []
    for kind, name in _KIND_NAMES.items():
        total, in_time, after, overdue_n = (int(n or 0) for n in found.get(kind, (0, 0, 0, 0)))
        waiting = total - in_time - after - overdue_n
        rows.append(
            (name, total, in_time, after, waiting, overdue_n, _rate(in_time + after, total))
        )
    return Table(
        key="acknowledgements",
        title="Notice acknowledgements",
        description="Deliveries of the notices sent in the range, by kind: acknowledged by the "
        "deadline, after it, waiting (the deadline has not passed) and overdue.",
        columns=(
            Column("kind", "Kind", numeric=False),
            Column("sent", "Sent"),
            Column("on_time", "Acknowledged in time"),
            Column("late", "Acknowledged late"),
            Column("waiting", "Waiting"),
            Column("overdue", "Overdue"),
            Column("rate", "Acknowledged (%)", percent=True),
        ),
        rows=rows,
        chart=Chart("bar", ("on_time", "late", "waiting", "overdue"), stacked=True),
    )


# --- compliance ---------------------------------------------------------------------

_STATE_NAMES = {
    CheckState.PASSED: "Passed",
    CheckState.FAILED: "Failed",
    CheckState.ERROR: "Could not be read",
}
_FLAG_NAMES = {
    FlagKind.UNKNOWN_DOMAIN: "On an unknown domain",
    FlagKind.AFTER_REVOCATION: "Still up after revocation",
    FlagKind.CHECK_FAILED: "Failed its latest check",
}


def _scoped_checks(query, scope: Scope):
    if scope.is_partner:
        query = query.join(Copy, Copy.id == CopyCheck.copy_id).where(
            Copy.partner_id == scope.partner_id
        )
    return query


def check_results(scope: Scope, period: Period) -> Table:
    """Compliance checks finished per day, week or month, by result (from the daily counts
    kept as each check finishes)."""
    kept = DailyCheckResults if scope.is_partner else DailyCheckTotals
    query = (
        sa.select(kept.day, kept.state, sa.func.sum(kept.checks))
        .where(kept.day >= period.start, kept.day <= period.end)
        .group_by(kept.day, kept.state)
    )
    if scope.is_partner:
        query = query.where(DailyCheckResults.partner_id == scope.partner_id)
    states = list(_STATE_NAMES)
    rows = []
    for d, state, n in db.session.execute(query):
        if state in _STATE_NAMES:
            counts = [0] * len(states)
            counts[states.index(CheckState(state))] = n
            rows.append((d, *counts))
    return Table(
        key="checks",
        title="Compliance checks",
        description="Checks of republished copies against their grant's terms, by result.",
        columns=(
            Column("when", period.bucket.capitalize(), numeric=False),
            *(Column(s.value, name) for s, name in _STATE_NAMES.items()),
        ),
        rows=_over_time(period, rows, len(states)),
        chart=Chart("bar", tuple(s.value for s in states), stacked=True),
    )


def _latest_states(scope: Scope, period: Period) -> tuple[dict[str, int], int]:
    """How many copies' latest check finished in the period, by its result; and how many
    copies there are.

    A period reaching today asks the copies themselves, in one pass, as they keep their
    latest result (services/copy_checks.py): the latest check of all is then the latest
    of the period, if it finished in it. An earlier period reads its checks.
    """
    if period.end >= utcnow().date():
        in_period = sa.and_(
            Copy.latest_check_at >= period.since, Copy.latest_check_at < period.before
        )
        state = sa.case((in_period, Copy.latest_check_state), else_=None).label("state")
        query = sa.select(state, sa.func.count()).select_from(Copy).group_by(state)
        if scope.is_partner:
            query = query.where(Copy.partner_id == scope.partner_id)
        states = dict(db.session.execute(query).all())
        total = sum(states.values())
        states.pop(None, None)  # the copies not checked in the period
        return states, total
    latest = _scoped_checks(
        sa.select(
            CopyCheck.state,
            sa.func.row_number()
            .over(partition_by=CopyCheck.copy_id, order_by=CopyCheck.id.desc())
            .label("nth"),
        ).where(CopyCheck.finished_at >= period.since, CopyCheck.finished_at < period.before),
        scope,
    ).subquery()
    states = dict(
        db.session.execute(
            sa.select(latest.c.state, sa.func.count())
            .where(latest.c.nth == 1)
            .group_by(latest.c.state)
        ).all()
    )
    copies = sa.select(sa.func.count()).select_from(Copy)
    if scope.is_partner:
        copies = copies.where(Copy.partner_id == scope.partner_id)
    return states, db.session.scalar(copies) or 0


def compliance_status(scope: Scope, period: Period) -> Table:
    """Every copy by the result of its latest check finished in the range, then the flags
    open on the copies now (handled ones left out)."""
    states, total = _latest_states(scope, period)
    flags = (
        sa.select(CopyFlag.kind, sa.func.count())
        .where(CopyFlag.handled_at.is_(None))
        .group_by(CopyFlag.kind)
    )
    if scope.is_partner:
        flags = flags.join(Copy, Copy.id == CopyFlag.copy_id).where(
            Copy.partner_id == scope.partner_id
        )
    open_flags = dict(db.session.execute(flags).all())
    rows = [(name, int(states.get(state, 0))) for state, name in _STATE_NAMES.items()]
    rows.append(("Not checked in the range", max(total - sum(n for _, n in rows), 0)))
    rows += [(name, int(open_flags.get(kind, 0))) for kind, name in _FLAG_NAMES.items()]
    return Table(
        key="status",
        title="Copies by status",
        description=f"All {total:,} republished copies by the result of their latest check "
        "in the range, then the flags open on them now (not handled yet).",
        columns=(Column("status", "Status", numeric=False), Column("copies", "Copies")),
        rows=rows,
        chart=Chart("bar", ("copies",), horizontal=True),
    )


# --- the pages ----------------------------------------------------------------------

Report = Callable[[Scope, Period], Table]


@dataclass(frozen=True, slots=True)
class Page:
    """A report page: its title, what it answers, and the tables it shows in order."""

    slug: str
    title: str
    intro: str
    tables: tuple[str, ...]
    staff_only_tables: tuple[str, ...] = ()

    def tables_for(self, scope: Scope) -> tuple[str, ...]:
        hidden = self.staff_only_tables if scope.is_partner else ()
        return tuple(t for t in self.tables if t not in hidden)


TABLES: dict[str, Report] = {
    "views": views_over_time,
    "top-articles": top_articles,
    "top-partners": top_partners,
    "top-domains": top_domains,
    "grants": grants_and_downloads,
    "acknowledgements": acknowledgements,
    "checks": check_results,
    "status": compliance_status,
}

# The keys as a URL converter's arguments: ``<any(…):table>``.
TABLE_KEYS = ", ".join(f'"{key}"' for key in TABLES)

PAGES: dict[str, Page] = {
    page.slug: page
    for page in (
        Page(
            "views",
            "Views over time",
            "How often the republished copies were read: counted views beside raw hits.",
            ("views",),
        ),
        Page(
            "top",
            "Top articles, partners and domains",
            "What was read most in the range, and where.",
            ("top-articles", "top-partners", "top-domains"),
            staff_only_tables=("top-partners",),
        ),
        Page(
            "grants",
            "Grants and downloads",
            "How many grants were issued and packages downloaded.",
            ("grants",),
        ),
        Page(
            "notices",
            "Notice acknowledgements",
            "Whether holders acknowledged corrections, updates and takedowns, and in time.",
            ("acknowledgements",),
        ),
        Page(
            "compliance",
            "Compliance",
            "How the republished copies fare against their terms.",
            ("checks", "status"),
        ),
    )
}


def table(key: str, scope: Scope, period: Period, subject: Subject | None = None) -> Table:
    """One report's table by its key; NotFound for one the scope may not see."""
    if key not in TABLES or (scope.is_partner and key == "top-partners"):
        raise NotFound("There is no such report.")
    if key == "views":
        return views_over_time(scope, period, subject)
    return TABLES[key](scope, period)
