"""report roll-ups: grants issued and downloads per day

Revision ID: 0029_report_rollups
Revises: 0024_monthly_views
Create Date: 2026-12-07 16:30:00.000000

The desk's grants and downloads report reads one row a day (``daily_use_totals``)
instead of counting every grant and download of the range; an hourly task folds
the days from the tables (services/use_days.py), and ``use_folds`` says how far the
totals reach. Filled here from the grants and downloads, by day, in one statement.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029_report_rollups"
down_revision = "0026_scale_indexes"
branch_labels = None
depends_on = None

# As services/use_days.py: a day is counted once it ended this long ago.
SETTLE = timedelta(minutes=10)


def upgrade():
    op.create_table(
        "daily_use_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("grants", sa.Integer(), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_daily_use_totals")),
    )
    op.create_table(
        "use_folds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("through", sa.Date(), nullable=True),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("download_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_use_folds")),
    )
    bind = op.get_bind()
    through = (datetime.now(UTC) - SETTLE).date() - timedelta(days=1)
    before = datetime.combine(through + timedelta(days=1), datetime.min.time(), UTC)
    grant_id = bind.scalar(sa.text("SELECT coalesce(max(id), 0) FROM grants"))
    download_id = bind.scalar(sa.text("SELECT coalesce(max(id), 0) FROM downloads"))
    if bind.dialect.name == "postgresql":
        day = "CAST(created_at AT TIME ZONE 'UTC' AS DATE)"
    else:  # SQLite keeps UTC times without their offset
        day = "date(created_at)"
        before = before.replace(tzinfo=None)
    bind.execute(
        sa.text(
            "INSERT INTO daily_use_totals (day, grants, downloads) "
            "SELECT day, sum(grants), sum(downloads) FROM ("
            f"  SELECT {day} AS day, 1 AS grants, 0 AS downloads FROM grants"
            "   WHERE id <= :grant_id AND created_at < :before"
            "  UNION ALL"
            f"  SELECT {day}, 0, 1 FROM downloads"
            "   WHERE id <= :download_id AND created_at < :before"
            ") AS rows GROUP BY day"
        ).bindparams(
            sa.bindparam("before", before, type_=sa.DateTime(timezone=True)),
            grant_id=grant_id,
            download_id=download_id,
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO use_folds (id, through, grant_id, download_id) "
            "VALUES (1, :through, :grant_id, :download_id)"
        ).bindparams(
            sa.bindparam("through", through, type_=sa.Date()),
            grant_id=grant_id,
            download_id=download_id,
        )
    )


def downgrade():
    op.drop_table("use_folds")
    op.drop_table("daily_use_totals")
