"""Staff write a rule, preview it on the seed article; a partner gets it in the grant."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from syndication.demo.loader import DEMO_PASSWORD, SEED_HEADLINE
from tests.browser.conftest import pass_second_factor

FOOTER = "World desk copy from {{ organisation }}, shared with {{ partner_name }}."
RENDERED = "World desk copy from The Daily Caller News Foundation, shared with"


def _log_in(page: Page, server: str, email: str) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    pass_second_factor(page)


def test_rule_written_previewed_and_carried_by_the_grant(server: str, page: Page):
    _log_in(page, server, "staff@example.org")
    page.get_by_role("link", name="Rules").click()
    page.get_by_role("link", name="New rule").click()
    page.get_by_label("Name").fill("World desk footer")
    page.get_by_label("Syndication policy").select_option(["free_eligible"])
    page.get_by_label("Sections").fill("World")
    page.get_by_label("Footer").fill("{{ organisaton }}")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("unknown variable 'organisaton'")).to_be_visible()

    page.get_by_label("Footer").fill(FOOTER)
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_role("link", name="World desk footer")).to_be_visible()

    page.get_by_role("link", name="Preview on an article").click()
    page.get_by_label("Article").select_option(label=SEED_HEADLINE)
    page.get_by_label("Format").select_option("text")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#rendered-footer")).to_contain_text(RENDERED)
    expect(page.locator(".applied")).to_contain_text("World desk footer")
    page.get_by_role("button", name=re.compile("Log out")).click()

    _log_in(page, server, "editor@lonestarledger.example")
    page.get_by_role("link", name="Catalogue", exact=True).click()
    page.get_by_role("searchbox").fill("Kuleba")
    page.get_by_role("button", name="Search").click()
    page.get_by_label(f"Select {SEED_HEADLINE}").check()
    page.get_by_role("button", name="Request selected articles").click()
    expect(
        page.get_by_text("1 granted, 0 waiting (the reasons are below), 0 refused")
    ).to_be_visible()

    page.get_by_role("link", name="My partnership").click()
    page.get_by_role("link", name=SEED_HEADLINE).click()
    expect(page.locator("#grant-footer")).to_contain_text(RENDERED + " Lone Star")
