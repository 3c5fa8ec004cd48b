"""headline lookup: the import's same-story search reads an index, not every article

Revision ID: 0034_headline_lookup
Revises: 0033_catalogue_version
Create Date: 2026-12-07 19:45:00.000000

When no source id, URL or fingerprint matches, an import looks for an article
under the same headline whatever its case (``lower(headline) = …``). Without an
index on that expression every imported item read the whole articles table: a
3,000-item feed spent 15 s in that one statement on SQLite, and on a
million-article archive each item would be a sequential scan. SQLite and
PostgreSQL both index the expression, and both use the index for the query
exactly as the service writes it.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0034_headline_lookup"
down_revision = "0033_catalogue_version"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_articles_headline_lower", "articles", [sa.text("lower(headline)")])


def downgrade():
    op.drop_index("ix_articles_headline_lower", table_name="articles")
