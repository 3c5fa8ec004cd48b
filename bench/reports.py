"""How fast each report page's queries answer over 10 million generated pixel hits.

Run from the project root: ``python bench/reports.py`` (``--server URL`` names the
PostgreSQL server, ``--hits N`` changes the 10 million, ``--runs N`` the timed runs).
The script creates its own database, ``syndication_bench_reports``, migrates it like
production, fills it in bulk with SQL (``generate_series``, never the ORM) and drops it
when it ends, whatever happens; ``--keep`` leaves it, and ``python bench/reports.py
--reuse --keep`` times the kept one again (migrated to head, folded) without a refill.

The data: 2,000 partners, 20,000 articles, 100,000 grants issued over two years, and
10 million pixel hits generated in SQL (popular grants get most; a grant's hits fade
over the days after it was issued; 60% count as views; 5% come from copies on 500
other domains). The hits are folded into the daily roll-ups by SQL as they are
generated (per grant and domain, then per article, partner and domain from those),
the way the hit flush writes them, with each day's total; reports never read raw
hits, so none are kept. Every month holding views is marked changed, as the flush
marks them, and the hourly fold's own function (services/view_months.py) folds the
ended ones into the monthly roll-ups; the fold's time is printed, as is that of the
hourly fold of grants and downloads into their daily totals (services/use_days.py).
Beside them: 300,000 downloads, 3,000 notices with 60,000 deliveries, 150,000 copies
with 450,000 compliance checks (counted per day and result, and each copy's latest
kept on it, as a finished check records them) and 20,000 flags.

Then each report page's queries (``services.reports``: every table the page shows) are
timed, for staff and for one partner, over the last 30 days and the last year, with
the median and p95 in milliseconds beside a baseline from the same run: fetching one
grant by its primary key. Target (issue 19): every report under 200 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

# Run as `python bench/x.py`, bench/ is sys.path[0], where bench/http.py would
# shadow the standard library's http package: the project root takes its place.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from config import TestingConfig
from syndication import create_app
from syndication.extensions import db
from syndication.models import Grant
from syndication.models.base import utcnow
from syndication.services import reports, use_days, view_months
from syndication.services.reports import Period, Scope, Subject

DATABASE = "syndication_bench_reports"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
HITS = 10_000_000
PARTNERS = 2_000
ARTICLES = 20_000
GRANTS = 100_000
DOWNLOADS = 300_000
NOTICES = 3_000
DELIVERIES = 60_000
COPIES = 150_000
CHECKS = 450_000
FLAGS = 20_000
DAYS = 730
RUNS = 15
TARGET_MS = 200.0

# Each statement fills one table; :names are bound from FIGURES below.
FILL = {
    "partners": """
        INSERT INTO partners (id, name, website, outlet_type, region, contact_name,
            contact_email, intended_use, status, tier, webhook_disabled_reason, updated_at,
            version, created_at)
        SELECT p, 'Outlet ' || p, 'https://outlet' || p || '.example', 'newspaper', '',
            'Pat', 'pat@outlet' || p || '.example', '', 'approved', 'standard', '', now(), 1,
            now() - interval '800 days'
        FROM generate_series(1, :partners) p;
        INSERT INTO partner_domains (partner_id, domain)
        SELECT p, 'outlet' || p || '.example' FROM generate_series(1, :partners) p
    """,
    "articles": """
        INSERT INTO rule_sets (id, version, note, created_at)
        VALUES (1, 1, 'bench', now() - interval '800 days');
        INSERT INTO articles (id, slug, headline, dek, bylines, dateline, section, language,
            canonical_url, summary, body_html, word_count, updated_at, current_revision,
            origin, policy, territory, created_at, published_at)
        SELECT a, 'bench-' || a, 'Generated article number ' || a, '', '[]', '', 'world',
            'en', 'https://news.example/' || a, '', '<p>Text.</p>', 1, now(), 1,
            'original', 'free_eligible', '', now() - interval '800 days',
            now() - (a % :days) * interval '1 day'
        FROM generate_series(1, :articles) a
    """,
    # Partner p holds grants p, p + P, p + 2P, …: 50 distinct articles each.
    "grants": """
        INSERT INTO grants (id, licence_id, partner_id, article_id, rule_set_id,
            revision_number, status, valid_from, revoked_reason, revoked_public_reason,
            terms, odrl, terms_hash, created_at)
        SELECT g, 'bench-' || g, 1 + (g - 1) % :partners,
            1 + (((g - 1) / :partners) * 397 + ((g - 1) % :partners) * 13) % :articles,
            1, 1, 'active', t, '', '', '{}', '{}', repeat('0', 64), t
        FROM generate_series(1, :grants) g,
            LATERAL (SELECT now() - ((g * 7919) % :days) * interval '1 day'
                     - (g % 24) * interval '1 hour' AS t) issued
    """,
    # The hits, folded into the per-grant-and-domain roll-up as they are generated.
    "daily_grant_views": """
        SET LOCAL work_mem = '256MB';
        SELECT setseed(0.19);
        INSERT INTO daily_grant_views (grant_id, domain, day, article_id, partner_id, raw,
            counted)
        SELECT g.id, coalesce(h.other, 'outlet' || g.partner_id || '.example'),
            least(CAST(g.created_at AT TIME ZONE 'UTC' AS date) + h.age, CURRENT_DATE),
            g.article_id, g.partner_id, count(*), count(*) FILTER (WHERE h.counted)
        FROM (
            SELECT 1 + floor(power(random(), 2) * :grants)::int AS grant_id,
                random() < 0.6 AS counted,
                CASE WHEN random() < 0.05
                    THEN 'mirror' || floor(random() * 500)::int || '.example' END AS other,
                floor(-ln(1 - random()) * 6)::int AS age
            FROM generate_series(1, :hits)
        ) h
        JOIN grants g ON g.id = h.grant_id
        GROUP BY 1, 2, 3, 4, 5
    """,
    "daily_article_views": """
        INSERT INTO daily_article_views (article_id, day, raw, counted)
        SELECT article_id, day, sum(raw), sum(counted) FROM daily_grant_views GROUP BY 1, 2
    """,
    "daily_partner_views": """
        INSERT INTO daily_partner_views (partner_id, day, raw, counted)
        SELECT partner_id, day, sum(raw), sum(counted) FROM daily_grant_views GROUP BY 1, 2
    """,
    "daily_domain_views": """
        INSERT INTO daily_domain_views (domain, day, raw, counted)
        SELECT domain, day, sum(raw), sum(counted) FROM daily_grant_views GROUP BY 1, 2
    """,
    "daily_total_views": """
        INSERT INTO daily_total_views (day, raw, counted)
        SELECT day, sum(raw), sum(counted) FROM daily_partner_views GROUP BY 1
    """,
    # The months the hits fall in, as the hit flush marks them; folded below by the task's
    # own function.
    "view_months": """
        INSERT INTO view_months (day, changes, folded)
        SELECT DISTINCT CAST(date_trunc('month', day) AS DATE), 1, 0 FROM daily_partner_views
    """,
    "downloads": """
        INSERT INTO downloads (grant_id, partner_id, package_hash, format, size, created_at)
        SELECT g.id, g.partner_id, repeat('a', 64), 'zip', 1000,
            least(g.created_at + (d % 200) * interval '1 hour', now())
        FROM generate_series(1, :downloads) d JOIN grants g ON g.id = 1 + (d * 7) % :grants
    """,
    "notices": """
        INSERT INTO notices (id, article_id, kind, title, body, public_note, record_reason,
            created_at)
        SELECT n, 1 + (n * 11) % :articles,
            (ARRAY['correction', 'correction', 'update', 'takedown', 'revocation'])[1 + n % 5],
            'Notice ' || n, '', '', '', now() - ((n * 37) % :days) * interval '1 day'
        FROM generate_series(1, :notices) n;
        SELECT setseed(0.23);
        INSERT INTO notice_deliveries (notice_id, partner_id, due_at, acknowledged_at,
            created_at)
        SELECT n.id, 1 + ((d / :notices) * 97 + d) % :partners,
            n.created_at + interval '72 hours',
            CASE WHEN random() < 0.8
                THEN n.created_at + random() * interval '100 hours' END,
            n.created_at
        FROM generate_series(1, :deliveries) d JOIN notices n ON n.id = 1 + d % :notices
    """,
    "copies": """
        INSERT INTO copies (id, grant_id, article_id, partner_id, url, domain, source,
            first_seen_at, last_seen_at, raw_hits, views, created_at)
        SELECT c, g.id, g.article_id, g.partner_id,
            'https://outlet' || g.partner_id || '.example/story-' || c,
            'outlet' || g.partner_id || '.example', 'pixel', g.created_at, now(), 10, 6,
            g.created_at
        FROM generate_series(1, :copies) c JOIN grants g ON g.id = 1 + (c - 1) % :grants;
        SELECT setseed(0.29);
        INSERT INTO copy_checks (copy_id, state, results, error, finished_at, created_at)
        SELECT 1 + k % :copies, s.state, '[]', '',
            CASE WHEN s.state <> 'queued' THEN s.at END, s.at
        FROM generate_series(1, :checks) k,
            LATERAL (SELECT CASE WHEN r < 0.70 THEN 'passed' WHEN r < 0.90 THEN 'failed'
                                 WHEN r < 0.95 THEN 'error' ELSE 'queued' END AS state,
                            now() - (k % :days) * interval '1 day' AS at
                     FROM (SELECT random() + k * 0 AS r) x) s;
        UPDATE copies SET latest_check_state = latest.state, latest_check_at = latest.at
        FROM (SELECT DISTINCT ON (copy_id) copy_id, state, finished_at AS at FROM copy_checks
              WHERE finished_at IS NOT NULL ORDER BY copy_id, finished_at DESC, id DESC) latest
        WHERE latest.copy_id = copies.id;
        INSERT INTO daily_check_results (partner_id, day, state, checks)
        SELECT c.partner_id, CAST(k.finished_at AT TIME ZONE 'UTC' AS DATE), k.state, count(*)
        FROM copy_checks k JOIN copies c ON c.id = k.copy_id
        WHERE k.finished_at IS NOT NULL GROUP BY 1, 2, 3;
        INSERT INTO daily_check_totals (day, state, checks)
        SELECT day, state, sum(checks) FROM daily_check_results GROUP BY 1, 2;
        INSERT INTO copy_flags (copy_id, kind, detail, handled_at, handled_note, created_at)
        SELECT 1 + (f * 7) % :copies,
            (ARRAY['unknown_domain', 'after_revocation', 'check_failed'])[1 + f % 3], '',
            CASE WHEN f % 2 = 0 THEN now() END, '', now()
        FROM generate_series(1, :flags) f
    """,
}


def server_engine(server: str) -> sa.Engine:
    url = server.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def create_database(server: str) -> str:
    """A fresh bench database on the server; its URL."""
    engine = server_engine(server)
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    return engine.url.set(database=DATABASE).render_as_string(False)


def reuse_database(server: str) -> str:
    """The database a run with --keep left behind."""
    engine = server_engine(server)
    engine.dispose()
    return engine.url.set(database=DATABASE).render_as_string(False)


def drop_database(server: str) -> None:
    engine = server_engine(server)
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    engine.dispose()


def bench_app(url: str) -> Flask:
    queue = Path(tempfile.mkdtemp(prefix="bench-reports-")) / "tasks.db"
    config = type(
        "BenchConfig",
        (TestingConfig,),
        {"SQLALCHEMY_DATABASE_URI": url, "TASK_QUEUE_URL": f"sqlite:///{queue}"},
    )
    return create_app(config)


def fill(figures: dict[str, int]) -> None:
    """Every table, in bulk, one transaction per table; then the planner's statistics."""
    for table, statements in FILL.items():
        started = time.perf_counter()
        with db.engine.begin() as conn:
            # Consistent by construction: foreign-key triggers are skipped while loading.
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            for statement in statements.split(";"):
                if statement.strip():
                    conn.execute(sa.text(statement), figures)
            rows = conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
        print(f"  {table:<20} {rows:>12,} rows  {time.perf_counter() - started:6.1f} s")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in FILL:
            conn.execute(sa.text(f"VACUUM ANALYZE {table}"))
        for table in ("partner_domains", "rule_sets", "notice_deliveries", "copy_checks",
                      "copy_flags", "daily_check_results", "daily_check_totals"):  # fmt: skip
            conn.execute(sa.text(f"VACUUM ANALYZE {table}"))


