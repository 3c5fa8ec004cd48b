"""article public note: the latest correction or update note every package shows

Revision ID: 0012_article_public_note
Revises: 0011_account_security
Create Date: 2026-12-03 16:00:00.000000

Plain ADD COLUMN, as in 0007: no batch copy of the articles table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_article_public_note"
down_revision = "0011_account_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "articles", sa.Column("public_note", sa.Text(), nullable=False, server_default="")
    )
    op.add_column(
        "articles",
        sa.Column("public_note_kind", sa.String(length=16), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("articles", "public_note_kind")
    op.drop_column("articles", "public_note")
