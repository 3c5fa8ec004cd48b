"""ingest findings: where a byline came from, how a file was decoded, which URLs were dropped

Revision ID: 0014_ingest_findings
Revises: 0013_fold_sections
Create Date: 2026-12-04 10:00:00.000000

Three new kinds of import finding. The kind column is a VARCHAR whose CHECK
constraint lists the kinds, so the constraint is replaced. Only the small
``import_findings`` table is copied on SQLite (batch mode), never ``articles``.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_ingest_findings"
down_revision = "0013_fold_sections"
branch_labels = None
depends_on = None

OLD_KINDS = ("footer", "promo", "third_party_asset", "cited_outlet", "wire_byline")
NEW_KINDS = (*OLD_KINDS, "byline_source", "encoding", "dropped_url")


def _kind(kinds: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *kinds, name="finding_kind", native_enum=False, create_constraint=True, length=32
    )


def _replace(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    with op.batch_alter_table("import_findings", schema=None) as batch:
        batch.alter_column("kind", existing_type=_kind(old), type_=_kind(new), nullable=False)


def upgrade() -> None:
    _replace(OLD_KINDS, NEW_KINDS)


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM import_findings WHERE kind IN ('byline_source', 'encoding', 'dropped_url')"
        )
    )
    _replace(NEW_KINDS, OLD_KINDS)
