"""The catalogue, lists and pages over a million articles: median and p95 per page (issue 24).

Run from the project root (one command; ``--keep`` leaves the database for a re-time):

    .venv/bin/python bench/scale.py                 # PostgreSQL, 1,000,000 articles
    .venv/bin/python bench/scale.py --keep          # ... and keep the database afterwards
    .venv/bin/python bench/scale.py --reuse         # re-time the kept one (migrated to head first)
    .venv/bin/python bench/scale.py --sqlite        # SQLite, 200,000 articles (bench/out/scale.db)

``--server URL`` names the PostgreSQL server (default: the local one), ``--articles N``
changes the size (partners, grants, requests and downloads scale with it), ``--runs N``
the timed requests per page.

The script creates its own database (``syndication_bench_scale``; SQLite: a file under
bench/out/), migrates it like production with ``flask db upgrade`` and prints how long each
migration took, then fills it in bulk with SQL (``INSERT … SELECT`` over generated series,
never the ORM; secondary indexes are dropped during the fill and built again after it, then
ANALYZE). It is dropped at the end unless ``--keep``; ``--reuse`` runs ``flask db upgrade``
on the kept database (so new migrations are timed on a full one) and times it again.

The data, at 1,000,000 articles: ten years of articles (three paragraphs from a pool of
Zipf-distributed words, so a common word is in about one article in ten), 1.26 revisions
and two tags each on average (a few tags are on many articles, most on few), 5,000
partners, 200,000 grants (newer articles and a few big partners hold most), 230,000
requests of which 20,000 pending, and 2,000,000 downloads.

Every figure is one request through the app (the Flask test client, with a logged-in staff
user, a partner's session or its API key), so it includes what the view really runs:
the catalogue's first page and page 50 (reached by following each page's own "next"
link; only the request for the page itself is timed) for no filter, a text search, a tag
and a date range, for staff and partners; a partner's grants (its staff page, and the API's
list 20 pages deep); the staff request queue; the most-held article's page with its
holders; the API's article list 20 pages deep. Each is printed as median and p95 in
milliseconds beside two floors measured in the same run: a primary-key fetch of one
article (the ratio column) and the app's cheapest request (``/healthz``). Then an
import of 100 new articles into the archive, timed per item (each import deleted after).
Target (issue 24): every one under 50 ms median on PostgreSQL.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# `python bench/scale.py` puts bench/ first on sys.path, where bench/http.py would stand
# in for the standard library's `http` package; only the project root belongs there.
for entry in [p for p in sys.path if Path(p or ".").resolve() == HERE]:
    sys.path.remove(entry)
sys.path.insert(0, str(ROOT))

import pyotp
import sqlalchemy as sa
from flask import Flask

from bench.search import vocabulary
from config import TestingConfig
from syndication import create_app
from syndication.extensions import db
from syndication.models import Article, Partner, Role
from syndication.services import apikeys, two_factor, users

OUT = HERE / "out"
DATABASE = "syndication_bench_scale"
SQLITE_FILE = OUT / "scale.db"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_ARTICLES = 1_000_000
SQLITE_ARTICLES = 200_000
RUNS = 20
TARGET_MS = 50.0
DEEP_PAGE = 50  # the catalogue's page timed besides the first
API_DEPTH = 20  # the API's lists are walked this many pages deep
SEED = 20261207
PASSWORD = "scale bench password"
STAFF_EMAIL = "desk@scale.example"
PARTNER_EMAIL = "editor@scale.example"
SECTIONS = ["politics", "world", "us", "business", "science", "health", "sport", "opinion"]
OUTLETS = ["newspaper", "digital", "magazine", "broadcaster", "newsletter", "aggregator"]
TAGS = 500
# The tables the fill writes, whose secondary indexes are rebuilt after it.
FILLED = (
    "partners",
    "partner_domains",
    "articles",
    "article_revisions",
    "article_tags",
    "article_requests",
    "grants",
    "downloads",
)


def figures_for(articles: int) -> dict[str, int]:
    """How many of each row: issue 24's proportions, scaled to ``articles``."""
    scale = articles / PG_ARTICLES

    def scaled(n: int, least: int) -> int:
        return max(least, round(n * scale))

    return {
        "articles": articles,
        "partners": scaled(5_000, 100),
        "grants": scaled(200_000, 2_000),
        "pending": scaled(20_000, 500),
        "refused": scaled(10_000, 200),
        "downloads": scaled(2_000_000, 20_000),
        "paragraphs": 20_000,
        "titles": 20_000,
        "names": 400,
        "tags": TAGS,
    }


