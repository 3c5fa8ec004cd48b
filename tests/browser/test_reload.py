"""Reloading the page a form led to repeats nothing: every POST answers with a redirect.

Each form is sent as a person would, in the real browser; then the page is reloaded
and every table that a form writes to must hold exactly what it held before.
"""

from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from syndication.demo.loader import DEMO_PASSWORD, SEED_HEADLINE
from syndication.extensions import db
from syndication.models import (
    Article,
    Grant,
    IntakeState,
    Notice,
    NoticeDelivery,
    NoticeKind,
    Partner,
    Role,
    SyndicationPolicy,
)
from syndication.services import grants, notices, users
from tests.browser.conftest import log_in
from tests.factories import new_partner

TABLES = (
    "audit_events",
    "api_keys",
    "article_requests",
    "grants",
    "partners",
    "users",
    "jobs",
    "articles",
    "article_revisions",
    "rule_sets",
    "eligibility_policies",
    "downloads",
    "notices",
    "notice_deliveries",
    "webhook_deliveries",
)
# What a form may change without adding a row.
STATES = {
    "acknowledged notices": (
        "SELECT count(*) FROM notice_deliveries WHERE acknowledged_at IS NOT NULL"
    ),
    "live sessions": "SELECT count(*) FROM login_sessions WHERE ended_at IS NULL",
}
PARTNER = "editor@prairieweekly.example"


class Reloads:
    """Sends a form on a page, then checks that the answer was a GET and a reload writes nothing."""

    def __init__(self, page: Page, app) -> None:
        self.page, self.app = page, app
        self.methods: list[str] = []
        page.on(
            "request",
            lambda r: (
                self.methods.append(r.method)
                if r.is_navigation_request() and r.frame == page.main_frame
                else None
            ),
        )

    def counts(self) -> dict[str, int]:
        with self.app.app_context():
            queries = {table: f"SELECT count(*) FROM {table}" for table in TABLES} | STATES
            return {name: db.session.scalar(sa.text(sql)) for name, sql in queries.items()}

    def check(self, what: str, send) -> None:
        before = self.counts()
        with self.page.expect_navigation():
            send()
        self.page.wait_for_load_state()
        assert self.methods[-1] == "GET", f"{what}: the answer was not a redirect"
        sent = self.counts()
        assert sent != before, f"{what}: the form changed nothing"
        self.page.reload()
        assert self.counts() == sent, f"{what}: reloading repeated it"

    def confirm(self) -> None:
        """Answer the confirmation dialog of a destructive action."""
        self.page.get_by_role("dialog").get_by_role("button", name=re.compile("^Yes")).click()


