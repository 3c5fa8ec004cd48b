"""A large upload in a real browser: queued by the form, followed on its page by app.js."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from syndication.extensions import db
from syndication.models import Article
from syndication.tasks import run_now
from tests.browser.conftest import log_in
from tests.services.test_background_imports import generated_feed


@pytest.fixture
def backlog_removed_after(live_app):
    """The browser tests share one live app: its hundreds of imported articles would push
    the other tests' articles off the Intake page, so they go once this test is done."""
    yield
    with live_app.app_context():
        backlog = sa.select(Article.id).where(Article.canonical_url.contains("backlog.example"))
        db.session.execute(
            sa.update(Article)
            .where(Article.possible_duplicate_of_id.in_(backlog))
            .values(possible_duplicate_of_id=None)
        )
        db.session.execute(sa.delete(Article).where(Article.id.in_(backlog)))
        db.session.commit()


def test_a_large_upload_shows_its_progress_then_its_report(
    server: str, page: Page, live_app, tmp_path, backlog_removed_after
):
    items = live_app.config["IMPORT_INLINE_MAX_ITEMS"] + 20
    feed = tmp_path / "wire-backlog.xml"
    feed.write_bytes(generated_feed(items, paragraphs=1, site="backlog.example"))
    log_in(page, server, "staff@example.org")
    message = page.locator(".import-progress-message")

    page.goto(f"{server}/staff/articles/import")
    page.get_by_label("File").set_input_files(str(feed))
    page.get_by_role("button", name="Import").click()
    expect(page).to_have_url(re.compile(r"/staff/articles/imports/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Importing wire-backlog.xml")
    expect(message).to_have_text("Waiting for a worker to read the file.")
    expect(page.get_by_label("Items stored")).to_be_visible()

    assert run_now(live_app) >= 1  # the worker imports it while the page polls
    # No reload by hand: the page's script sees the import end and shows the report.
    expect(page.get_by_role("heading", name="Import report: wire-backlog.xml")).to_be_visible(
        timeout=20_000
    )
    expect(message).to_have_text(f"Done: {items} of {items} items stored.")
    expect(page.get_by_text(f"{items} found: {items} created")).to_be_visible()
