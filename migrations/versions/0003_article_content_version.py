"""article content version: a counter bumped whenever anything a package is built from changes

Revision ID: 0003_article_content_version
Revises: 0002_article_search
Create Date: 2026-11-25 21:00:00.000000

A cached download checks this one number (with the grant, partner and
organisation it reads anyway) instead of reloading the article, its current
revision, assets and tags to recompute the package's content hash.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_article_content_version"
down_revision = "0002_article_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default: no table copy on SQLite, so the
    # search triggers on articles stay as they are.
    op.add_column(
        "articles",
        sa.Column("content_version", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("content_version")