# --- the database ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """Where the bench database lives and how to create and drop it."""

    url: str
    server: str | None  # PostgreSQL: the server's maintenance URL

    @property
    def dialect(self) -> str:
        return "postgresql" if self.server else "sqlite"

    def create(self) -> None:
        if self.server is None:
            OUT.mkdir(exist_ok=True)
            self.drop()
            return
        with _server(self.server).connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))

    def exists(self) -> bool:
        if self.server is None:
            return SQLITE_FILE.exists()
        with _server(self.server).connect() as conn:
            named = sa.text("SELECT 1 FROM pg_database WHERE datname = :n")
            found = conn.scalar(named, {"n": DATABASE})
        return bool(found)

    def drop(self) -> None:
        if self.server is None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
            return
        with _server(self.server).connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))


def _server(server: str) -> sa.Engine:
    url = server.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def target_for(args: argparse.Namespace) -> Target:
    if args.sqlite:
        return Target(f"sqlite:///{SQLITE_FILE}", None)
    server = args.server.replace("postgresql://", "postgresql+psycopg://", 1)
    url = sa.make_url(server).set(database=DATABASE).render_as_string(False)
    return Target(url, server)


_RUNNING = re.compile(r"Running upgrade (\S*) -> ([^\s,]+)")


def migrate(url: str) -> None:
    """``flask db upgrade``, as production runs it; prints each migration's duration.

    Alembic logs a line as each migration starts: a migration's time is the time
    to the next line (the last one's, to the command's end, which includes the commit).
    """
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "syndication", "PYTHONUNBUFFERED": "1"}
    env.pop("SYNDICATION_CONFIG", None)
    flask = Path(sys.executable).with_name("flask")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(flask), "db", "upgrade"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    steps: list[tuple[str, float]] = []
    output = []
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        if match := _RUNNING.search(line):
            steps.append((match[2], time.perf_counter()))
    if process.wait() != 0:
        sys.exit("flask db upgrade failed:\n" + "".join(output))
    ended = time.perf_counter()
    print(f"flask db upgrade: {ended - started:.1f} s, {len(steps)} migration(s) run")
    ends = [at for _, at in steps[1:]] + [ended]
    for (revision, at), end in zip(steps, ends, strict=False):
        # Alembic logs nothing after the last one: its time includes the command's exit.
        last = "  (and the command's exit)" if end == ended else ""
        print(f"  {revision:<32} {end - at:8.2f} s{last}")


# --- the fill ---------------------------------------------------------------------------------


class Dialect:
    """The few SQL spellings the fill needs that differ between the two databases."""

    def __init__(self, name: str) -> None:
        self.pg = name == "postgresql"
        self.rand = "random()" if self.pg else "(random() / 18446744073709551616.0 + 0.5)"
        self.json = "::json" if self.pg else ""
        self.least = "least" if self.pg else "min"

    def series(self, count: str) -> str:
        """Rows 1..:count as ``s(a)``."""
        if self.pg:
            return f"generate_series(1, CAST(:{count} AS BIGINT)) AS s(a)"
        return (
            f"(WITH RECURSIVE n(a) AS (SELECT 1 UNION ALL SELECT a + 1 FROM n WHERE a < :{count}) "
            f"SELECT a FROM n) AS s"
        )

    def ts(self, seconds: str) -> str:
        """A timestamp from seconds since the epoch."""
        return f"to_timestamp({seconds})" if self.pg else f"datetime({seconds}, 'unixepoch')"


def idx(expr: str) -> str:
    return f"CAST(floor({expr}) AS INTEGER)"


def published(a: str) -> str:
    """Seconds since the epoch an article ``a`` was published: ten years, oldest id first,
    with a deterministic jitter of up to 20 days (grants and downloads recompute it)."""
    return f"(:now - (:articles - {a}) * :step - (CAST({a} AS BIGINT) * 7919 % 1000) * 1728 - 3600)"


def granted(g: str) -> str:
    """Seconds since the epoch grant row ``g`` was issued: hours after publication."""
    return f"{published(f'{g}.article_id')} + ({g}.partner_id % 72) * 3600"


