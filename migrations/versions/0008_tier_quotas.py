"""tier quotas: free articles each partner tier may take per calendar month

Revision ID: 0008_tier_quotas
Revises: 0007_intake
Create Date: 2026-12-03 13:20:00.000000

No row for a tier (or a NULL quota) means unlimited, as before this revision.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_tier_quotas"
down_revision = "0007_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tier_settings",
        sa.Column(
            "tier",
            sa.Enum(
                "standard",
                "premium",
                name="tier_name",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("monthly_quota", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "monthly_quota IS NULL OR monthly_quota >= 0",
            name=op.f("ck_tier_settings_quota_non_negative"),
        ),
        sa.PrimaryKeyConstraint("tier", name=op.f("pk_tier_settings")),
    )


def downgrade() -> None:
    op.drop_table("tier_settings")
