"""notices that reach every holder: notes, deadlines, reminders, revocation reasons

Revision ID: 0010_notices
Revises: 0009_one_grant_fetch_trust
Create Date: 2026-12-03 16:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_notices"
down_revision = "0009_one_grant_fetch_trust"
branch_labels = None
depends_on = None


KINDS = ("correction", "update", "takedown")


def _kind_check(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade() -> None:
    # notices is small: the batch copy SQLite needs to change a CHECK costs nothing.
    with op.batch_alter_table("notices") as batch:
        batch.drop_constraint(op.f("ck_notices_notice_kind"), type_="check")
        batch.create_check_constraint("notice_kind", _kind_check((*KINDS, "revocation")))
    op.add_column("notices", sa.Column("public_note", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "notices", sa.Column("record_reason", sa.Text(), nullable=False, server_default="")
    )
    for name in ("due_at", "reminded_half_at", "reminded_due_at"):
        op.add_column(
            "notice_deliveries", sa.Column(name, sa.DateTime(timezone=True), nullable=True)
        )
    op.create_index(
        op.f("ix_notice_deliveries_due_at"), "notice_deliveries", ["due_at"], unique=False
    )
    op.add_column(
        "grants", sa.Column("revoked_reason", sa.Text(), nullable=False, server_default="")
    )
    op.add_column(
        "grants",
        sa.Column("revoked_public_reason", sa.Text(), nullable=False, server_default=""),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its REFERENCES clause in place (see 0007).
        op.execute(
            "ALTER TABLE grants ADD COLUMN revoked_notice_id INTEGER REFERENCES notices (id)"
        )
    else:
        op.add_column("grants", sa.Column("revoked_notice_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_grants_revoked_notice_id_notices"),
            "grants",
            "notices",
            ["revoked_notice_id"],
            ["id"],
        )
    op.add_column("articles", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    for name, hours in (("takedown", "24"), ("correction", "72"), ("update", "72")):
        op.add_column(
            "organisation_settings",
            sa.Column(f"{name}_ack_hours", sa.Integer(), nullable=False, server_default=hours),
        )


def downgrade() -> None:
    for name in ("takedown", "correction", "update"):
        op.drop_column("organisation_settings", f"{name}_ack_hours")
    op.drop_column("articles", "withdrawn_at")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            op.f("fk_grants_revoked_notice_id_notices"), "grants", type_="foreignkey"
        )
    for name in ("revoked_notice_id", "revoked_public_reason", "revoked_reason"):
        op.drop_column("grants", name)
    op.drop_index(op.f("ix_notice_deliveries_due_at"), table_name="notice_deliveries")
    for name in ("reminded_due_at", "reminded_half_at", "due_at"):
        op.drop_column("notice_deliveries", name)
    op.drop_column("notices", "record_reason")
    op.drop_column("notices", "public_note")
    op.execute("DELETE FROM notices WHERE kind = 'revocation'")
    with op.batch_alter_table("notices") as batch:
        batch.drop_constraint(op.f("ck_notices_notice_kind"), type_="check")
        batch.create_check_constraint("notice_kind", _kind_check(KINDS))
