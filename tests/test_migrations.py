"""Migrations are the schema: they agree with the models on every database."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from types import ModuleType

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask_migrate import downgrade, upgrade

from config import TestingConfig
from syndication import create_app
from syndication.extensions import db
from syndication.models import Article, ImportFile, ImportRun, PixelHit
from syndication.models.base import utcnow
from syndication.services import importing
from syndication.services.search import include_object, is_search_object
from tests.conftest import ROOT, migrated_app


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


def _unmigrated_sqlite_app(path):
    """An app on an empty SQLite file, for tests that run migrations step by step."""
    config = type(
        "UnmigratedConfig",
        (TestingConfig,),
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TASK_QUEUE_URL": "memory://"},
    )
    return create_app(config)


# SQLite's reflection cannot read an expression index back (PostgreSQL's can, and compares it).
@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning")
@pytest.mark.filterwarnings("ignore:.*expression-based index:sqlalchemy.exc.SAWarning")
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


def _migration(name: str) -> ModuleType:
    path = ROOT / "migrations" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _committing_steps() -> Callable[[Callable[[], None]], None]:
    """Runs a migration's upgrade or downgrade on the suite's database, then commits."""
    context = MigrationContext.configure(db.session.connection())

    def migrate(step: Callable[[], None]) -> None:
        with Operations.context(context):
            step()
        db.session.commit()

    return migrate


def test_recount_fixes_word_counts_stored_before_blocks_separated_words(make_article):
    glued = make_article(body_html="<p>One two.</p><p>Three</p><ul><li>four</li><li>five</li></ul>")
    right = make_article(body_html="<p>Six seven.</p>")
    # What the old count stored: blocks glued "two.Three" and "fourfive" together.
    db.session.execute(sa.update(Article).where(Article.id == glued.id).values(word_count=3))
    db.session.commit()
    versions = {a.id: a.content_version for a in (glued, right)}

    context = MigrationContext.configure(db.session.connection())
    with Operations.context(context):
        _migration("0004_recount_words").upgrade()
    db.session.commit()

    db.session.refresh(glued)
    db.session.refresh(right)
    assert glued.word_count == 5 and glued.content_version == versions[glued.id] + 1
    assert right.word_count == 2 and right.content_version == versions[right.id]


def test_fold_sections_makes_world_and_world_one_section(make_article):
    first = make_article(section="World")
    # Stored before imports folded case: written straight to the table.
    later = make_article(section="politics")
    db.session.execute(sa.update(Article).where(Article.id == later.id).values(section="world "))
    db.session.commit()
    version = later.content_version

    context = MigrationContext.configure(db.session.connection())
    with Operations.context(context):
        _migration("0013_fold_sections").upgrade()
    db.session.commit()

    db.session.refresh(first)
    db.session.refresh(later)
    assert first.section == later.section == "World"
    assert later.content_version == version + 1


def test_upgrading_a_sqlite_database_with_data_keeps_every_row(tmp_path):
    """Batch-mode table copies drop the old parent table: with foreign keys on, that would
    cascade and delete every grant, request and download (0015 rebuilds ``partners``)."""
    app = _unmigrated_sqlite_app(tmp_path / "old.db")
    with app.app_context():
        # The schema as 0015 found it, and the rows an installation of that day had.
        upgrade(revision="0014_ingest_findings")
        now = "2026-12-01 10:00:00"
        for statement in (
            "INSERT INTO partners (id, name, website, outlet_type, region, contact_name,"
            " contact_email, intended_use, status, updated_at, version, created_at)"
            " VALUES (1, 'Ledger', 'https://ledger.example', 'newspaper', '', 'Ed',"
            f" 'ed@ledger.example', '', 'approved', '{now}', 1, '{now}')",
            "INSERT INTO articles (id, slug, headline, dek, bylines, dateline, section, language,"
            " canonical_url, summary, body_html, word_count, updated_at, current_revision,"
            " origin, policy, territory, created_at) VALUES (1, 'a', 'A', '', '[]', '', '',"
            f" 'en', '', '', '<p>A</p>', 1, '{now}', 1, 'original', 'free_eligible', '',"
            f" '{now}')",
            f"INSERT INTO rule_sets (id, version, note, created_at) VALUES (1, 1, '', '{now}')",
            "INSERT INTO grants (id, licence_id, partner_id, article_id, rule_set_id,"
            " revision_number, status, valid_from, terms, odrl, terms_hash, created_at)"
            f" VALUES (1, 'SD-1', 1, 1, 1, 1, 'active', '{now}', '{{}}', '{{}}', 'h', '{now}')",
            "INSERT INTO downloads (grant_id, partner_id, package_hash, format, size, created_at)"
            f" VALUES (1, 1, 'h', 'zip', 1, '{now}')",
        ):
            db.session.execute(sa.text(statement))
        db.session.commit()
        upgrade()
        counts = {
            table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            for table in ("partners", "grants", "downloads")
        }
    assert counts == {"partners": 1, "grants": 1, "downloads": 1}


def test_every_migration_downgrades_to_base_and_upgrades_again(tmp_path):
    """The chain runs both ways on SQLite, whose table copies drop what a copy forgets
    (a column's CHECK, the search triggers)."""
    app = _unmigrated_sqlite_app(tmp_path / "both-ways.db")
    with app.app_context():
        upgrade()
        before = _tables(db.engine)
        downgrade(revision="base")
        assert _tables(db.engine) == {}
        upgrade()
        assert _tables(db.engine) == before


def test_a_runs_report_items_move_to_rows_of_their_own_and_back(make_article):
    """0035 on the suite's database, in the test's transaction: the JSON list of a run
    made before it becomes rows the service reads, and the downgrade folds them back."""
    migration = _migration("0035_import_run_items")
    migrate = _committing_steps()

    first, second = make_article(headline="First story"), make_article(headline="Second story")
    migrate(migration.downgrade)
    items = [
        [first.id, "created", True, {"footer": 1}],
        [second.id, "revised", False, {}],
        [first.id + second.id + 1000, "unchanged", False, {}],  # an article deleted since
    ]
    header = {
        "importer": "feed",
        "encoding": ["utf-8", "declared"],
        "skipped": [["Draft", "not published"]],
        "notes": [],
    }
    before = ImportRun(
        filename="old.xml", size=1, done=3, total=3, report=header | {"items": items}
    )
    waiting = ImportRun(filename="waiting.xml", size=1, done=0, report={})
    db.session.add_all([before, waiting])
    db.session.commit()

    migrate(migration.upgrade)
    db.session.refresh(before)
    assert before.report == header
    report = importing.report_of(before)
    assert report.summary() == "4 found: 1 created, 1 revised, 1 unchanged, 1 skipped"
    assert [
        (i.article_id, i.headline, i.state, i.awaiting_review, i.findings) for i in report.items
    ] == [
        (first.id, "First story", "created", True, {"footer": 1}),
        (second.id, "Second story", "revised", False, {}),
        (first.id + second.id + 1000, "", "unchanged", False, {}),
    ]
    assert importing.report_of(waiting).items == []

    migrate(migration.downgrade)
    db.session.refresh(before)
    db.session.refresh(waiting)
    assert before.report == header | {"items": items}
    assert waiting.report == {}
    migrate(migration.upgrade)


def test_a_waiting_files_bytes_move_to_a_table_of_their_own_and_back() -> None:
    """0037 on the suite's database, in the test's transaction: a queued file's bytes
    leave its run's row for import_files, and the downgrade puts them back."""
    migration = _migration("0037_import_files")
    migrate = _committing_steps()

    migrate(migration.downgrade)
    waiting = db.session.scalar(
        sa.text(
            "INSERT INTO import_runs (filename, headline, url, size, data, done, report,"
            " error, created_at) VALUES ('big.xml', '', '', 5, :data, 0, '{}', '', :now)"
            " RETURNING id"
        ),
        {"data": b"<rss>", "now": utcnow()},
    )
    db.session.commit()
    migrate(migration.upgrade)
    assert db.session.get(ImportFile, waiting).data == b"<rss>"
    migrate(migration.downgrade)
    back = sa.text("SELECT data FROM import_runs WHERE id = :id")
    assert bytes(db.session.scalar(back, {"id": waiting})) == b"<rss>"
    migrate(migration.upgrade)


def test_raw_hits_gain_a_nullable_unique_key_and_lose_it_again(
    make_partner, make_article, make_grant
):
    """0038 on the suite's database, in the test's transaction: the hits written before it
    keep their rows, without a key, and the downgrade drops the key and its index."""
    migration = _migration("0038_pixel_hit_keys")
    migrate = _committing_steps()

    def columns() -> set[str]:
        return {c["name"] for c in sa.inspect(db.session.connection()).get_columns("pixel_hits")}

    grant = make_grant(make_partner(), make_article())
    migrate(migration.downgrade)
    assert "hit_key" not in columns()
    db.session.execute(
        sa.text(
            "INSERT INTO pixel_hits (grant_id, referrer, visitor_hash, page_url, domain, verdict,"
            " created_at) VALUES (:grant, '', '', '', '', 'counted', :now)"
        ),
        {"grant": grant.id, "now": utcnow()},
    )
    db.session.commit()
    migrate(migration.upgrade)
    assert db.session.scalars(sa.select(PixelHit.hit_key)).all() == [None]
    indexes = {i["name"]: i for i in sa.inspect(db.session.connection()).get_indexes("pixel_hits")}
    assert indexes["ix_pixel_hits_hit_key"]["unique"]
