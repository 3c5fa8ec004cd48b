"""Every page, at 375 px and 1280 px, as every role: axe-core finds nothing serious, and
nothing scrolls sideways.

The pages are listed beside the routes (syndication/views/pages.py); a GET route that
is in neither list there fails the first test, so a new page is walked from day one.
Screenshots of every page land in each test's temporary folder.
"""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from flask import url_for
from playwright.sync_api import Browser, Page

from syndication.demo.loader import DEMO_PASSWORD, SEED_HEADLINE
from syndication.extensions import db
from syndication.models import (
    Article,
    CheckState,
    Copy,
    CopyCheck,
    CopyFlag,
    CopySource,
    FlagKind,
    Notice,
    NoticeDelivery,
    NoticeKind,
    Partner,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookState,
)
from syndication.models.base import utcnow
from syndication.services import (
    apikeys,
    articles,
    grants,
    importing,
    notices,
    pixels,
    rulesets,
    tokens,
    two_factor,
    users,
    webhooks,
)
from syndication.views.pages import (
    ADMIN,
    MACHINE_BLUEPRINTS,
    NOT_PAGES,
    PAGES,
    PARTNER,
    ROLES,
    STAFF,
    VISITOR,
)
from tests.browser.conftest import log_in

WIDTHS = {"phone": 375, "laptop": 1280}
# The walk's partner is one no other browser test logs in as.
LOGINS = {
    PARTNER: "editor@maplecurrent.example",
    STAFF: "staff@example.org",
    ADMIN: "admin@example.org",
}
SERIOUS = ("serious", "critical")
AXE = Axe()


def problems_on(page: Page, where: str) -> list[str]:
    """What is wrong with the page as shown: serious axe findings, sideways scrolling."""
    found = []
    results = AXE.run(page)
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS:
            targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
            found.append(
                f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} "
                f"at {targets}"
            )
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if widths[0] > widths[1]:
        found.append(f"{where}: scrolls sideways ({widths[0]} px wide in {widths[1]} px)")
    return found


# Accounts only the walk logs in as, for the login's second step and its enrolment step.
TWO_FACTOR_USER = "walk-two-factor@maplecurrent.example"
ENROL_USER = "walk-enrol@example.org"


