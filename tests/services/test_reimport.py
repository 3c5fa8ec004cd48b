"""Re-importing is idempotent: the same items update, never duplicate."""

from __future__ import annotations

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import Article, ArticleRevision
from syndication.services import articles, importing


def _import(data: bytes, name: str) -> list[articles.ImportResult]:
    return [articles.import_draft(d) for d in importing.drafts_from_bytes(data, name)]


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Article)),
        db.session.scalar(sa.select(sa.func.count()).select_from(ArticleRevision)),
    )


def test_importing_a_feed_twice_creates_no_duplicates(shared_dir):
    feed = (shared_dir / "corpus" / "feeds" / "guardian-us.rss").read_bytes()
    first = _import(feed, "guardian-us.rss")
    assert first and all(r.created for r in first)
    counts = _counts()
    again = _import(feed, "guardian-us.rss")
    assert not any(r.created or r.revised for r in again)
    assert _counts() == counts


def test_changing_one_item_makes_exactly_one_new_revision(shared_dir):
    feed = (shared_dir / "corpus" / "feeds" / "guardian-us.rss").read_bytes()
    results = _import(feed, "guardian-us.rss")
    articles_before, revisions_before = _counts()
    target = results[0].article
    changed = feed.replace(target.headline.encode(), b"A corrected headline", 1)
    assert changed != feed
    again = _import(changed, "guardian-us.rss")
    assert sum(r.revised for r in again) == 1
    assert _counts() == (articles_before, revisions_before + 1)
    db.session.refresh(target)
    assert target.headline == "A corrected headline"
    assert target.current_revision == 2
    assert target.revisions[-1].note.endswith("(content changed)")


def test_wxr_export_reimport_is_idempotent(shared_dir):
    wxr = (shared_dir / "corpus" / "wxr" / "importer-small-export.xml").read_bytes()
    first = _import(wxr, "export.xml")
    assert first
    counts = _counts()
    _import(wxr, "export.xml")
    assert _counts() == counts


def test_the_same_headline_lookup_reads_its_index_not_every_article(app):
    """Each imported item may look its headline up: on a large archive a scan per item."""
    statement = articles.same_headline("a story told twice")
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # A fresh table is tiny, where a scan is cheaper: make the planner show its choice.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
        plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN {compiled}").scalars())
    else:
        compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
        plan = "\n".join(
            str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
        )
    assert "ix_articles_headline_lower" in plan, plan