def vacuum(*tables: str) -> None:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(sa.text(f"VACUUM ANALYZE {table}"))


def timed(call: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds per call, after one warm-up; a fresh session each time."""
    call()
    db.session.remove()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        db.session.remove()
    return samples


def page_queries(slug: str, scope: Scope, period: Period, subject: Subject | None = None):
    """What a report page asks the database: every table it shows."""
    page = reports.PAGES[slug]
    return lambda: [reports.table(key, scope, period, subject) for key in page.tables_for(scope)]


def measure(runs: int) -> list[float]:
    today = utcnow().date()
    month = Period.of(today - timedelta(days=29), today)
    year = Period.of(today - timedelta(days=364), today)
    desk = Scope()
    # The partner with the most views: the heaviest partner scope there is.
    busiest = db.session.scalar(
        sa.text(
            "SELECT partner_id FROM daily_partner_views GROUP BY 1 ORDER BY sum(raw) DESC LIMIT 1"
        )
    )
    article = db.session.scalar(
        sa.text(
            "SELECT article_id FROM daily_article_views GROUP BY 1 ORDER BY sum(raw) DESC LIMIT 1"
        )
    )
    partner = Scope(partner_id=busiest)
    cases = []
    for period_name, period in (("30 days", month), ("1 year", year)):
        for slug in reports.PAGES:
            cases.append((f"staff {slug}", period_name, page_queries(slug, desk, period)))
        cases += [
            (
                "staff views: article",
                period_name,
                page_queries("views", desk, period, Subject(article_id=article)),
            ),
            (
                "staff views: partner",
                period_name,
                page_queries("views", desk, period, Subject(partner_id=busiest)),
            ),
            (
                "staff views: domain",
                period_name,
                page_queries("views", desk, period, Subject(domain="mirror7.example")),
            ),
        ]
        for slug in reports.PAGES:
            cases.append((f"partner {slug}", period_name, page_queries(slug, partner, period)))

    base = timed(lambda: db.session.get(Grant, 4242), runs * 4)
    base_median = statistics.median(base)
    print(f"\nbaseline: one grant by primary key, median {base_median:.2f} ms "
          f"(p95 {_p95(base):.2f} ms), {runs * 4} runs")  # fmt: skip
    header = f"{'report page':<24} {'range':<8} {'median ms':>10} {'p95 ms':>8} {'× base':>8}"
    print(header)
    print("-" * len(header))
    worst = []
    for label, period_name, call in cases:
        samples = timed(call, runs)
        median, p95 = statistics.median(samples), _p95(samples)
        worst.append(p95)
        flag = "" if p95 < TARGET_MS else "  over target"
        print(f"{label:<24} {period_name:<8} {median:>10.1f} {p95:>8.1f} "
              f"{median / base_median:>7.0f}x{flag}")  # fmt: skip
    return worst


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=DEFAULT_SERVER, help="a PostgreSQL server URL")
    parser.add_argument("--hits", type=int, default=HITS)
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs per report page")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="time the database kept by --keep, migrated to head"
    )
    args = parser.parse_args()
    figures = {
        "hits": args.hits,
        "partners": PARTNERS,
        "articles": ARTICLES,
        "grants": GRANTS,
        "downloads": DOWNLOADS,
        "notices": NOTICES,
        "deliveries": DELIVERIES,
        "copies": COPIES,
        "checks": CHECKS,
        "flags": FLAGS,
        "days": DAYS,
    }
    print(f"reports benchmark: {args.hits:,} generated hits on PostgreSQL ({DATABASE})")
    url = reuse_database(args.server) if args.reuse else create_database(args.server)
    try:
        app = bench_app(url)
        with app.app_context():
            upgrade()
            if not args.reuse:
                started = time.perf_counter()
                fill(figures)
                print(f"  filled in {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            folded = view_months.fold()
            print(f"  folded {len(folded)} months into the monthly roll-ups in "
                  f"{time.perf_counter() - started:.0f} s")  # fmt: skip
            started = time.perf_counter()
            runs = use_days.fold()
            print(f"  folded grants and downloads of {len(runs)} runs of days into the daily "
                  f"totals in {time.perf_counter() - started:.1f} s")  # fmt: skip
            # What the fold wrote, and copies' latest checks as a migration fills them,
            # as autovacuum would leave them in production: index-only scans need it.
            vacuum(
                "view_months",
                "copies",
                "daily_use_totals",
                *(m.__tablename__ for m in view_months.MONTHLY.values()),
            )
            worst = measure(args.runs)
            db.session.remove()
            db.engine.dispose()
        verdict = "met" if max(worst) < TARGET_MS else "NOT met"
        print(f"\nslowest report p95 {max(worst):.1f} ms; target every report under "
              f"{TARGET_MS:.0f} ms: {verdict}")  # fmt: skip
    finally:
        if not args.keep:
            drop_database(args.server)


if __name__ == "__main__":
    main()
