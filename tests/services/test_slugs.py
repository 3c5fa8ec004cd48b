"""Every article's slug is its own, found by looking slugs up, never by scanning them."""

from __future__ import annotations

import sqlalchemy as sa

from syndication.extensions import db
from syndication.ingest.drafts import ArticleDraft
from syndication.models import Article
from syndication.services import articles


def _letters(count: int, start: int = 0) -> list[str]:
    """Import ``count`` different stories under one recurring headline; their slugs."""
    made = []
    for n in range(start, start + count):
        draft = ArticleDraft(
            headline="Letters to the editor",
            body_html=f"<p>Letter number {n} says something of its own.</p>",
            source_id=f"letters-{n}",
            canonical_url=f"https://news.example.org/letters/{n}",
        )
        made.append(articles.import_draft(draft).article.slug)
    return made


def test_a_recurring_headline_gets_the_next_free_number() -> None:
    slugs = _letters(5)
    assert slugs == [
        "letters-to-the-editor",
        "letters-to-the-editor-2",
        "letters-to-the-editor-3",
        "letters-to-the-editor-4",
        "letters-to-the-editor-5",
    ]


def test_a_slug_freed_by_a_deletion_is_taken_again() -> None:
    _letters(4)
    db.session.execute(sa.delete(Article).where(Article.slug == "letters-to-the-editor-2"))
    db.session.commit()
    assert _letters(1, start=10) == ["letters-to-the-editor-2"]


def test_a_headline_recurring_past_the_first_batches_gets_every_next_number() -> None:
    slugs = _letters(100)
    # Past the first batch (1-32) and the second (33-96): none skipped, none repeated.
    assert slugs == ["letters-to-the-editor"] + [
        f"letters-to-the-editor-{n}" for n in range(2, 101)
    ]


def test_a_number_freed_in_a_later_batch_is_taken_again() -> None:
    _letters(70)
    db.session.execute(sa.delete(Article).where(Article.slug == "letters-to-the-editor-65"))
    db.session.commit()
    assert _letters(2, start=100) == ["letters-to-the-editor-65", "letters-to-the-editor-71"]


def test_another_headline_that_begins_the_same_is_not_counted() -> None:
    draft = ArticleDraft(headline="Letters to the editor: the tram", body_html="<p>Trams.</p>")
    articles.import_draft(draft)
    assert _letters(1) == ["letters-to-the-editor"]


def test_the_slug_is_found_with_the_index_not_by_reading_every_slug(app) -> None:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "articles.slug" in statement and statement.lstrip().startswith("SELECT"):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        _letters(3)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    # A pattern (LIKE 'base-%') reads every slug: no database indexes it as compared here.
    assert seen and not any("LIKE" in statement.upper() for statement in seen), seen
