"""fold sections: "World" and "world" become one section

Revision ID: 0013_fold_sections
Revises: 0012_article_public_note
Create Date: 2026-12-03 15:45:00.000000

Each group of sections that differ only in case (and spacing) takes the spelling of
its oldest article, as new imports now do (services.articles.canonical_section).
Articles whose section changes get a new content_version, so packages built from
the old spelling are not served again. Downgrading keeps the folded spellings: the
old ones are not recorded anywhere.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_fold_sections"
down_revision = "0012_article_public_note"
branch_labels = None
depends_on = None

articles = sa.table(
    "articles",
    sa.column("id", sa.Integer),
    sa.column("section", sa.String),
    sa.column("content_version", sa.Integer),
)


def _key(section: str) -> str:
    return " ".join(section.split()).casefold()


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(articles.c.id, articles.c.section)
        .where(articles.c.section != "")
        .order_by(articles.c.id)
    ).all()
    spelling: dict[str, str] = {}
    for _, section in rows:
        spelling.setdefault(_key(section), " ".join(section.split()))
    for article_id, section in rows:
        wanted = spelling[_key(section)]
        if section != wanted:
            conn.execute(
                articles.update()
                .where(articles.c.id == article_id)
                .values(section=wanted, content_version=articles.c.content_version + 1)
            )


def downgrade() -> None:
    pass
