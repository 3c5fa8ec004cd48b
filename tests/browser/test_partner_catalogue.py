"""A partner finds, previews, requests and downloads articles in a real browser."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from syndication.demo.loader import DEMO_PASSWORD, SEED_HEADLINE
from syndication.extensions import db
from syndication.models import Article, SyndicationPolicy

FOOTER = "please contact licensing@dailycallernewsfoundation.org"


def _pick(app, **where) -> str:
    """The headline of a demo article with the given rights."""
    with app.app_context():
        now = datetime.now(UTC)
        query = sa.select(Article.headline).order_by(Article.id)
        if where.get("embargoed"):
            query = query.where(Article.embargo_until > now)
        else:
            query = query.where(
                sa.or_(Article.embargo_until.is_(None), Article.embargo_until <= now)
            )
        if "policy" in where:
            query = query.where(Article.policy == where["policy"])
        return db.session.scalars(query.limit(1)).one()


def test_partner_searches_previews_requests_and_downloads(server: str, live_app, page: Page):
    licensed = _pick(live_app, policy=SyndicationPolicy.LICENSED)
    embargoed = _pick(live_app, embargoed=True)

    page.goto(f"{server}/login")
    page.get_by_label("Email").fill("editor@heartlanddispatch.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Search, then preview the seed article as it would be published.
    page.get_by_role("link", name="Catalogue", exact=True).click()
    page.get_by_role("searchbox").fill("Kuleba Lavrov")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=SEED_HEADLINE).click()
    preview = page.locator(".package-preview")
    expect(preview).to_contain_text(FOOTER)
    expect(preview).not_to_contain_text("(RELATED:")

    # Request three: the seed (free), a licensed one, an embargoed one.
    page.get_by_role("link", name="← Catalogue").click()
    form = page.locator("form:has(button:text('Request selected articles'))")
    for headline in (SEED_HEADLINE, licensed, embargoed):
        page.get_by_role("searchbox").fill(f'"{headline}"')
        page.get_by_role("button", name="Search").click()
        page.get_by_label(f"Select {headline}").check()
        form.get_by_role("button", name="Request selected articles").click()
        page.get_by_role("link", name="Catalogue", exact=True).click()

    page.get_by_role("link", name="Requests", exact=True).click()
    rows = page.locator("table.requests tbody tr")
    expect(rows.filter(has_text=SEED_HEADLINE)).to_contain_text("granted")
    expect(rows.filter(has_text=licensed)).to_contain_text("pending")
    # An embargoed article waits (for staff when licensed, for its embargo when free).
    waiting = rows.filter(has_text=embargoed)
    expect(waiting).to_contain_text("pending")
    expect(waiting).to_contain_text("embargoed until")

    # Download the granted bundle and find it in the history.
    page.get_by_role("link", name="My partnership").click()
    page.get_by_role("link", name=SEED_HEADLINE).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the package (zip)").click()
    assert download.value.suggested_filename.endswith(".zip")
    page.get_by_role("link", name="Downloads", exact=True).click()
    expect(page.locator("table.downloads-history")).to_contain_text(SEED_HEADLINE)
    expect(page.locator("table.downloads-history")).to_contain_text(re.compile("bundle"))
