"""partners choose the ninjs version of their packages

Revision ID: 0040_package_profiles
Revises: 0021_pixel
Create Date: 2026-12-07 13:20:00.000000

Every partner starts on ninjs 2.2, the version packages had before profiles.
"""

import sqlalchemy as sa
from alembic import op

revision = "0040_package_profiles"
down_revision = "0021_pixel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(
            sa.Column("ninjs_version", sa.String(length=8), nullable=False, server_default="2.2")
        )
        batch.create_check_constraint(
            "ninjs_version_known", "ninjs_version IN ('1.6', '2.2', '3.1')"
        )


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_constraint("ninjs_version_known", type_="check")
        batch.drop_column("ninjs_version")
