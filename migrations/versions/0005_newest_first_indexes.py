"""newest-first indexes for PostgreSQL listings

Revision ID: 0005_newest_first_indexes
Revises: 0004_recount_words
Create Date: 2026-11-25 23:45:00.000000

Catalogue and article lists show the newest first, undated articles last:
ORDER BY published_at DESC NULLS LAST, id DESC. SQLite's indexes serve that
as they are (a descending scan puts NULLs last there); PostgreSQL's put NULLs
first in a descending scan, so without an index in exactly this order it
sorted every article (110 ms over 100,000) to show 25. The section filter
gets the same order under its section. PostgreSQL only: like the search
index, these exist in the database and not in the models (see
``services.search.SEARCH_INDEXES``).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_newest_first_indexes"
down_revision = "0004_recount_words"
branch_labels = None
depends_on = None

NEWEST = "published_at DESC NULLS LAST, id DESC"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_articles_newest ON articles ({NEWEST})")
    op.execute(f"CREATE INDEX ix_articles_section_newest ON articles (section, {NEWEST})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_articles_section_newest")
    op.execute("DROP INDEX ix_articles_newest")