def fill_statements(d: Dialect) -> dict[str, list[str]]:
    """The fill, table by table: each a list of statements over bound figures."""
    rand = d.rand
    section = "CASE s.a % 8 " + " ".join(f"WHEN {i} THEN '{s}'" for i, s in enumerate(SECTIONS))
    outlet = "CASE s.a % 6 " + " ".join(f"WHEN {i} THEN '{o}'" for i, o in enumerate(OUTLETS))
    status = (
        "CASE WHEN s.a % 25 = 3 THEN 'suspended' WHEN s.a % 20 = 7 THEN 'applied' "
        "ELSE 'approved' END"
    )
    revisions = (
        "1 + CASE WHEN s.a % 5 = 0 THEN 1 ELSE 0 END + CASE WHEN s.a % 17 = 0 THEN 1 ELSE 0 END"
    )
    long_ago = d.ts(":now - 86400 * 900")
    return {
        "partners": [
            f"""INSERT INTO partners (id, name, website, outlet_type, region, contact_name,
                contact_email, monthly_unique_visitors, intended_use, status, tier,
                ninjs_version, webhook_disabled_reason, updated_at, version, created_at)
            SELECT s.a, 'Outlet ' || s.a, 'https://outlet' || s.a || '.example',
                {outlet} END, '', 'Pat Contact', 'pat@outlet' || s.a || '.example', 250000, '',
                {status}, CASE WHEN {status} = 'applied' THEN NULL ELSE 'standard' END, '2.2', '',
                {long_ago}, 1, {long_ago}
            FROM {d.series("partners")}""",
            f"""INSERT INTO partner_domains (partner_id, domain)
            SELECT s.a, 'outlet' || s.a || '.example' FROM {d.series("partners")}""",
            f"""INSERT INTO rule_sets (id, version, note, created_at)
            VALUES (1, 1, 'scale bench', {long_ago})""",
        ],
        "articles": [
            f"""INSERT INTO articles (id, source_id, slug, headline, dek, bylines, dateline,
                section, language, canonical_url, summary, body_html, word_count, published_at,
                updated_at, current_revision, content_version, origin, policy, embargo_until,
                territory, intake, intake_reason, released_at, rights_holder, licence_reference,
                licence_reason, public_note, public_note_kind, url_key, fingerprint,
                import_source, importer, source_title, source_site_url, source_feed_url,
                created_at)
            SELECT s.a, 'scale:' || s.a, 'scale-' || s.a, h.text, '',
                ('["' || n.text || '"]'){d.json}, '', {section} END, 'en',
                'https://news.example/' || s.a, '',
                '<p>' || p1.text || '</p><p>' || p2.text || '</p><p>' || p3.text || '</p>',
                p1.words + p2.words + p3.words, {d.ts(published("s.a"))},
                {d.ts(published("s.a"))}, {revisions}, {revisions}, 'original',
                CASE WHEN s.a * 7919 % 10 < 7 THEN 'free_eligible'
                     WHEN s.a * 7919 % 10 < 9 THEN 'licensed' ELSE 'not_syndicated' END,
                CASE WHEN s.a % 500 = 0 AND s.a > :articles * 0.99
                     THEN {d.ts(":now + 86400 * (1 + s.a % 7)")} END,
                '', CASE WHEN s.a * 31 % 50 = 0 THEN 'awaiting_review' ELSE 'released' END, '',
                {d.ts(published("s.a"))}, '', '', '', '', '', 'news.example/' || s.a, '',
                '', '', '', '', '', {d.ts(published("s.a"))}
            FROM {d.series("articles")}
            JOIN scale_headlines h ON h.id = 1 + s.a * 7919 % :titles
            JOIN scale_names n ON n.id = 1 + s.a * 37 % :names
            JOIN scale_paragraphs p1 ON p1.id = 1 + s.a * 104729 % :paragraphs
            JOIN scale_paragraphs p2 ON p2.id = 1 + (s.a * 15485863 + 7) % :paragraphs
            JOIN scale_paragraphs p3 ON p3.id = 1 + (s.a * 32452843 + 11) % :paragraphs""",
        ],
        "article_revisions": [
            f"""INSERT INTO article_revisions (article_id, number, headline, dek, bylines,
                body_html, summary, note, content_hash, created_at)
            SELECT a.id, r.a, a.headline, '', a.bylines, a.body_html, '',
                CASE WHEN r.a > 1 THEN 'Corrected a detail.' ELSE '' END,
                'scale-' || a.id || '-' || r.a, a.published_at
            FROM articles a JOIN (SELECT s.a FROM {d.series("three")}) r
                ON r.a <= a.current_revision""",
        ],
        # One to three tags each, a few tags on many articles: topic-0 on one article in ten.
        "article_tags": [
            f"""INSERT INTO article_tags (article_id, tag)
            SELECT DISTINCT s.a, 'topic-' || {idx(f":tags * power({rand}, 3)")}
            FROM {d.series("articles")} JOIN (SELECT s.a AS k FROM {d.series("three")}) k
                ON k.k <= 1 + s.a % 3""",
        ],
        # Pairs a partner asked for: a few big partners and newer articles weigh most.
        "article_requests": [
            # Drawn into a table first: SQLite would evaluate random() again wherever
            # a subquery's column is used once the subquery is folded into its query.
            f"""CREATE TABLE scale_draws AS
            SELECT s.a AS n, 1 + {idx(f":partners * power({rand}, 2)")} AS partner_id,
                :articles - {idx(f":articles * power({rand}, 2)")} AS article_id
            FROM {d.series("candidates")}""",
            """CREATE TABLE scale_pairs AS
            SELECT x.partner_id, x.article_id, min(x.n) AS n FROM scale_draws x
            JOIN partners p ON p.id = x.partner_id AND p.status <> 'applied'
            JOIN articles a ON a.id = x.article_id AND a.policy <> 'not_syndicated'
                AND a.intake = 'released'
            GROUP BY x.partner_id, x.article_id""",
            # Granted requests (one per grant, same id), issued in publication order.
            f"""CREATE TABLE scale_granted AS
            SELECT row_number() OVER (ORDER BY t.at, t.partner_id) AS id, t.partner_id,
                t.article_id, t.at
            FROM (SELECT q.partner_id, q.article_id,
                    {d.least}({granted("q")}, :now - 60) AS at
                  FROM scale_pairs q WHERE q.n % 3 <> 0 ORDER BY q.n LIMIT :grants) t""",
            f"""INSERT INTO article_requests (id, batch, partner_id, article_id, status, note,
                reason, decided_at, version, created_at)
            SELECT g.id, 'scale-' || g.id, g.partner_id, g.article_id, 'granted', '', '',
                {d.ts("g.at")}, 1, {d.ts("g.at")}
            FROM scale_granted g""",
            # Pending (the staff queue) and refused requests, over the last 60 days.
            f"""INSERT INTO article_requests (id, batch, partner_id, article_id, status, note,
                reason, decided_at, version, created_at)
            SELECT :grants + row_number() OVER (ORDER BY q.n), 'scale-q' || q.n, q.partner_id,
                q.article_id,
                CASE WHEN q.n % 3 = 0 AND q.n / 3 % 3 = 0 THEN 'refused' ELSE 'pending' END,
                'For our weekend edition.',
                CASE WHEN q.n % 3 = 0 AND q.n / 3 % 3 = 0 THEN 'Not in your territory.'
                     ELSE '' END,
                NULL, 1, {d.ts(":now - 86400 * 60 + q.n % 5183 * 1000")}
            FROM scale_pairs q WHERE q.n % 3 = 0 ORDER BY q.n LIMIT :pending + :refused""",
        ],
        "grants": [
            f"""INSERT INTO grants (id, licence_id, partner_id, article_id, request_id,
                rule_set_id, revision_number, status, valid_from, valid_until, revoked_at,
                revoked_reason, revoked_public_reason, terms, odrl, terms_hash, created_at)
            SELECT g.id, 'scale-' || g.id, g.partner_id, g.article_id, g.id, 1, 1,
                CASE WHEN g.id * 13 % 100 < 5 THEN 'revoked'
                     WHEN g.id * 13 % 100 < 8 THEN 'expired' ELSE 'active' END,
                {d.ts("g.at")},
                CASE WHEN g.id * 13 % 100 BETWEEN 5 AND 7 THEN {d.ts("g.at + 86400 * 30")} END,
                CASE WHEN g.id * 13 % 100 < 5 THEN {d.ts("g.at + 86400")} END,
                CASE WHEN g.id * 13 % 100 < 5 THEN 'Taken down.' ELSE '' END, '',
                '{{}}', '{{}}', 'scale', {d.ts("g.at")}
            FROM scale_granted g""",
            "DROP TABLE scale_draws",
            "DROP TABLE scale_pairs",
            "DROP TABLE scale_granted",
        ],
        # Newer grants are downloaded most; each download after its grant was issued.
        "downloads": [
            f"""INSERT INTO downloads (grant_id, partner_id, package_hash, format, size,
                created_at)
            SELECT g.id, g.partner_id, 'scale', 'zip', 40000,
                {d.ts(f"{d.least}({granted('g')} + x.after, :now - 1)")}
            FROM (SELECT 1 + {idx(f":grants * (1 - power({rand}, 2))")} AS grant_id,
                    {idx(f"{rand} * 86400 * 30")} AS after
                  FROM {d.series("downloads")}) x
            JOIN grants g ON g.id = x.grant_id""",
        ],
    }


