"""reports: day-first indexes on the view roll-ups, and time indexes on what reports count

Revision ID: 0023_reports
Revises: 0040_package_profiles
Create Date: 2026-12-07 13:15:00.000000

The reports read a whole range of days across every article, partner or domain, which
the roll-ups' own keys (article, partner or domain first) cannot serve: each gets an
index led by the day, carrying the two counts on PostgreSQL (INCLUDE) so the sums come
from the index alone. Grants, downloads and notice deliveries are counted by when they
were made, and compliance checks by when they finished. bench/reports.py measures them.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_reports"
down_revision = "0040_package_profiles"
branch_labels = None
depends_on = None

ROLL_UPS = {
    "daily_article_views": "article_id",
    "daily_partner_views": "partner_id",
    "daily_domain_views": "domain",
}
BY_TIME = {
    "ix_grants_created": ("grants", "created_at"),
    "ix_downloads_created": ("downloads", "created_at"),
    "ix_notice_deliveries_created": ("notice_deliveries", "created_at"),
}


def upgrade():
    for table, key in ROLL_UPS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                f"ix_{table}_day", ["day", key], postgresql_include=["counted", "raw"]
            )
    for name, (table, column) in BY_TIME.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, [column])
    with op.batch_alter_table("copy_checks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_copy_checks_finished", ["finished_at"], postgresql_include=["copy_id", "state"]
        )


def downgrade():
    with op.batch_alter_table("copy_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_copy_checks_finished")
    for name, (table, _) in BY_TIME.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    for table in ROLL_UPS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_day")
