"""catalogue version: one counter the database moves on with every change to the articles

Revision ID: 0033_catalogue_version
Revises: 0032_partner_page_indexes
Create Date: 2026-12-07 18:45:00.000000

The partner catalogue keeps its pages per worker under this number
(views/catalogue.py). Triggers move it on, so every writer counts, the ORM,
bulk statements and COPY alike, in the writing transaction: a page kept under
a number shows what was committed under it. PostgreSQL moves it once per
statement; SQLite, which has no statement triggers, once per row.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033_catalogue_version"
down_revision = "0032_partner_page_indexes"
branch_labels = None
depends_on = None

TABLES = ("articles", "article_tags")
BUMP = "UPDATE catalogue_versions SET version = version + 1 WHERE id = 1"


def upgrade():
    op.create_table(
        "catalogue_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_catalogue_versions_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_versions")),
    )
    op.execute("INSERT INTO catalogue_versions (id, version) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""CREATE FUNCTION catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN {BUMP}; RETURN NULL; END $$"""
        )
        for table in TABLES:
            op.execute(
                f"""CREATE TRIGGER {table}_catalogue_changed
                AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed()"""
            )
    else:
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"""CREATE TRIGGER {table}_catalogue_changed_{event.lower()}
                    AFTER {event} ON {table} BEGIN {BUMP}; END"""
                )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_catalogue_changed ON {table}")
        op.execute("DROP FUNCTION catalogue_changed()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_catalogue_changed_{event}")
    op.drop_table("catalogue_versions")