def pools(figures: dict[str, int]) -> dict[str, list[dict]]:
    """Paragraphs, headlines and bylines made of Zipf-distributed words (bench/search.py's)."""
    rng = random.Random(SEED)
    words = vocabulary(rng)
    cumulative, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1 / rank
        cumulative.append(total)

    def text(k: int) -> str:
        return " ".join(rng.choices(words, cum_weights=cumulative, k=k))

    paragraphs = []
    for n in range(1, figures["paragraphs"] + 1):
        k = rng.randint(18, 32)
        paragraphs.append({"id": n, "text": text(k), "words": k})
    headlines = [
        {"id": n, "text": text(rng.randint(5, 10)).capitalize()}
        for n in range(1, figures["titles"] + 1)
    ]
    names = [
        {"id": n, "text": f"{rng.choice(words[200:]).title()} {rng.choice(words[200:]).title()}"}
        for n in range(1, figures["names"] + 1)
    ]
    return {"scale_paragraphs": paragraphs, "scale_headlines": headlines, "scale_names": names}


def secondary_indexes(conn: sa.Connection, dialect: Dialect) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the filled tables' indexes that back no constraint."""
    tables = list(FILLED)
    if dialect.pg:
        rows = conn.execute(
            sa.text(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = ANY(:tables) AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
            ),
            {"tables": tables},
        )
    else:
        rows = conn.execute(
            sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({', '.join(repr(t) for t in tables)})"
            )
        )
    return [(name, sql) for name, sql in rows]


