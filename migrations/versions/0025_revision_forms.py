"""revision forms: each revision's body forms, stored with it for every package built from it

Revision ID: 0025_revision_forms
Revises: 0023_reports
Create Date: 2026-12-07 15:40:00.000000

What a package holds that depends on the revision alone (the prepared body under
each pair of flags, its plain text, Markdown and NewsML-G2 XHTML) is made once and
stored in ``article_revisions.forms``, so that building a grant's package only puts
it together with the grant's terms and pixel. The column is added empty: existing
revisions get their forms from the worker's upkeep (``package_sources.fill_forms``),
a batch at a time, and any read before that makes them in memory. Nothing is
computed here, so the migration takes the same moment on a million revisions.
A partial index on the revisions still without forms lets the upkeep find them
without reading every revision each minute.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_revision_forms"
down_revision = "0024_monthly_views"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("article_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forms", sa.Text(), nullable=True))
    op.create_index(
        "ix_article_revisions_without_forms",
        "article_revisions",
        ["article_id", "number"],
        postgresql_where=sa.text("forms IS NULL"),
        sqlite_where=sa.text("forms IS NULL"),
    )


def downgrade():
    op.drop_index("ix_article_revisions_without_forms", table_name="article_revisions")
    with op.batch_alter_table("article_revisions", schema=None) as batch_op:
        batch_op.drop_column("forms")