@pytest.fixture(scope="module")
def facts(live_app) -> dict[str, object]:
    """What the pages' URLs name, made in the live app: the walk partner holds a grant with
    a notice (one holder acknowledged it, one is late) and a webhook with a failed delivery,
    an article has a second revision, a colleague has an invitation, an account has a
    reset link, and the login's second step and enrolment have an account each."""
    with live_app.test_request_context():
        partner = db.session.scalar(sa.select(Partner).where(Partner.name == "Maple Current"))
        other = db.session.scalar(sa.select(Partner).where(Partner.name == "The Prairie Weekly"))
        editor = users.find_by_email(LOGINS[PARTNER])
        admin = users.find_by_email(LOGINS[ADMIN])
        seed = db.session.scalar(sa.select(Article).where(Article.headline == SEED_HEADLINE))
        (result,) = grants.request_articles(partner, [seed.id], requested_by=editor)
        grant = result.grant
        now = utcnow()
        notice = Notice(
            article=seed,
            kind=NoticeKind.CORRECTION,
            title="Corrected a date",
            public_note="The meeting was on 10 March, not 11 March.",
            revision_number=seed.current_revision,
        )
        delivery = NoticeDelivery(
            notice=notice, partner=partner, grant_id=grant.id, due_at=now + timedelta(hours=72)
        )
        late = NoticeDelivery(notice=notice, partner=other, due_at=now - timedelta(hours=1))
        db.session.add_all([delivery, late])
        partner.webhook_url = "https://hooks.maplecurrent.example/syndication"
        partner.webhook_secret = webhooks.secret_box().seal("whsec_" + "A" * 32)
        failed = WebhookDelivery(
            partner=partner,
            event_type="notice.correction",
            message_id="msg_walk_failed_delivery_0001",
            payload={"type": "notice.correction", "data": {}},
            state=WebhookState.FAILED,
            attempts=2,
            last_status=500,
        )
        failed.attempt_log = [
            WebhookAttempt(at=now - timedelta(minutes=30), status_code=None, latency_ms=5000,
                           error="timed out after 5 s"),
            WebhookAttempt(at=now - timedelta(minutes=5), status_code=500, latency_ms=87),
        ]  # fmt: skip
        db.session.add(failed)
        revised = db.session.scalars(
            sa.select(Article).where(Article.headline != SEED_HEADLINE).order_by(Article.id)
        ).first()
        articles.edit_content(
            revised,
            actor=admin,
            headline=revised.headline,
            dek=revised.dek,
            body_html=revised.body_html + "<p>A paragraph added for the walk.</p>",
            note="Added a paragraph",
        )
        invited = users.invite_colleague("walk-colleague@example.org", "staff", actor=admin)
        rule = rulesets.rules_in_order(rulesets.ensure_current())[0]
        copy = Copy(
            grant_id=grant.id,
            article_id=seed.id,
            partner_id=partner.id,
            url="https://maplecurrent.example/world/kuleba-lavrov-talks-with-a-long-address",
            domain="maplecurrent.example",
            source=CopySource.STAFF,
        )
        db.session.add(copy)
        db.session.flush()
        db.session.add(CopyFlag(copy_id=copy.id, kind=FlagKind.CHECK_FAILED, detail="Footer"))
        db.session.add(
            CopyCheck(
                copy_id=copy.id,
                state=CheckState.FAILED,
                revision_number=1,
                http_status=200,
                similarity=0.991,
                finished_at=utcnow(),
                results=[
                    {"check": "text", "passed": True, "evidence": "Similarity 0.991."},
                    {"check": "footer", "passed": False, "evidence": "Missing “Content…”."},
                ],
            )
        )
        with_code = users.create_user(
            TWO_FACTOR_USER, "partner", password=DEMO_PASSWORD, partner=partner
        )
        secret = two_factor.new_secret()
        two_factor.enable(
            with_code, secret, pyotp.TOTP(secret).generate_otp(pyotp.TOTP(secret).timecode(now))
        )
        users.create_user(ENROL_USER, "staff", password=DEMO_PASSWORD)
        db.session.commit()
        # Readers of two copies of the grant, one on a site that is not the partner's:
        # the Copies, article and partner pages show copies, views and an open flag.
        token = pixels.pixel_url(grant.id).rsplit("/", 1)[1].removesuffix(".gif")
        for n, page_address in enumerate(
            ("https://maplecurrent.example/story/", "https://copied.example/a")
        ):
            pixels.record_hit(
                token,
                referrer=page_address,
                remote_addr=f"198.51.100.{n}",
                user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
            )
        pixels.flush()
        run = importing.queue(
            (live_app.config["CORPUS_DIR"] / "feeds" / "guardian-us.rss").read_bytes(),
            "guardian-us.rss",
            actor=admin,
        )
        return {
            "article": seed.id,
            "grant": grant.id,
            "partner": partner.id,
            "revised_article": revised.id,
            "two": 2,
            "rule": rule.key,
            "invitation": tokens.invitation_token(invited),
            "import_run": run.id,
            "licence": grant.licence_id,
            "copy": copy.id,
            "notice": notice.id,
            "acknowledgement": notices.ack_token(delivery),
            "reset": tokens.reset_token(editor),
        }


def password_step(page: Page, server: str, email: str) -> None:
    """The first step of a login, which leaves the browser at the second."""
    page.goto(f"{server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" in url)


BEFORE = {
    "password:two_factor": lambda page, server: password_step(page, server, TWO_FACTOR_USER),
    "password:enrol": lambda page, server: password_step(page, server, ENROL_USER),
}


def address(live_app, endpoint: str, facts: dict) -> str:
    spec = PAGES[endpoint]
    with live_app.test_request_context():
        url = url_for(endpoint, **{arg: facts[fact] for arg, fact in spec.args.items()})
    return url + ("?" + spec.query.format(**facts) if spec.query else "")


