"""monthly views: monthly and daily-total view roll-ups; each copy's latest check

Revision ID: 0024_monthly_views
Revises: 0023_reports
Create Date: 2026-12-07 15:30:00.000000

Reports over long ranges read whole months from monthly roll-ups (one per daily one),
which an hourly task folds from the days of every ended month; ``view_months``
counts the changes each month received and how many its fold took in. Every month
that holds views now is marked changed, so the first fold sums it. The desk's views
over time read one row a day (``daily_total_views``, written by the hit flush and
filled here from the partners' days) instead of every partner's. Each copy keeps
the result and time of its latest finished check, and finished checks are counted
per day and result (per partner and for the desk), all filled here from the checks,
so the compliance report reads neither every check nor every copy's history.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_monthly_views"
down_revision = "0023_reports"
branch_labels = None
depends_on = None

# Each monthly roll-up: its key columns (before ``day``), and whether an index led by the
# day carrying the counts serves the reports' every-key-of-a-range queries.
MONTHLY = {
    "monthly_article_views": (("article_id",), True),
    "monthly_partner_views": (("partner_id",), True),
    "monthly_domain_views": (("domain",), True),
    "monthly_grant_views": (("grant_id", "domain"), False),
}
REFERS = {"article_id": "articles", "partner_id": "partners", "grant_id": "grants"}


def _key_column(name: str) -> sa.Column:
    if name == "domain":
        return sa.Column("domain", sa.String(length=253), nullable=False)
    return sa.Column(name, sa.Integer(), nullable=False)


def upgrade():
    for table, (keys, by_day) in MONTHLY.items():
        columns = [_key_column(k) for k in keys]
        if table == "monthly_grant_views":
            columns += [_key_column("article_id"), _key_column("partner_id")]
        names = [c.name for c in columns]
        op.create_table(
            table,
            *columns,
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("raw", sa.Integer(), nullable=False, server_default="0"),
            sa.Column("counted", sa.Integer(), nullable=False, server_default="0"),
            *(
                sa.ForeignKeyConstraint(
                    [name],
                    [f"{REFERS[name]}.id"],
                    name=op.f(f"fk_{table}_{name}_{REFERS[name]}"),
                    ondelete="CASCADE",
                )
                for name in names
                if name in REFERS
            ),
            sa.PrimaryKeyConstraint(*keys, "day", name=op.f(f"pk_{table}")),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            if by_day:
                batch_op.create_index(
                    f"ix_{table}_day", ["day", keys[0]], postgresql_include=["counted", "raw"]
                )
            else:
                batch_op.create_index(f"ix_{table}_partner_day", ["partner_id", "day"])
    op.create_table(
        "daily_total_views",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("raw", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("counted", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_daily_total_views")),
    )
    # Every counted hit is one partner's: the partner roll-up sums to the day's total.
    op.execute(
        "INSERT INTO daily_total_views (day, raw, counted) "
        "SELECT day, sum(raw), sum(counted) FROM daily_partner_views GROUP BY day"
    )
    op.create_table(
        "view_months",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("folded", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("folded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_view_months")),
    )
    if op.get_bind().dialect.name == "postgresql":
        month = "CAST(date_trunc('month', day) AS DATE)"
    else:
        month = "date(day, 'start of month')"
    op.execute(
        "INSERT INTO view_months (day, changes, folded) "
        f"SELECT DISTINCT {month}, 1, 0 FROM daily_partner_views"
    )

    with op.batch_alter_table("copies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "latest_check_state",
                sa.Enum(
                    "queued",
                    "passed",
                    "failed",
                    "error",
                    name="latest_check_state",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("latest_check_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_copies_latest_check",
            ["latest_check_at"],
            postgresql_include=["latest_check_state"],
        )
    check_state = sa.Enum(
        "queued",
        "passed",
        "failed",
        "error",
        name="check_state",
        native_enum=False,
        create_constraint=True,
        length=32,
    )
    op.create_table(
        "daily_check_results",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("state", check_state, nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_daily_check_results_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partner_id", "day", "state", name=op.f("pk_daily_check_results")),
    )
    op.create_table(
        "daily_check_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("state", check_state.copy(), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", "state", name=op.f("pk_daily_check_totals")),
    )
    if op.get_bind().dialect.name == "postgresql":
        finished_day = "CAST(k.finished_at AT TIME ZONE 'UTC' AS DATE)"
    else:
        finished_day = "date(k.finished_at)"
    op.execute(
        "INSERT INTO daily_check_results (partner_id, day, state, checks) "
        f"SELECT c.partner_id, {finished_day}, k.state, count(*) "
        "FROM copy_checks k JOIN copies c ON c.id = k.copy_id "
        "WHERE k.finished_at IS NOT NULL GROUP BY 1, 2, 3"
    )
    op.execute(
        "INSERT INTO daily_check_totals (day, state, checks) "
        "SELECT day, state, sum(checks) FROM daily_check_results GROUP BY 1, 2"
    )
    op.execute(
        """
        UPDATE copies SET
            latest_check_state = (
                SELECT c.state FROM copy_checks c
                WHERE c.copy_id = copies.id AND c.finished_at IS NOT NULL
                ORDER BY c.finished_at DESC, c.id DESC LIMIT 1),
            latest_check_at = (
                SELECT max(c.finished_at) FROM copy_checks c WHERE c.copy_id = copies.id)
        """
    )


def downgrade():
    with op.batch_alter_table("copies", schema=None) as batch_op:
        batch_op.drop_index("ix_copies_latest_check")
        batch_op.drop_constraint(op.f("ck_copies_latest_check_state"), type_="check")
        batch_op.drop_column("latest_check_at")
        batch_op.drop_column("latest_check_state")
    op.drop_table("daily_check_totals")
    op.drop_table("daily_check_results")
    op.drop_table("view_months")
    op.drop_table("daily_total_views")
    for table in MONTHLY:
        op.drop_table(table)
