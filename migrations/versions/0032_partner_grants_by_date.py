"""partner grants by date: a partner's grants in the order its staff page lists them

Revision ID: 0032_partner_grants_by_date
Revises: 0031_scale_more
Create Date: 2026-12-07 18:30:00.000000

Found with bench/scale.py (a million articles, 200,000 grants) and EXPLAIN ANALYZE.
A partner's staff page lists its grants newest first (valid_from, then id), fifty
at a time by keyset: on (partner_id, article_id) PostgreSQL read and sorted every
grant of the partner for each page (3,009 for the busiest, 9 ms). On (partner_id,
valid_from, id) a page is the next fifty entries of the index from the cursor, and
the page's capped count reads the same index.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0032_partner_grants_by_date"
down_revision = "0031_scale_more"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.create_index("ix_grants_partner_since", ["partner_id", "valid_from", "id"])


def downgrade():
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index("ix_grants_partner_since")
