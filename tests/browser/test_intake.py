"""Staff review the intake queue in a real browser: select several, release, with CSRF on."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from syndication.demo.loader import DEMO_PASSWORD
from syndication.extensions import db
from syndication.models import Article, IntakeState
from syndication.services import articles, importing
from tests.browser.conftest import pass_second_factor


def test_staff_release_two_imported_articles_in_bulk(server: str, page: Page, live_app, shared_dir):
    feed = shared_dir / "corpus" / "feeds" / "guardian-us.rss"
    with live_app.app_context():
        drafts = importing.drafts_from_file(feed)[:3]
        imported = [articles.import_draft(d).article for d in drafts]
        ids = [a.id for a in imported]
        headlines = [a.headline for a in imported]

    page.goto(f"{server}/login")
    page.get_by_label("Email").fill("staff@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    pass_second_factor(page)
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.get_by_role("link", name="Intake", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Intake")
    for headline in headlines[:2]:
        page.get_by_role("checkbox", name=f"Select “{headline}”").check()
    page.get_by_role("button", name="Release selected").click()
    expect(page.get_by_text("Released 2 articles into the catalogue.")).to_be_visible()
    expect(page.get_by_role("link", name=headlines[2])).to_be_visible()

    with live_app.app_context():
        rows = db.session.execute(sa.select(Article.id, Article.intake).where(Article.id.in_(ids)))
        states = {article_id: state for article_id, state in rows}
    assert [states[i] for i in ids] == [
        IntakeState.RELEASED,
        IntakeState.RELEASED,
        IntakeState.AWAITING_REVIEW,
    ]
