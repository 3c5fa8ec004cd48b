"""From application to a working API key, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from syndication.demo.loader import DEMO_PASSWORD
from tests.browser.conftest import pass_second_factor

CONTACT = "olive@orchardobserver.example"


def _log_in(page: Page, server: str, email: str, password: str) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    pass_second_factor(page)


def test_apply_review_approve_invite_and_use_an_api_key(server: str, page: Page, mailbox):

    # 1. Apply: a validation error first, then success.
    page.goto(f"{server}/apply")
    page.get_by_label("Outlet name").fill("The Orchard Observer")
    page.get_by_label("Website").fill("https://www.orchardobserver.example")
    page.get_by_label("Domains you publish on").fill("orchardobserver.example")
    page.get_by_label("Contact name").fill("Olive Orchard")
    page.get_by_label("Contact email").fill(CONTACT)
    page.get_by_label("How will you use our content?").fill("Republish world news daily.")
    page.get_by_label("I accept the syndication terms").check()
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_text("Give at least one audience figure")).to_be_visible()

    page.get_by_label("Monthly unique visitors").fill("320000")
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_text("we received the application of The Orchard Observer")).to_be_visible()
    assert mailbox.to(CONTACT), "the confirmation email reached the SMTP server"

    # 2. Staff see the recommendation and approve.
    _log_in(page, server, "staff@example.org", DEMO_PASSWORD)
    page.goto(f"{server}/staff/partners?status=applied")
    page.get_by_role("link", name="The Orchard Observer").click()
    expect(page.locator(".recommendation")).to_contain_text(
        "monthly unique visitors 320,000 meets the 100,000 threshold"
    )
    approve = page.locator("form.decision-approve")
    approve.get_by_label("Tier").select_option("premium")
    approve.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("The Orchard Observer is now approved")).to_be_visible()
    page.get_by_role("button", name=re.compile("Log out")).click()

    # 3. The invitation arrives; the partner sets a password and is logged in.
    invitation = next(m for m in mailbox.to(CONTACT) if "account" in m["Subject"])
    link = re.search(r"http://\S+/invitation/\S+", invitation.get_body(("plain",)).get_content())
    page.goto(link.group())
    page.get_by_label("New password").fill("orchard-password-1")
    page.get_by_label("Repeat the password").fill("orchard-password-1")
    page.get_by_role("button", name="Set password and log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The Orchard Observer")

    # 4. An API key: shown once, works, then fails after revocation.
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Label").fill("Newsroom CMS")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-key").inner_text()
    headers = {"Authorization": f"Bearer {secret}"}
    assert page.request.get(f"{server}/api/v1/", headers=headers).status == 200

    page.goto(f"{server}/portal/keys")
    expect(page.locator("#new-key")).to_have_count(0)
    page.get_by_role("button", name="Revoke Newsroom CMS").click()
    # A dialog asks first; nothing is revoked until it is answered.
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Revoke the key “Newsroom CMS”?")
    assert page.request.get(f"{server}/api/v1/", headers=headers).status == 200
    dialog.get_by_role("button", name="Yes, go ahead").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    assert page.request.get(f"{server}/api/v1/", headers=headers).status == 401
