"""one active grant and one open request per pair; asset fetch errors; embargo-trusted tiers

Revision ID: 0009_one_grant_fetch_trust
Revises: 0008_tier_quotas
Create Date: 2026-12-03 15:10:00.000000

Before the unique indexes, duplicates left by the old check-then-insert race are
resolved: the oldest active grant of a pair stays active and later ones become
``expired``; later pending requests of a pair become ``withdrawn``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_one_grant_fetch_trust"
down_revision = "0008_tier_quotas"
branch_labels = None
depends_on = None

OLD_STATUSES = ("active", "revoked")
NEW_STATUSES = ("active", "revoked", "expired")


def _status_check(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def upgrade() -> None:
    with op.batch_alter_table("grants") as batch:
        batch.drop_constraint(op.f("ck_grants_grant_status"), type_="check")
        batch.create_check_constraint("grant_status", _status_check(NEW_STATUSES))
    op.execute(
        """
        UPDATE grants SET status = 'expired'
        WHERE status = 'active' AND EXISTS (
            SELECT 1 FROM grants AS older
            WHERE older.partner_id = grants.partner_id
              AND older.article_id = grants.article_id
              AND older.status = 'active' AND older.id < grants.id)
        """
    )
    op.execute(
        """
        UPDATE article_requests SET status = 'withdrawn'
        WHERE status = 'pending' AND EXISTS (
            SELECT 1 FROM article_requests AS older
            WHERE older.partner_id = article_requests.partner_id
              AND older.article_id = article_requests.article_id
              AND older.status = 'pending' AND older.id < article_requests.id)
        """
    )
    op.create_index(
        "uq_grants_one_active",
        "grants",
        ["partner_id", "article_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index(
        "uq_article_requests_one_open",
        "article_requests",
        ["partner_id", "article_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.add_column(
        "assets",
        sa.Column("fetch_error", sa.String(length=500), nullable=False, server_default=""),
    )
    op.add_column(
        "tier_settings",
        sa.Column("embargoed_copy", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("tier_settings", "embargoed_copy")
    op.drop_column("assets", "fetch_error")
    op.drop_index("uq_article_requests_one_open", table_name="article_requests")
    op.drop_index("uq_grants_one_active", table_name="grants")
    op.execute("UPDATE grants SET status = 'revoked' WHERE status = 'expired'")
    with op.batch_alter_table("grants") as batch:
        batch.drop_constraint(op.f("ck_grants_grant_status"), type_="check")
        batch.create_check_constraint("grant_status", _status_check(OLD_STATUSES))