@pytest.fixture
def fresh(browser: Browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_applying_once(server, live_app, fresh: Page):
    r = Reloads(fresh, live_app)
    fresh.goto(f"{server}/apply")

    def send():
        fresh.get_by_label("Outlet name").fill("The Reload Gazette")
        fresh.get_by_label("Website").fill("https://reloadgazette.example")
        fresh.get_by_label("Domains you publish on").fill("reloadgazette.example")
        fresh.get_by_label("Contact name").fill("Rae Load")
        fresh.get_by_label("Contact email").fill("rae@reloadgazette.example")
        fresh.get_by_label("Monthly unique visitors").fill("150000")
        fresh.get_by_label("How will you use our content?").fill("Weekly roundups.")
        fresh.get_by_label("I accept the syndication terms").check()
        fresh.get_by_role("button", name="Send application").click()

    r.check("apply", send)


def test_partner_forms_once(server, live_app, fresh: Page):
    page = fresh
    with live_app.test_request_context():
        partner = db.session.scalar(sa.select(Partner).where(Partner.name == "The Prairie Weekly"))
        seed = db.session.scalar(sa.select(Article).where(Article.headline == SEED_HEADLINE))
        notice = Notice(article=seed, kind=NoticeKind.UPDATE, title="Reload notice")
        db.session.add(NoticeDelivery(notice=notice, partner=partner))
        by_link = NoticeDelivery(
            notice=Notice(article=seed, kind=NoticeKind.CORRECTION, title="Emailed notice"),
            partner=partner,
        )
        db.session.add(by_link)
        db.session.commit()
        link_token = notices.ack_token(by_link)
    log_in(page, server, PARTNER)
    r = Reloads(page, live_app)

    page.goto(f"{server}/portal/keys")
    page.get_by_label("Label").fill("Reload CMS")
    r.check("create a key", lambda: page.get_by_role("button", name="Create key").click())
    expect(page.locator("#new-key")).to_have_count(0)  # shown once, before the reload

    page.goto(f"{server}/portal/feeds")
    r.check("issue a feed token", lambda: page.get_by_role("button", name="Issue a token").click())
    expect(page.locator(".feed-url")).to_have_count(0)

    page.goto(f"{server}/portal/webhook")
    # An address that resolves (loopback, which the test configuration allows): a made-up
    # host is refused now that every webhook address is checked when it is set.
    page.get_by_label("Webhook URL").fill("https://127.0.0.1:8443/hook")
    r.check("set the webhook", lambda: page.get_by_role("button", name="Save").click())
    expect(page.locator("#webhook-secret")).to_have_count(0)
    r.check(
        "rotate the signing secret",
        lambda: page.get_by_role("button", name="Rotate the secret").click(),
    )
    expect(page.locator("#webhook-secret")).to_have_count(0)
    r.check(
        "send a test event", lambda: page.get_by_role("button", name="Send a test event").click()
    )
    page.get_by_role("button", name="Stop webhook deliveries").click()
    r.check("stop webhook deliveries", r.confirm)
    expect(page.get_by_text("No webhook: notices reach you")).to_be_visible()

    page.goto(f"{server}/account/two-factor")
    key = page.locator("code").first.inner_text()
    page.get_by_label("Code from your app").fill(pyotp.TOTP(key).now())
    r.check("turn on the second factor", lambda: page.get_by_role("button", name="Turn on").click())
    expect(page.locator("#recovery-codes")).to_have_count(0)  # shown once, before the reload

    page.goto(f"{server}/portal/catalogue")
    page.get_by_role("searchbox").fill("Kuleba")
    page.get_by_role("button", name="Search").click()
    page.get_by_label(f"Select {SEED_HEADLINE}").check()

    r.check(
        "request an article",
        lambda: page.get_by_role("button", name="Request selected articles").click(),
    )
    page.goto(f"{server}/portal/")
    page.get_by_role("link", name=SEED_HEADLINE).click()
    r.check(
        "email a download link",
        lambda: page.get_by_role("button", name="Email me a download link").click(),
    )

    page.goto(f"{server}/portal/notices")
    r.check(
        "acknowledge a notice",
        lambda: page.get_by_role(
            "button", name=re.compile("Mark as applied.*Reload notice")
        ).click(),
    )

    page.goto(f"{server}/notices/ack/{link_token}")
    r.check(
        "acknowledge by the emailed link",
        lambda: page.get_by_role("button", name="We have applied it").click(),
    )

    page.goto(f"{server}/portal/users")
    page.get_by_label("Email").fill("second@prairieweekly.example")
    r.check("invite a user", lambda: page.get_by_role("button", name="Send invitation").click())

    page.goto(f"{server}/portal/keys")
    page.get_by_role("button", name="Revoke Reload CMS").click()
    r.check("revoke a key", r.confirm)
    expect(page.get_by_role("button", name="Revoke Reload CMS")).to_have_count(0)


def test_staff_forms_once(server, live_app, fresh: Page, shared_dir):
    page = fresh
    with live_app.test_request_context():
        partner = db.session.scalar(sa.select(Partner).where(Partner.name == "Maple Current"))
        licensed = db.session.scalars(
            sa.select(Article.id).where(
                Article.policy == SyndicationPolicy.LICENSED,
                Article.intake == IntakeState.RELEASED,
            )
        ).first()
        (pending,) = grants.request_articles(partner, [licensed])
        assert pending.request.status.value == "pending"
        partner_id = partner.id
    log_in(page, server, "staff@example.org")
    r = Reloads(page, live_app)

    page.goto(f"{server}/staff/articles/import")
    page.get_by_label("File").set_input_files(
        str(shared_dir / "corpus" / "feeds" / "guardian-us.rss")
    )

    def send_import():
        page.get_by_role("button", name="Import").click()

    r.check("import a feed", send_import)
    with live_app.app_context():
        newest = db.session.scalars(sa.select(Article).order_by(Article.id.desc())).first()
        article_id, headline = newest.id, newest.headline
    page.goto(f"{server}/staff/articles/{article_id}")

    page.get_by_role("link", name="Edit without a notice").click()
    page.get_by_label("Public note").fill("Fixed a typo")
    page.get_by_label("Headline").fill(headline + " (updated)")
    r.check("revise an article", lambda: page.get_by_role("button", name="Save revision").click())

    page.get_by_role("link", name="Edit rights").click()
    page.get_by_label("Reason for the change").fill("Checked with the desk")
    r.check("save rights", lambda: page.get_by_role("button", name="Save rights").click())

    r.check(
        "release from intake",
        lambda: page.get_by_role("button", name="Release with these rights").click(),
    )

    page.goto(f"{server}/staff/rules/new")
    page.get_by_label("Name").fill("Reload rule")
    page.get_by_label("Sections").fill("reload-only")
    r.check("save a rule", lambda: page.get_by_role("button", name="Save as a new version").click())

    page.goto(f"{server}/staff/partners?status=applied")
    page.get_by_role("link", name="Thames Valley Observer").click()
    approve = page.locator("form.decision-approve")
    approve.get_by_label("Reason").fill("Strong regional audience")
    r.check("approve a partner", lambda: approve.get_by_role("button", name="Approve").click())

    page.goto(f"{server}/staff/requests")
    r.check(
        "grant a request",
        lambda: page.get_by_role("button", name=re.compile("^Grant .* to Maple Current")).click(),
    )
    with live_app.app_context():
        granted = db.session.scalar(
            sa.select(Grant).where(Grant.article_id == licensed, Grant.partner_id == partner_id)
        )
        licence = granted.licence_id

    page.goto(f"{server}/staff/articles/{licensed}")
    page.get_by_role("link", name="Correct", exact=True).click()
    page.get_by_label("Public note").fill("A name was misspelled.")
    r.check(
        "send a correction", lambda: page.get_by_role("button", name=re.compile("^Send to")).click()
    )

    page.goto(f"{server}/staff/partners/{partner_id}")
    page.get_by_role("link", name=f"Revoke licence {licence}").click()
    page.get_by_label("Reason for the record").fill("Republished behind a paywall.")
    page.get_by_label("Reason for the partner").fill("Our articles may not be paywalled.")
    page.get_by_role("button", name="Revoke the grant").click()
    r.check("revoke a grant", r.confirm)

    page.goto(f"{server}/staff/articles/{article_id}")
    page.get_by_role("link", name="Take down", exact=True).click()
    page.get_by_label("Public note").fill("Withdrawn at the source's request.")
    page.get_by_label("Reason for the record").fill("Legal asked us to.")
    page.get_by_role("button", name=re.compile("^Take down and tell")).click()
    r.check("take an article down", r.confirm)


def test_admin_forms_once(server, live_app, fresh: Page):
    page = fresh
    log_in(page, server, "admin@example.org")
    r = Reloads(page, live_app)

    page.goto(f"{server}/staff/settings/eligibility")
    page.get_by_label("Minimum monthly unique visitors").fill("110000")
    r.check("save the policy", lambda: page.get_by_role("button", name="Save policy").click())

    page.goto(f"{server}/staff/settings/notices")
    page.get_by_label("Updates: hours to acknowledge").fill("96")
    r.check("save the deadlines", lambda: page.get_by_role("button", name="Save deadlines").click())

    page.goto(f"{server}/staff/colleagues")
    page.get_by_label("Email").fill("reload-colleague@example.org")
    r.check(
        "invite a colleague", lambda: page.get_by_role("button", name="Send invitation").click()
    )
    page.get_by_role("button", name="Make reload-colleague@example.org admin").click()
    r.check("make an admin", r.confirm)
    page.get_by_role("button", name="Deactivate reload-colleague@example.org").click()
    r.check("deactivate a colleague", r.confirm)
    expect(
        page.get_by_role("button", name="Reactivate reload-colleague@example.org")
    ).to_be_visible()


def test_without_scripts_a_confirmation_page_asks_first(server, live_app, browser: Browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, server, "admin@example.org")
    page.goto(f"{server}/staff/colleagues")
    page.get_by_label("Email").fill("nojs-colleague@example.org")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_role("button", name="Deactivate nojs-colleague@example.org").click()
    expect(page.get_by_role("heading", name="Please confirm")).to_be_visible()
    expect(page.get_by_text("Deactivate nojs-colleague@example.org?")).to_be_visible()
    page.get_by_role("button", name="Yes, go ahead").click()
    expect(page.get_by_text("nojs-colleague@example.org is deactivated")).to_be_visible()
    context.close()


def test_reloading_after_a_bundle_download_downloads_nothing_again(
    server, live_app, browser: Browser
):
    # The one form answered with a file, not a redirect: the browser saves the zip and
    # stays on the page the form was on, so a reload asks for that page, not the zip.
    with live_app.test_request_context():
        partner = new_partner(name="Bundle Reload Courier")
        editor = users.create_user(
            "bea@bundlereload.example", Role.PARTNER, password=DEMO_PASSWORD, partner=partner
        )
        seed = db.session.scalar(sa.select(Article).where(Article.headline == SEED_HEADLINE))
        (result,) = grants.request_articles(partner, [seed.id], requested_by=editor)
        assert result.grant is not None
        db.session.commit()
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        log_in(page, server, "bea@bundlereload.example")
        page.goto(f"{server}/portal/")
        page.locator("input[name=grant_id]").first.check()
        r = Reloads(page, live_app)
        before = r.counts()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download selected as one bundle").click()
        assert download.value.suggested_filename.endswith(".zip")
        sent = r.counts()
        assert sent["downloads"] > before["downloads"]
        page.reload()
        page.wait_for_load_state()
        assert r.counts() == sent, "reloading downloaded the bundle again"
        assert r.methods[-1] == "GET" and page.url.rstrip("/").endswith("/portal")
    finally:
        context.close()
