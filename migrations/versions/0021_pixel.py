"""pixel: written hit batches (exactly once across a killed worker), visitor index for repeats

Revision ID: 0021_pixel
Revises: 0050_security
Create Date: 2026-12-07 13:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_pixel"
down_revision = "0050_security"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pixel_batches",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pixel_batches")),
    )
    with op.batch_alter_table("pixel_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pixel_batches_written_at"), ["written_at"], unique=False
        )
    # A plain CREATE INDEX: pixel_hits is the biggest table, never copied.
    op.create_index(
        "ix_pixel_hits_visitor_created", "pixel_hits", ["visitor_hash", "created_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_pixel_hits_visitor_created", table_name="pixel_hits")
    with op.batch_alter_table("pixel_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pixel_batches_written_at"))
    op.drop_table("pixel_batches")
