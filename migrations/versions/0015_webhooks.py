"""webhook deliveries and attempts; encrypted, rotatable signing secrets; disabled endpoints

Revision ID: 0015_webhooks
Revises: 0014_ingest_findings
Create Date: 2026-12-04 10:00:00.000000

Signing secrets were stored in clear until this revision and nothing was ever
sent with them. They cannot be encrypted here (the key lives in the app's
configuration, not the database), so they are dropped and each endpoint that
had one is disabled with a reason that asks its partner to set it again, which
issues a new, encrypted secret.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_webhooks"
down_revision = "0014_ingest_findings"
branch_labels = None
depends_on = None

STATES = ("pending", "delivered", "failed", "disabled")


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.alter_column(
            "webhook_secret", existing_type=sa.String(length=128), type_=sa.String(length=500)
        )
        batch.add_column(sa.Column("webhook_previous_secret", sa.String(length=500)))
        batch.add_column(sa.Column("webhook_previous_until", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("webhook_disabled_at", sa.DateTime(timezone=True)))
        batch.add_column(
            sa.Column(
                "webhook_disabled_reason", sa.String(length=500), nullable=False, server_default=""
            )
        )
    op.execute(
        """
        UPDATE partners SET webhook_secret = NULL, webhook_disabled_at = CURRENT_TIMESTAMP,
            webhook_disabled_reason = 'Set the webhook again to get a new signing secret.'
        WHERE webhook_url IS NOT NULL
        """
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                *STATES, name="webhook_state", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_delivery_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "attempts >= 0", name=op.f("ck_webhook_deliveries_attempts_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_webhook_deliveries_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notice_delivery_id"],
            ["notice_deliveries.id"],
            name=op.f("fk_webhook_deliveries_notice_delivery_id_notice_deliveries"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("message_id", name=op.f("uq_webhook_deliveries_message_id")),
    )
    op.create_index(
        "ix_webhook_deliveries_partner_state", "webhook_deliveries", ["partner_id", "state"]
    )
    op.create_index(
        op.f("ix_webhook_deliveries_notice_delivery_id"),
        "webhook_deliveries",
        ["notice_delivery_id"],
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    op.create_index(op.f("ix_webhook_attempts_delivery_id"), "webhook_attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_attempts_delivery_id"), table_name="webhook_attempts")
    op.drop_table("webhook_attempts")
    op.drop_index(op.f("ix_webhook_deliveries_notice_delivery_id"), table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_partner_state", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("webhook_disabled_reason")
        batch.drop_column("webhook_disabled_at")
        batch.drop_column("webhook_previous_until")
        batch.drop_column("webhook_previous_secret")
        batch.alter_column(
            "webhook_secret", existing_type=sa.String(length=500), type_=sa.String(length=128)
        )
