"""How fast catalogue search answers on a 100,000-article catalogue.

Run from the project root: ``python bench/search.py [--database-url URL]``.
It builds the catalogue once per database (SQLite: a file under bench/out/;
PostgreSQL: a database named ``syndication_bench`` on the server of
``--database-url``, created if missing), migrated like production and filled
by bulk inserts. Then it times the first page of ``search_articles`` for a
set of typical queries and prints the median and p95 in milliseconds next to
a baseline from the same run: the newest 25 articles by the plain
``published_at`` index, no text search. ``--rebuild`` regenerates the data.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Run as `python bench/x.py`, bench/ is sys.path[0], where bench/http.py would
# shadow the standard library's http package: the project root takes its place.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from config import Config
from syndication import create_app
from syndication.extensions import db
from syndication.models import Article, ArticleTag
from syndication.services.search import search_articles

SEED = 20240601
ARTICLES = 100_000
OUT = Path(__file__).resolve().parent / "out"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/syndication_bench"
NOW = datetime(2024, 6, 1, tzinfo=UTC)
REPEATS = 30
BATCH = 5_000

# Real words at the head of a Zipf distribution, invented ones in its tail, so
# a common word is in most articles and a tail word in a few dozen.
COMMON = """
the of and to in a is that for on said with was as it by at from his be has have
government people year new would about after their minister more state last police
million week country officials could president two first told over public health
people city house water report court election budget party plan vote council school
energy market prices company workers war security border farmers climate law federal
children hospital research former leader national committee support foreign trade
economy local tax military rights power family community service program bill deal
statement agency investigation village museum harvest bridge railway festival
"""
SECTIONS = ["politics", "world", "us", "business", "science", "health", "sport", "opinion"]
TAGS = [f"topic-{n}" for n in range(60)]
POLICIES = ["free_eligible"] * 7 + ["licensed"] * 2 + ["not_syndicated"]
RARE = "zeppelin"  # placed in RARE_EVERY-th articles only
RARE_EVERY = 4_000

QUERIES: list[tuple[str, dict]] = [
    ("newest, no query", {}),  # the list every visit opens on
    ("common word", {"query": "government"}),
    ("rare word", {"query": RARE}),
    ("two words", {"query": "election budget"}),
    ("phrase", {"query": '"prime minister"'}),
    ("half-typed word", {"query": "investig"}),
    ("filters only", {"section": "politics", "tag": "topic-3"}),
    ("filters only, dates", {"published_from": date(2024, 1, 1), "policy": "licensed"}),
    ("embargoed now", {"embargoed": True}),
    ("query + filters", {"query": "election", "section": "politics", "policy": "licensed"}),
    (
        "query + date",
        {"query": "health hospital", "published_from": date(2023, 6, 1), "embargoed": False},
    ),
    # What partners run: their catalogue leaves out articles that are not offered.
    ("partner: newest", {"offered_only": True}),
    ("partner: common word", {"query": "government", "offered_only": True}),
    ("partner: rare word", {"query": RARE, "offered_only": True}),
    ("partner: section", {"section": "politics", "offered_only": True}),
]


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    """COMMON first, then pronounceable invented words."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words = dict.fromkeys(COMMON.split())
    while len(words) < size:
        words["".join(rng.choices(syllables, k=rng.randint(2, 4)))] = None
    words.pop(RARE, None)
    return list(words)


def generate(count: int) -> Iterator[tuple[dict, list[str]]]:
    """Article rows (as column values) and their tags, deterministic per SEED."""
    rng = random.Random(SEED)
    words = vocabulary(rng)
    weights = list(_cumulative(1 / rank for rank in range(1, len(words) + 1)))
    names = [f"{rng.choice(words).title()} {rng.choice(words).title()}" for _ in range(400)]
    start = datetime(2019, 6, 1, tzinfo=UTC)

    def text(k: int) -> str:
        return " ".join(rng.choices(words, cum_weights=weights, k=k))

    for n in range(1, count + 1):
        paragraphs = [text(rng.randint(25, 60)) for _ in range(rng.randint(4, 7))]
        if rng.random() < 0.05:
            paragraphs[0] += " prime minister"
        if n % RARE_EVERY == 0:
            paragraphs[-1] += f" {RARE}"
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        published = start + timedelta(seconds=rng.randint(0, 5 * 365 * 86400))
        embargo = NOW + timedelta(days=rng.randint(1, 30)) if rng.random() < 0.002 else None
        row = {
            "id": n,
            "source_id": f"bench:{n}",
            "slug": f"bench-{n}",
            "headline": text(rng.randint(6, 11)).capitalize(),
            "dek": text(rng.randint(12, 24)).capitalize() + ".",
            "bylines": rng.sample(names, rng.choice((1, 1, 1, 2))),
            "dateline": "",
            "section": rng.choice(SECTIONS),
            "language": "en",
            "canonical_url": f"https://news.example/{n}",
            "summary": "",
            "body_html": body,
            "word_count": sum(len(p.split()) for p in paragraphs),
            "published_at": published,
            "updated_at": published,
            "current_revision": 1,
            "origin": "original",
            "policy": rng.choice(POLICIES),
            "embargo_until": embargo,
            "expires_at": None,
            "territory": "",
            "created_at": published,
        }
        yield row, rng.sample(TAGS, rng.randint(0, 4))


