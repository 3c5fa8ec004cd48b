"""recount words: stored counts from before block tags separated words

Revision ID: 0004_recount_words
Revises: 0003_article_content_version
Create Date: 2026-11-25 23:00:00.000000

Word counts used to strip every tag and split on white space, so a body
without white space between its blocks ("end.</p><p>Start") was under-counted.
The count is stored with the article; this recounts every article's current
body the way ``services.articles.word_count`` now does. An article whose count
changes gets its ``content_version`` bumped, since packages carry the count.

The counting rule is copied here on purpose: a migration must do tomorrow what
it does today, whatever later becomes of the application's function.
"""

import re

import nh3
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_recount_words"
down_revision = "0003_article_content_version"
branch_labels = None
depends_on = None

_BLOCK_TAG = re.compile(
    r"</?(?:p|h[1-6]|li|ul|ol|dl|dt|dd|blockquote|pre|div|figure|figcaption|table|caption"
    r"|thead|tbody|tfoot|tr|td|th|br|hr)\b[^>]*>",
    re.IGNORECASE,
)
_PAGE = 500

_articles = sa.table(
    "articles",
    sa.column("id", sa.Integer),
    sa.column("body_html", sa.Text),
    sa.column("word_count", sa.Integer),
    sa.column("content_version", sa.Integer),
)


def _word_count(body_html: str) -> int:
    return len(nh3.clean(_BLOCK_TAG.sub(" ", body_html or ""), tags=set()).split())


def upgrade() -> None:
    connection = op.get_bind()
    recount = (
        sa.update(_articles)
        .where(_articles.c.id == sa.bindparam("article_id"))
        .values(
            word_count=sa.bindparam("counted"),
            content_version=_articles.c.content_version + 1,
        )
    )
    after = 0
    # Pages by id: bodies are large, and no cursor stays open across the updates.
    while True:
        page = connection.execute(
            sa.select(_articles.c.id, _articles.c.body_html, _articles.c.word_count)
            .where(_articles.c.id > after)
            .order_by(_articles.c.id)
            .limit(_PAGE)
        ).all()
        if not page:
            break
        changed = [
            {"article_id": article_id, "counted": counted}
            for article_id, body, stored in page
            if (counted := _word_count(body)) != stored
        ]
        if changed:
            connection.execute(recount, changed)
        after = page[-1].id


def downgrade() -> None:
    # The recounted figures are right under either schema: nothing to undo.
    pass