def test_every_get_route_is_a_walked_page_or_named_as_not_one(live_app):
    endpoints = {rule.endpoint for rule in live_app.url_map.iter_rules() if "GET" in rule.methods}
    unlisted = {
        e
        for e in endpoints
        if e.split(".")[0] not in MACHINE_BLUEPRINTS and e not in NOT_PAGES and e not in PAGES
    }
    assert not unlisted, f"add these pages to syndication/views/pages.py: {sorted(unlisted)}"
    assert set(PAGES) <= endpoints, set(PAGES) - endpoints
    assert all(set(spec.roles) <= set(ROLES) for spec in PAGES.values())


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_and_fits_the_screen(
    browser: Browser, server: str, live_app, facts, role: str, width: str, tmp_path
):
    context = browser.new_context(viewport={"width": WIDTHS[width], "height": 900})
    page = context.new_page()
    if role != VISITOR:
        log_in(page, server, LOGINS[role])
    problems: list[str] = []
    walked = 0
    for endpoint, spec in PAGES.items():
        if role not in spec.roles:
            continue
        if spec.before:
            BEFORE[spec.before](page, server)
        response = page.goto(server + address(live_app, endpoint, facts))
        where = f"{role} {width} {endpoint}"
        if response is None or response.status != 200:
            problems.append(f"{where}: answered {response.status if response else 'nothing'}")
            continue
        problems += problems_on(page, where)
        page.screenshot(path=str(tmp_path / f"{role}-{width}-{endpoint}.png"), full_page=True)
        walked += 1
    # The open menu of a phone, and an error page, are pages too.
    if width == "phone":
        page.get_by_role("button", name="Menu").click()
        problems += problems_on(page, f"{role} {width} open menu")
        page.screenshot(path=str(tmp_path / f"{role}-{width}-menu.png"))
    missing = page.goto(f"{server}/no-such-page")
    assert missing is not None and missing.status == 404
    problems += problems_on(page, f"{role} {width} 404 page")
    context.close()
    assert walked > 0
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_confirmation_dialog_and_page_pass_axe(
    browser: Browser, server: str, live_app, facts, width: str, tmp_path
):
    """A destructive action's dialog, and the page that asks without scripts."""
    with live_app.test_request_context():
        editor = db.session.scalar(sa.select(User).where(User.email == LOGINS[PARTNER]))
        apikeys.create_key(editor, f"Walk key {width}")
    context = browser.new_context(viewport={"width": WIDTHS[width], "height": 900})
    page = context.new_page()
    log_in(page, server, LOGINS[PARTNER])
    page.goto(f"{server}/portal/keys")
    page.get_by_role("button", name=f"Revoke Walk key {width}").click()
    dialog = page.get_by_role("dialog")
    assert "Revoke the key" in dialog.inner_text()
    problems = problems_on(page, f"{width} dialog")
    page.screenshot(path=str(tmp_path / f"{width}-dialog.png"))
    dialog.get_by_role("button", name="Cancel").click()
    # form.submit() skips the dialog, as a browser without scripts does.
    with page.expect_navigation():
        page.evaluate("document.querySelector('form[data-confirm]').submit()")
    assert page.get_by_role("heading", name="Please confirm").is_visible()
    problems += problems_on(page, f"{width} confirmation page")
    page.screenshot(path=str(tmp_path / f"{width}-confirm.png"), full_page=True)
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_standalone_page_is_self_contained_readable_and_accessible(
    browser: Browser, server: str, facts, width: str, tmp_path
):
    """article.page.html from a real package, opened from disk as a partner would."""
    context = browser.new_context(viewport={"width": WIDTHS[width], "height": 900})
    page = context.new_page()
    log_in(page, server, LOGINS[PARTNER])
    download = page.request.get(
        f"{server}/portal/grants/{facts['grant']}/download/article.page.html"
    )
    assert download.ok
    saved = tmp_path / "article.page.html"
    saved.write_bytes(download.body())
    # The portal page of the login may still be fetching its favicon: let it finish, so
    # only the standalone page's own requests are counted.
    page.wait_for_load_state("networkidle")
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(saved.as_uri())
    # Nothing but the page itself and the tracking pixel that counts its readers.
    assert [u for u in requested if not u.startswith("file:") and "/px/" not in u] == []
    for selector in (".credit", ".syndication-footer", ".originally-appeared a"):
        assert page.locator(selector).first.is_visible(), selector
    problems = problems_on(page, f"{width} article.page.html")
    page.screenshot(path=str(tmp_path / f"{width}-article-page.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator(".page-note").is_visible()
    context.close()
    assert not problems, "\n".join(problems)