def fill(url: str, figures: dict[str, int]) -> None:
    """Every table in bulk; the secondary indexes built once after, then the statistics."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    d = Dialect(engine.dialect.name)
    now = datetime.now(UTC).replace(microsecond=0)
    params = {
        **figures,
        "now": int(now.timestamp()),
        "step": 10 * 365 * 86400 / figures["articles"],
        "three": 3,
        "candidates": (figures["grants"] + figures["pending"] + figures["refused"]) * 2,
    }
    started = time.perf_counter()
    with engine.begin() as conn:
        if d.pg:
            # Consistent by construction: no foreign-key triggers while loading.
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            conn.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
            conn.execute(sa.text("SET LOCAL work_mem = '64MB'"))
            conn.execute(sa.text("SELECT setseed(0.24)"))
        indexes = secondary_indexes(conn, d)
        for name, _ in indexes:
            conn.execute(sa.text(f"DROP INDEX {name}"))
        for table, rows in pools(figures).items():
            extra = ", words INTEGER" if table == "scale_paragraphs" else ""
            create = f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, text TEXT{extra})"
            conn.execute(sa.text(create))
            columns = ", ".join(rows[0])
            values = ", ".join(f":{c}" for c in rows[0])
            conn.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), rows)
        for table, statements in fill_statements(d).items():
            at = time.perf_counter()
            for statement in statements:
                conn.execute(sa.text(statement), params)
            count = conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            print(f"  {table:<20} {count:>12,} rows  {time.perf_counter() - at:7.1f} s")
        for table in pools(figures):
            conn.execute(sa.text(f"DROP TABLE {table}"))
        at = time.perf_counter()
        for _, create in indexes:
            conn.execute(sa.text(create))
        print(f"  {len(indexes)} secondary indexes built in {time.perf_counter() - at:.1f} s")
        if d.pg:
            # Rows carry their own ids: the sequences continue after them.
            for table in FILLED:
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                    )
                    if table != "article_tags"
                    else sa.text("SELECT 1")
                )
    at = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if d.pg else "ANALYZE"))
    print(f"  vacuum/analyze {time.perf_counter() - at:.1f} s; filled in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    engine.dispose()


# --- the app and its users ------------------------------------------------------------------


def bench_app(url: str) -> Flask:
    queue = Path(tempfile.mkdtemp(prefix="bench-scale-")) / "tasks.db"
    # The catalogue keeps pages it made (views/catalogue.py): here every page is made anew,
    # so the figures are the queries at this scale; bench/http.py times the kept pages.
    config = type(
        "BenchConfig",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TASK_QUEUE_URL": f"sqlite:///{queue}",
            "CATALOGUE_MEMORY_MB": 0,
        },
    )
    return create_app(config)


@dataclass(frozen=True, slots=True)
class Fixture:
    partner_id: int  # the partner with the most grants, approved
    article_id: int  # the article with the most grants
    api_key: str


def accounts() -> Fixture:
    """A staff user (second factor on), the busiest partner's administrator and an API key."""
    partner_id = db.session.scalar(
        sa.text(
            "SELECT g.partner_id FROM grants g JOIN partners p ON p.id = g.partner_id "
            "WHERE p.status = 'approved' GROUP BY g.partner_id ORDER BY count(*) DESC LIMIT 1"
        )
    )
    article_id = db.session.scalar(
        sa.text("SELECT article_id FROM grants GROUP BY article_id ORDER BY count(*) DESC LIMIT 1")
    )
    staff = users.find_by_email(STAFF_EMAIL)
    if staff is None:
        staff = users.create_user(STAFF_EMAIL, Role.STAFF, password=PASSWORD)
        secret = two_factor.new_secret()
        step = pyotp.TOTP(secret).timecode(datetime.now(UTC)) - 1
        two_factor.enable(staff, secret, pyotp.TOTP(secret).generate_otp(step))
    editor = users.find_by_email(PARTNER_EMAIL)
    if editor is None:
        partner = db.session.get(Partner, partner_id)
        editor = users.create_user(
            PARTNER_EMAIL, Role.PARTNER, password=PASSWORD, partner=partner, partner_admin=True
        )
    _, secret = apikeys.create_key(editor, f"bench/scale.py {datetime.now(UTC):%H:%M:%S}")
    return Fixture(partner_id, article_id, secret)


