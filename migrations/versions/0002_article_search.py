"""article search: FTS5 on SQLite, a weighted tsvector with a GIN index on PostgreSQL

Revision ID: 0002_article_search
Revises: 0001_initial
Create Date: 2026-11-26 10:00:00.000000

Both index the same text: headline, dek, body_html with its tags (and the
entities nh3 writes) replaced by spaces, and the bylines (a JSON list). Words
are only lower-cased, not stemmed, so prefix matching of a half-typed word
behaves the same on both databases.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_article_search"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# SQLite has no regular expressions, so the body is split into a JSON array
# at every "<" and ">" and the fragments that are tags are left out. nh3
# escapes "<" in text, so a raw "<" always opens a tag.
SQLITE_BODY = """coalesce((
    SELECT group_concat(value, ' ')
    FROM json_each('[' || replace(replace(json_quote({row}.body_html),
        '<', '","<'), '>', '>","') || ']')
    WHERE value NOT LIKE '<%'
), '')"""
SQLITE_ENTITIES = ("&amp;", "&nbsp;", "&lt;", "&gt;", "&quot;", "&#39;")
SQLITE_BYLINES = """coalesce((
    SELECT group_concat(value, ' ') FROM json_each({row}.bylines) WHERE type = 'text'
), '')"""


def _sqlite_values(row: str) -> str:
    """The indexed values of one articles row (NEW, OLD or a table alias)."""
    body = SQLITE_BODY.format(row=row)
    for entity in SQLITE_ENTITIES:
        body = f"replace({body}, '{entity}', ' ')"
    bylines = f"CASE WHEN json_valid({row}.bylines) THEN {SQLITE_BYLINES.format(row=row)} END"
    return f"{row}.id, {row}.headline, {row}.dek, {body}, coalesce({bylines}, '')"


PG_VECTOR = """
    setweight(to_tsvector('simple', headline), 'A')
    || setweight(to_tsvector('simple', dek), 'B')
    || setweight(to_tsvector('simple', regexp_replace(
        body_html, '<[^>]*>|&(amp|nbsp|lt|gt|quot|#39);', ' ', 'g')), 'C')
    || setweight(to_tsvector('simple', bylines), 'C')
"""


def upgrade():
    # The embargo filter ("embargoed now") is selective; the model has no index for it.
    op.create_index("ix_articles_embargo_until", "articles", ["embargo_until"])
    if op.get_bind().dialect.name == "postgresql":
        # Generated, so every write path (ORM, bulk SQL, COPY) keeps it current.
        op.execute(
            f"ALTER TABLE articles ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")
        return
    # Contentless: the text already lives in articles, the index holds only
    # tokens. Deleting from it needs the values once indexed, which the
    # triggers recompute from OLD (the expressions are deterministic).
    op.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5("
        "headline, dek, body, bylines, content='', "
        "tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
    )
    columns = "rowid, headline, dek, body, bylines"
    op.execute(
        f"""CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts ({columns}) VALUES ({_sqlite_values("NEW")});
        END"""
    )
    op.execute(
        f"""CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, {columns})
            VALUES ('delete', {_sqlite_values("OLD")});
        END"""
    )
    # Only the indexed columns: a policy or embargo change leaves the index alone.
    op.execute(
        f"""CREATE TRIGGER articles_fts_update
        AFTER UPDATE OF headline, dek, body_html, bylines ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, {columns})
            VALUES ('delete', {_sqlite_values("OLD")});
            INSERT INTO articles_fts ({columns}) VALUES ({_sqlite_values("NEW")});
        END"""
    )
    op.execute(
        f"INSERT INTO articles_fts ({columns}) SELECT {_sqlite_values('articles')} FROM articles"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_articles_search_vector")
        op.execute("ALTER TABLE articles DROP COLUMN search_vector")
    else:
        # IF EXISTS: 0003's downgrade copies the articles table, which drops its triggers.
        for trigger in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE articles_fts")
    op.drop_index("ix_articles_embargo_until", table_name="articles")
