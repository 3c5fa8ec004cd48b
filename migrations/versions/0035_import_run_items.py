"""import run items: a background import's report keeps each item as a row of its own

Revision ID: 0035_import_run_items
Revises: 0034_headline_lookup
Create Date: 2026-12-08 00:10:00.000000

A background import kept its report, one line per stored item, in one JSON
column, and after every batch read the whole list back and wrote it again: a
batch's cost grew with the items before it, and a run's cost with their square.
Each item is now a row (run, position in the file), inserted with the batch
that stored it; the run's JSON keeps the header (importer, encoding, skipped
items, notes).

The items of runs made before move in one INSERT … SELECT per database (its
own JSON functions read the list), and the downgrade folds them back into the
JSON, in position order.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0035_import_run_items"
down_revision = "0034_headline_lookup"
branch_labels = None
depends_on = None

COLUMNS = "run_id, position, article_id, state, awaiting_review, findings"

# Each JSON item is [article_id, state, awaiting_review, findings].
ITEMS_OUT = {
    "postgresql": f"""
        INSERT INTO import_run_items ({COLUMNS})
        SELECT r.id, e.n - 1, (e.item ->> 0)::integer, e.item ->> 1,
               (e.item ->> 2)::boolean, COALESCE(e.item -> 3, '{{}}'::json)
        FROM import_runs AS r
        CROSS JOIN LATERAL json_array_elements(r.report -> 'items') WITH ORDINALITY AS e(item, n)
        WHERE json_typeof(r.report -> 'items') = 'array'
    """,
    "sqlite": f"""
        INSERT INTO import_run_items ({COLUMNS})
        SELECT r.id, e.key, json_extract(e.value, '$[0]'), json_extract(e.value, '$[1]'),
               json_extract(e.value, '$[2]'), COALESCE(json_extract(e.value, '$[3]'), '{{}}')
        FROM import_runs AS r, json_each(r.report, '$.items') AS e
        WHERE json_type(r.report, '$.items') = 'array'
    """,
}
HEADER_ONLY = {
    "postgresql": """
        UPDATE import_runs SET report = (report::jsonb - 'items')::json
        WHERE json_typeof(report -> 'items') IS NOT NULL
    """,
    "sqlite": """
        UPDATE import_runs SET report = json_remove(report, '$.items')
        WHERE json_type(report, '$.items') IS NOT NULL
    """,
}
ITEMS_BACK = {
    "postgresql": """
        UPDATE import_runs AS r SET report = (
            r.report::jsonb || jsonb_build_object('items', (
                SELECT jsonb_agg(
                    jsonb_build_array(i.article_id, i.state, i.awaiting_review, i.findings::jsonb)
                    ORDER BY i.position)
                FROM import_run_items AS i WHERE i.run_id = r.id))
        )::json
        WHERE EXISTS (SELECT 1 FROM import_run_items AS i WHERE i.run_id = r.id)
    """,
    # SQLite 3.40 has no ORDER BY inside an aggregate: the ordered subquery feeds it in order.
    "sqlite": """
        UPDATE import_runs SET report = json_set(report, '$.items', json((
            SELECT json_group_array(json_array(
                i.article_id, i.state,
                json(CASE WHEN i.awaiting_review THEN 'true' ELSE 'false' END), json(i.findings)))
            FROM (SELECT * FROM import_run_items WHERE run_id = import_runs.id
                  ORDER BY position) AS i)))
        WHERE EXISTS (SELECT 1 FROM import_run_items AS i WHERE i.run_id = import_runs.id)
    """,
}


def upgrade():
    op.create_table(
        "import_run_items",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("awaiting_review", sa.Boolean(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.CheckConstraint("position >= 0", name=op.f("ck_import_run_items_position_non_negative")),
        sa.CheckConstraint(
            "state IN ('created', 'revised', 'unchanged')",
            name=op.f("ck_import_run_items_known_state"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["import_runs.id"],
            name=op.f("fk_import_run_items_run_id_import_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "position", name=op.f("pk_import_run_items")),
    )
    dialect = op.get_bind().dialect.name
    op.execute(ITEMS_OUT[dialect])
    op.execute(HEADER_ONLY[dialect])


def downgrade():
    op.execute(ITEMS_BACK[op.get_bind().dialect.name])
    op.drop_table("import_run_items")