def logged_in(app: Flask, email: str):
    """A test client logged in through the real form (and second factor when asked)."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code == 302 and response.location.endswith("/login/code"):
        with app.app_context():
            user = users.find_by_email(email)
            secret = two_factor.secret_of(user)
            now = pyotp.TOTP(secret).timecode(datetime.now(UTC))
            code = pyotp.TOTP(secret).generate_otp(max(now, (user.totp_last_step or 0) + 1))
        response = client.post("/login/code", data={"code": code})
    assert response.status_code == 302, f"login of {email} answered {response.status_code}"
    return client


# --- timing ---------------------------------------------------------------------------------

_NEXT = re.compile(r'<a\b[^>]*\brel="next"[^>]*>')
_HREF = re.compile(r'\bhref="([^"]*)"')


def next_url(url: str, response) -> str | None:
    """The page's own "next" link: rel="next" in HTML, the next cursor (or link) in JSON."""
    if response.is_json:
        body = response.get_json()
        if body.get("next"):
            return body["next"]
        cursor = body.get("next_cursor")
        if not cursor:
            return None
        path, _, query = url.partition("?")
        kept = [p for p in query.split("&") if p and not p.startswith("cursor=")]
        return f"{path}?{'&'.join([*kept, urlencode({'cursor': cursor})])}"
    anchor = _NEXT.search(response.get_data(as_text=True))
    href = _HREF.search(anchor[0]) if anchor else None
    return html.unescape(href[1]) if href else None


def page_of(client, url: str, depth: int, headers: dict) -> str:
    """The URL of page ``depth``, reached from ``url`` by following "next" links."""
    for page in range(1, depth):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        following = next_url(url, response)
        if following is None:
            raise LookupError(f"the list ends at page {page}, before page {depth}")
        url = following
    return url


