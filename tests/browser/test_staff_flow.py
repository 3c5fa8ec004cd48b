"""Staff in a real browser: log in, find the seed article, open it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from syndication.demo.loader import DEMO_PASSWORD, SEED_HEADLINE
from tests.browser.conftest import pass_second_factor


def test_staff_logs_in_and_opens_the_seed_article(server: str, page: Page):
    page.goto(f"{server}/login")
    page.get_by_label("Email").fill("staff@example.org")
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("do not match an account")).to_be_visible()

    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    pass_second_factor(page)
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.get_by_role("link", name="Articles", exact=True).click()
    page.get_by_role("searchbox").fill("Kuleba")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=SEED_HEADLINE).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(SEED_HEADLINE)
    expect(page.locator(".finding-cited_outlet")).to_contain_text("Axios")
    expect(page.locator(".finding-promo")).to_contain_text("(RELATED:")
    expect(page.locator(".finding-footer")).to_contain_text("Content created by")
    # The footer lives in a rule, not in the body.
    expect(page.locator(".body")).not_to_contain_text("Content created by")
