"""scale indexes: holders' counts from the index alone, the request queue in time order

Revision ID: 0026_scale_indexes
Revises: 0023_reports
Create Date: 2026-12-07 15:55:00.000000

Found with bench/scale.py (a million articles, two million downloads) and EXPLAIN
ANALYZE. An article's or a partner's holders are listed with each grant's download
count and last download: on (grant_id) alone that read every download row from the
table (18,000 rows, 360 ms for one much-held article); on (grant_id, created_at) the
count and the latest time come from the index. It replaces the single-column index,
which it serves as well. Notice deliveries are counted per grant on the same pages
(and set to NULL when a grant goes) but had no index on grant_id. The staff request
queue lists every status oldest first: with no index led by the time it sorted all
requests for each page.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_scale_indexes"
down_revision = "0025_revision_forms"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.create_index("ix_downloads_grant_created", ["grant_id", "created_at"])
        batch_op.drop_index("ix_downloads_grant_id")
    with op.batch_alter_table("notice_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_notice_deliveries_grant_id", ["grant_id"])
    with op.batch_alter_table("article_requests", schema=None) as batch_op:
        batch_op.create_index("ix_article_requests_created", ["created_at", "id"])


def downgrade():
    with op.batch_alter_table("article_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_article_requests_created")
    with op.batch_alter_table("notice_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_deliveries_grant_id")
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.create_index("ix_downloads_grant_id", ["grant_id"])
        batch_op.drop_index("ix_downloads_grant_created")
