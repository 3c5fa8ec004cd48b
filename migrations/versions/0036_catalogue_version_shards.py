"""catalogue version shards: the version is the sum of a few rows, one moved per connection

Revision ID: 0036_catalogue_version_shards
Revises: 0035_import_run_items
Create Date: 2026-12-08 00:30:00.000000

With one counter row, every transaction that wrote the articles or their tags held
that row's lock until it committed, so on PostgreSQL writers queued behind each
other: a staff edit waited for the running import batch's commit. Now the trigger
moves row ``1 + pg_backend_pid() % 16``, one per connection, and readers sum the
rows. A transaction runs on one connection, so it moves one row however many
statements it runs (no two transactions can lock two rows in opposite orders).
The sum moves exactly when a committed write becomes visible, as the single row
did. SQLite, which lets one writer in at a time anyway, keeps moving row 1 alone.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0036_catalogue_version_shards"
down_revision = "0035_import_run_items"
branch_labels = None
depends_on = None

TABLES = ("articles", "article_tags")
SHARDS = 16
EVENTS = ("insert", "update", "delete")


def _drop_triggers(postgresql: bool) -> None:
    if postgresql:
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_catalogue_changed ON {table}")
        op.execute("DROP FUNCTION catalogue_changed()")
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_catalogue_changed_{event}")


def _create_triggers(postgresql: bool, bump: str) -> None:
    if postgresql:
        op.execute(
            f"""CREATE FUNCTION catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN {bump}; RETURN NULL; END $$"""
        )
        for table in TABLES:
            op.execute(
                f"""CREATE TRIGGER {table}_catalogue_changed
                AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed()"""
            )
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(
                    f"""CREATE TRIGGER {table}_catalogue_changed_{event}
                    AFTER {event.upper()} ON {table} BEGIN {bump}; END"""
                )


def _table(check: str, name: str) -> None:
    op.create_table(
        "catalogue_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(check, name=op.f(f"ck_catalogue_versions_{name}")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_versions")),
    )


def _rebuild(check: str, name: str, rows: int) -> None:
    """The table made again with ``check``, holding the old version in ``rows`` rows
    (the first carries it, the others start at 0), so that the sum goes on unchanged."""
    version = op.get_bind().scalar(sa.text("SELECT sum(version) FROM catalogue_versions")) or 1
    op.drop_table("catalogue_versions")
    _table(check, name)
    op.execute(f"INSERT INTO catalogue_versions (id, version) VALUES (1, {int(version)})")
    for shard in range(2, rows + 1):
        op.execute(f"INSERT INTO catalogue_versions (id, version) VALUES ({shard}, 0)")


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    _drop_triggers(postgresql)
    _rebuild(f"id BETWEEN 1 AND {SHARDS}", "shard", SHARDS if postgresql else 1)
    where = f"1 + pg_backend_pid() % {SHARDS}" if postgresql else "1"
    _create_triggers(
        postgresql, f"UPDATE catalogue_versions SET version = version + 1 WHERE id = {where}"
    )


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    _drop_triggers(postgresql)
    _rebuild("id = 1", "single_row", 1)
    _create_triggers(postgresql, "UPDATE catalogue_versions SET version = version + 1 WHERE id = 1")