def timed(call: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds per call, after one warm-up.

    Requests run outside any app context, each in its own as in production (an
    outer one would be shared, and with it ``g`` and the logged-in user).
    """
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def by_primary_key(app: Flask, article_id: int, runs: int) -> list[float]:
    """The baseline: one article fetched by its primary key, a fresh session each time."""

    def fetch() -> None:
        db.session.get(Article, article_id)
        db.session.remove()

    with app.app_context():
        return timed(fetch, runs)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


@dataclass(frozen=True, slots=True)
class Case:
    label: str
    client: str  # "staff", "partner" or "api"
    url: str
    depth: int = 1


def cases(fixture: Fixture, today: datetime) -> list[Case]:
    """What is timed: every page twice where a deep page differs from the first."""
    year_ago = (today - timedelta(days=365)).date()
    two_years_ago = (today - timedelta(days=730)).date()
    dates = {"date_from": two_years_ago.isoformat(), "date_to": year_ago.isoformat()}
    queries = [
        ("newest", {}),
        ("text 'election'", {"q": "election"}),
        ("tag topic-2", {"tag": "topic-2"}),
        ("date range", dates),
    ]
    found = []
    for who, path in (("staff", "/staff/articles"), ("partner", "/portal/catalogue")):
        for name, query in queries:
            url = f"{path}?{urlencode(query)}" if query else path
            found.append(Case(f"{who} catalogue: {name}", who, url))
            found.append(Case(f"{who} catalogue: {name}, p{DEEP_PAGE}", who, url, DEEP_PAGE))
    found += [
        Case("API articles", "api", "/api/v1/articles?limit=25"),
        Case(f"API articles, p{API_DEPTH}", "api", "/api/v1/articles?limit=25", API_DEPTH),
        Case("API articles: text", "api", "/api/v1/articles?limit=25&q=election"),
        Case(
            f"API articles: text, p{API_DEPTH}",
            "api",
            "/api/v1/articles?limit=25&q=election",
            API_DEPTH,
        ),
        Case("partner's grants (staff page)", "staff", f"/staff/partners/{fixture.partner_id}"),
        Case("partner's grants (dashboard)", "partner", "/portal/"),
        Case("API grants", "api", "/api/v1/grants?limit=25"),
        Case(f"API grants, p{API_DEPTH}", "api", "/api/v1/grants?limit=25", API_DEPTH),
        Case("staff request queue", "staff", "/staff/requests"),
        Case(f"staff request queue, p{DEEP_PAGE}", "staff", "/staff/requests", DEEP_PAGE),
        Case("request queue: all statuses", "staff", "/staff/requests?status="),
        Case("article page with holders", "staff", f"/staff/articles/{fixture.article_id}"),
    ]
    return found


def measure(app: Flask, fixture: Fixture, runs: int, only: str | None) -> list[tuple[str, float]]:
    """Time every case; returns (label, median) for each."""
    clients = {
        "staff": (logged_in(app, STAFF_EMAIL), {}),
        "partner": (logged_in(app, PARTNER_EMAIL), {}),
        "api": (app.test_client(), {"Authorization": f"Bearer {fixture.api_key}"}),
    }
    base = by_primary_key(app, fixture.article_id, runs * 4)
    base_median = statistics.median(base)
    floor_client = app.test_client()
    floor = timed(lambda: floor_client.get("/healthz"), runs * 2)
    print(f"\nbaseline: one article by primary key, median {base_median:.2f} ms "
          f"(p95 {p95(base):.2f} ms); request floor /healthz median "
          f"{statistics.median(floor):.2f} ms (p95 {p95(floor):.2f} ms)")  # fmt: skip
    header = f"{'page':<40} {'median ms':>10} {'p95 ms':>8} {'× base':>8}"
    print(header)
    print("-" * len(header))
    medians = []
    for case in cases(fixture, datetime.now(UTC)):
        if only and only not in case.label:
            continue
        client, headers = clients[case.client]
        try:
            url = page_of(client, case.url, case.depth, headers)
        except LookupError as exc:
            print(f"{case.label:<40} skipped: {exc}")
            continue
        except Exception as exc:
            print(f"{case.label:<40} FAILED on the way: {type(exc).__name__}: {exc}")
            medians.append((case.label, float("inf")))
            continue

        def get(client=client, url=url, headers=headers):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, f"{url} answered {response.status_code}"

        try:
            samples = timed(get, runs)
        except Exception as exc:  # one broken page must not hide the others' figures
            print(f"{case.label:<40} FAILED: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            medians.append((case.label, float("inf")))
            continue
        median = statistics.median(samples)
        medians.append((case.label, median))
        flag = "" if median < TARGET_MS else "  over target"
        print(f"{case.label:<40} {median:>10.1f} {p95(samples):>8.1f} "
              f"{median / base_median:>7.0f}x{flag}", flush=True)  # fmt: skip
    return medians


IMPORTED = 100  # new articles per timed import


def import_feed(round_: int) -> bytes:
    """An RSS feed of IMPORTED new stories, a tenth of them under one recurring headline."""
    items = []
    for n in range(IMPORTED):
        title = "Letters to the editor" if n % 10 == 0 else f"Council story {round_}-{n}"
        items.append(
            f"<item><title>{title}</title><guid>bench-import-{round_}-{n}</guid>"
            f"<link>https://news.example.org/bench-import/{round_}/{n}</link>"
            f"<description>&lt;p&gt;Story {round_}-{n} of the timed import, in a few"
            " words of its own.&lt;/p&gt;</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Bench wire</title><link>https://news.example.org/</link>{''.join(items)}"
        "</channel></rss>"
    ).encode()


def import_into(app: Flask, rounds: int = 3) -> None:
    """Time importing IMPORTED new articles into the archive (each import then deleted)."""
    from syndication.services import importing

    per_item = []
    with app.app_context():
        for round_ in range(rounds):
            feed = import_feed(round_)
            started = time.perf_counter()
            report = importing.import_file(feed, "bench-import.xml")
            per_item.append((time.perf_counter() - started) * 1000 / IMPORTED)
            ids = [item.article_id for item in report.items]
            db.session.execute(sa.delete(Article).where(Article.id.in_(ids)))
            db.session.commit()
        db.session.remove()
    print(f"\nan import of {IMPORTED} new articles into the archive (a tenth under one recurring"
          f" headline): median {statistics.median(per_item):.1f} ms an item"
          f" over {rounds} imports, each deleted after")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=DEFAULT_SERVER, help="a PostgreSQL server URL")
    parser.add_argument("--sqlite", action="store_true", help="SQLite (bench/out/scale.db)")
    parser.add_argument("--articles", type=int, help="default 1,000,000 (SQLite 200,000)")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="re-time the database --keep left")
    parser.add_argument("--only", help="time only the pages whose label contains this")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, even in a log
    target = target_for(args)
    articles = args.articles or (SQLITE_ARTICLES if args.sqlite else PG_ARTICLES)
    figures = figures_for(articles)
    if args.reuse and not target.exists():
        sys.exit("nothing to reuse: run with --keep first")
    what = "the kept database" if args.reuse else f"{articles:,} articles"
    print(f"scale benchmark on {target.dialect}, {what} ({target.url.rsplit('/', 1)[-1]}); "
          f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")  # fmt: skip
    keep = args.keep or args.reuse
    try:
        if not args.reuse:
            target.create()
        migrate(target.url)
        if not args.reuse:
            print("fill:")
            fill(target.url, figures)
        app = bench_app(target.url)
        with app.app_context():
            fixture = accounts()
            db.session.remove()
        medians = measure(app, fixture, args.runs, args.only)
        if not args.only:
            import_into(app)
        with app.app_context():
            db.engine.dispose()
        worst = max(medians, key=lambda m: m[1])
        verdict = "met" if worst[1] < TARGET_MS else "NOT met"
        over = [label for label, median in medians if median >= TARGET_MS]
        print(f"\nslowest median {worst[1]:.1f} ms ({worst[0]}); target every page under "
              f"{TARGET_MS:.0f} ms median: {verdict}"
              + (f" ({len(over)} over)" if over else "")
              + f"; load {os.getloadavg()[0]:.2f}")  # fmt: skip
    finally:
        if not keep:
            target.drop()
        elif not args.reuse:
            print(f"kept; re-time with: .venv/bin/python bench/scale.py --reuse"
                  f"{' --sqlite' if args.sqlite else ''}")  # fmt: skip


if __name__ == "__main__":
    main()
