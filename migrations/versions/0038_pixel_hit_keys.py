"""pixel hit keys: each raw hit's own key, so a hit pushed twice is written once

Revision ID: 0038_pixel_hit_keys
Revises: 0037_import_files
Create Date: 2026-12-08 02:10:00.000000

A pixel hit whose push reached Redis but whose reply was lost with its
connection is pushed again, and so waits in the buffer twice. Each hit now
carries a random key made as the pixel is hit; the flush drops a key already
written, looking it up on this unique index. Hits written before have none
(NULL, which the index lets any number of rows have). Plain ADD COLUMN and
CREATE INDEX: pixel_hits is the biggest table, never copied.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0038_pixel_hit_keys"
down_revision = "0037_import_files"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("pixel_hits", sa.Column("hit_key", sa.String(length=32), nullable=True))
    op.create_index("ix_pixel_hits_hit_key", "pixel_hits", ["hit_key"], unique=True)


def downgrade():
    op.drop_index("ix_pixel_hits_hit_key", table_name="pixel_hits")
    op.drop_column("pixel_hits", "hit_key")
