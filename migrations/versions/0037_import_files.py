"""import files: a queued file's bytes in a table of their own, apart from its run's progress

Revision ID: 0037_import_files
Revises: 0036_catalogue_version_shards
Create Date: 2026-12-08 01:30:00.000000

Every batch of a background import moves its run's count of items done, and on
SQLite an UPDATE writes the whole row again, the queued file (tens of MB) with
it: 60-70 ms a batch of a 30 MB feed, for bytes that never change. The file now
waits in ``import_files``, one row per run, deleted when the import ends.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0037_import_files"
down_revision = "0036_catalogue_version_shards"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_files",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["import_runs.id"],
            name=op.f("fk_import_files_run_id_import_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_import_files")),
    )
    op.execute(
        "INSERT INTO import_files (run_id, data) "
        "SELECT id, data FROM import_runs WHERE data IS NOT NULL"
    )
    op.drop_column("import_runs", "data")


def downgrade():
    op.add_column("import_runs", sa.Column("data", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE import_runs SET data = "
        "(SELECT data FROM import_files WHERE import_files.run_id = import_runs.id)"
    )
    op.drop_table("import_files")
