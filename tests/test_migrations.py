"""Migrations are the schema: they agree with the models on every database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from syndication.extensions import db
from syndication.services.search import include_object, is_search_object
from tests.conftest import migrated_app


def _tables(engine_or_conn) -> dict[str, set[str]]:
    """Tables and their columns, leaving out each database's own search index."""
    inspector = sa.inspect(engine_or_conn)
    return {
        name: {
            column["name"]
            for column in inspector.get_columns(name)
            if not is_search_object("column", column["name"], name)
        }
        for name in inspector.get_table_names()
        if name != "alembic_version" and not is_search_object("table", name)
    }


def test_models_and_migrations_agree(app):
    connection = db.session.connection()
    # The same filter as migrations/env.py: only the search objects are skipped.
    context = MigrationContext.configure(connection, opts={"include_object": include_object})
    diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_an_empty_sqlite_database_migrates_to_the_same_tables(app, tmp_path):
    """The same migration gives the same tables on SQLite as on the suite's database."""
    other = migrated_app(f"sqlite:///{tmp_path / 'fresh.db'}")
    with other.app_context():
        fresh = _tables(db.engine)
    with app.app_context():
        current = _tables(db.session.connection())
    assert fresh == current
    assert {"articles", "partners", "grants", "rules", "audit_events"} <= set(fresh)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE partners SET monthly_unique_visitors = -1 WHERE id = :id",
        "UPDATE partners SET status = 'sleeping' WHERE id = :id",
        "UPDATE partners SET terms_version_id = 999999 WHERE id = :id",
    ],
    ids=["negative-audience", "unknown-status", "dangling-foreign-key"],
)
def test_database_enforces_its_constraints(make_partner, statement):
    partner = make_partner()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.text(statement), {"id": partner.id})


def test_partner_users_must_belong_to_a_partner(make_user):
    user = make_user()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(
            sa.text("UPDATE users SET role = 'partner' WHERE id = :id"), {"id": user.id}
        )
