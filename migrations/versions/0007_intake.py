"""intake: review state, provenance, identity keys and third-party licences of articles

Revision ID: 0007_intake
Revises: 0006_background_jobs
Create Date: 2026-12-03 13:00:00.000000

New imports wait in the intake queue (``awaiting_review``) until staff release
them; articles that exist already were offered before, so they are released.
Columns are added one by one, never through a batch table copy: on SQLite a
copy of ``articles`` would drop the full-text search triggers (0002).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_intake"
down_revision = "0006_background_jobs"
branch_labels = None
depends_on = None

TEXT_COLUMNS = {
    "rights_holder": sa.String(300),
    "licence_reference": sa.String(300),
    "licence_reason": sa.Text(),
    "intake_reason": sa.Text(),
    "url_key": sa.String(1000),
    "fingerprint": sa.String(64),
    "import_source": sa.String(500),
    "importer": sa.String(32),
    "source_title": sa.String(500),
    "source_site_url": sa.String(1000),
    "source_feed_url": sa.String(1000),
}
# column -> referred table
REFERENCES = {
    "released_by_id": "users",
    "imported_by_id": "users",
    "possible_duplicate_of_id": "articles",
}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, type_ in TEXT_COLUMNS.items():
        op.add_column("articles", sa.Column(name, type_, server_default="", nullable=False))
    op.add_column(
        "articles",
        sa.Column(
            "intake",
            sa.Enum(
                "awaiting_review",
                "released",
                name="intake_state",
                native_enum=False,
                create_constraint=not sqlite,  # SQLite cannot add a CHECK to a table
                length=32,
            ),
            server_default="released",
            nullable=False,
        ),
    )
    op.add_column("articles", sa.Column("released_at", sa.DateTime(timezone=True)))
    op.add_column("articles", sa.Column("imported_at", sa.DateTime(timezone=True)))
    for name, table in REFERENCES.items():
        fk = f"fk_articles_{name}_{table}"
        if sqlite:
            # SQLite adds a column with its REFERENCES clause in place (its default is NULL).
            # No ON DELETE: SQLite's reflection does not read it back from a column clause,
            # so models and migrations could not be compared; users and articles are
            # deactivated or withdrawn, not deleted.
            op.execute(f"ALTER TABLE articles ADD COLUMN {name} INTEGER REFERENCES {table} (id)")
        else:
            op.add_column("articles", sa.Column(name, sa.Integer()))
            op.create_foreign_key(fk, "articles", table, [name], ["id"])
    for name in ("intake", "url_key", "fingerprint"):
        op.create_index(f"ix_articles_{name}", "articles", [name])

    with op.batch_alter_table("organisation_settings") as batch:
        batch.add_column(sa.Column("own_domains", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(sa.Column("own_feed_urls", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(
            sa.Column("auto_release", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("organisation_settings") as batch:
        batch.drop_column("auto_release")
        batch.drop_column("own_feed_urls")
        batch.drop_column("own_domains")
    for name in ("intake", "url_key", "fingerprint"):
        op.drop_index(f"ix_articles_{name}", table_name="articles")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, table in REFERENCES.items():
        if not sqlite:
            op.drop_constraint(f"fk_articles_{name}_{table}", "articles", type_="foreignkey")
        op.drop_column("articles", name)
    for name in ("imported_at", "released_at", "intake", *TEXT_COLUMNS):
        op.drop_column("articles", name)
