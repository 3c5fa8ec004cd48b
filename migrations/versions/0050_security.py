"""second-factor secrets encrypted at rest; files imported in the background

Revision ID: 0050_security
Revises: 0016_tracking
Create Date: 2026-12-07 12:00:00.000000

TOTP secrets were stored in clear. They are encrypted here with the app's
Fernet keys (``WEBHOOK_SECRET_KEYS``, the keys every secret at rest is sealed
with), read from the configuration of the app running ``flask db upgrade``:
dropping them instead would let whoever knows a staff password enrol a new
second factor. The downgrade opens them again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0050_security"
down_revision = "0016_tracking"
branch_labels = None
depends_on = None

_users = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))


def _box():
    # The app's own keys: migrations run inside `flask db upgrade`, in its app context.
    from syndication.services.webhooks import secret_box

    return secret_box()


def _rewrite_secrets(connection, change) -> int:
    rows = connection.execute(
        sa.select(_users.c.id, _users.c.totp_secret).where(_users.c.totp_secret.is_not(None))
    ).all()
    for user_id, secret in rows:
        connection.execute(
            sa.update(_users).where(_users.c.id == user_id).values(totp_secret=change(secret))
        )
    return len(rows)


def seal_secrets(connection) -> int:
    """Encrypt every TOTP secret still stored in clear (a Fernet token never is base32)."""
    box = None

    def seal(secret: str) -> str:
        nonlocal box
        box = box or _box()
        return secret if secret.startswith("gAAAAA") else box.seal(secret)

    return _rewrite_secrets(connection, seal)


def open_secrets(connection) -> int:
    """The downgrade's way back: every TOTP secret in clear again."""
    box = None

    def open_(secret: str) -> str:
        nonlocal box
        box = box or _box()
        return box.open(secret) if secret.startswith("gAAAAA") else secret

    return _rewrite_secrets(connection, open_)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column(
            "totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=500)
        )
    seal_secrets(op.get_bind())
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("headline", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("done >= 0", name=op.f("ck_import_runs_done_non_negative")),
        sa.CheckConstraint(
            "total IS NULL OR done <= total", name=op.f("ck_import_runs_done_within_total")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_import_runs_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_import_runs_job_id_jobs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_index(op.f("ix_import_runs_actor_id"), "import_runs", ["actor_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_import_runs_actor_id"), table_name="import_runs")
    op.drop_table("import_runs")
    open_secrets(op.get_bind())
    with op.batch_alter_table("users") as batch:
        batch.alter_column(
            "totp_secret", existing_type=sa.String(length=500), type_=sa.String(length=64)
        )