def _cumulative(values) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def _batches(count: int) -> Iterator[list[tuple[dict, list[str]]]]:
    batch: list[tuple[dict, list[str]]] = []
    for item in generate(count):
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def load_sqlite(count: int) -> None:
    """executemany through Core, so the FTS5 triggers index every row as in production."""
    articles, tags = Article.__table__, ArticleTag.__table__
    for batch in _batches(count):
        with db.engine.begin() as conn:
            conn.execute(sa.insert(articles), [row for row, _ in batch])
            rows = [{"article_id": row["id"], "tag": t} for row, ts in batch for t in ts]
            if rows:
                conn.execute(sa.insert(tags), rows)


def load_postgresql(count: int) -> None:
    """COPY; the generated search_vector is computed as the rows arrive."""
    columns = list(next(generate(1))[0])
    with db.engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY articles ({', '.join(columns)}) FROM STDIN") as copy:
            tag_rows = []
            for row, tags in generate(count):
                row["bylines"] = json.dumps(row["bylines"])
                copy.write_row([row[c] for c in columns])
                tag_rows.extend((row["id"], t) for t in tags)
        with cursor.copy("COPY article_tags (article_id, tag) FROM STDIN") as copy:
            for tag_row in tag_rows:
                copy.write_row(tag_row)
        conn.execute(sa.text("SELECT setval('articles_id_seq', (SELECT max(id) FROM articles))"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE articles"))
        conn.execute(sa.text("VACUUM ANALYZE article_tags"))


def bench_app(url: str) -> Flask:
    config = type("BenchConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": url})
    return create_app(config)


def prepare(app: Flask, count: int, rebuild: bool) -> None:
    """Migrate, and fill the catalogue unless it is already there."""
    with app.app_context():
        dialect = db.engine.dialect.name
        if rebuild and dialect == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        have = db.session.scalar(sa.select(sa.func.count()).select_from(Article))
        db.session.remove()
        if have == count:
            print(f"  {dialect}: using the cached catalogue of {have:,} articles")
            return
        if have:
            raise SystemExit(f"{dialect}: {have:,} articles, expected {count:,}; use --rebuild")
        started = time.perf_counter()
        (load_postgresql if dialect == "postgresql" else load_sqlite)(count)
        if dialect == "sqlite":
            with db.engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))
                conn.execute(sa.text("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')"))
        print(f"  {dialect}: built {count:,} articles in {time.perf_counter() - started:.0f} s")


def postgresql_url(url: str, name: str = "syndication_bench") -> str | None:
    """The bench database ``name`` on the given server, created if missing; None if unreachable."""
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    server = sa.create_engine(
        sa.make_url(url).set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    try:
        with server.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        print(f"  postgresql: not reachable ({exc.orig}); skipped")
        return None
    finally:
        server.dispose()
    return sa.make_url(url).set(database=name).render_as_string(False)


def timed(call: Callable[[], object], repeats: int = REPEATS) -> list[float]:
    """Milliseconds per call, after two warm-up calls; a fresh session each time."""
    for _ in range(2):
        call()
        db.session.remove()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        db.session.remove()
    return samples


def report(app: Flask) -> None:
    with app.app_context():
        name = db.engine.dialect.name

        def baseline() -> list[Article]:
            newest = sa.select(Article).order_by(Article.published_at.desc()).limit(25)
            return list(db.session.scalars(newest))

        base = statistics.median(timed(baseline))
        print(f"\n{name}: baseline (newest 25 by the published_at index) {base:.2f} ms")
        header = f"{'query':<22} {'matches':>8} {'median ms':>10} {'p95 ms':>8} {'× base':>8}"
        print(header)
        print("-" * len(header))
        for label, params in QUERIES:
            params = {"now": NOW, **params}
            total = search_articles(**params).total
            samples = timed(lambda p=params: search_articles(**p))
            median = statistics.median(samples)
            p95 = statistics.quantiles(samples, n=20)[-1]
            print(f"{label:<22} {total:>8,} {median:>10.2f} {p95:>8.2f} {median / base:>7.1f}x")


def main() -> None:
    """Build (once) and time both databases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_PG_URL, help="a PostgreSQL server")
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--rebuild", action="store_true", help="regenerate the catalogues")
    args = parser.parse_args()

    OUT.mkdir(exist_ok=True)
    sqlite_file = OUT / f"search-{args.articles}.db"
    if args.rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    apps = [bench_app(f"sqlite:///{sqlite_file}")]
    pg_url = postgresql_url(args.database_url)
    if pg_url:
        apps.append(bench_app(pg_url))
    print(f"search benchmark: {args.articles:,} articles, first page of 25, {REPEATS} runs")
    for app in apps:
        prepare(app, args.articles, args.rebuild)
    for app in apps:
        report(app)
    print(
        "\nmatches = total reported by the page; × base = median / the baseline's median."
        "\nTarget: first page under 50 ms median on both databases."
    )


if __name__ == "__main__":
    main()
