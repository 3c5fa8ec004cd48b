"""Every page, at 375 px and 1280 px, as every role: axe-core finds nothing serious, and
nothing scrolls sideways.

The pages are listed beside the routes (syndication/views/pages.py); a GET route that
is in neither list there fails the first test, so a new page is walked from day one.
Screenshots of every page land in each test's temporary folder.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from flask import url_for
from playwright.sync_api import Browser, Page

from syndication.demo.loader import SEED_HEADLINE
from syndication.extensions import db
from syndication.models import Article, Notice, NoticeDelivery, NoticeKind, Partner, User
from syndication.services import apikeys, articles, grants, pixels, rulesets, tokens, users
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


@pytest.fixture(scope="module")
def facts(live_app) -> dict[str, object]:
    """What the pages' URLs name, made in the live app: the walk partner holds a grant with
    a notice, an article has a second revision, a colleague has an invitation."""
    with live_app.test_request_context():
        partner = db.session.scalar(sa.select(Partner).where(Partner.name == "Maple Current"))
        editor = users.find_by_email(LOGINS[PARTNER])
        admin = users.find_by_email(LOGINS[ADMIN])
        seed = db.session.scalar(sa.select(Article).where(Article.headline == SEED_HEADLINE))
        (result,) = grants.request_articles(partner, [seed.id], requested_by=editor)
        grant = result.grant
        notice = Notice(article=seed, kind=NoticeKind.CORRECTION, title="Corrected a date")
        db.session.add(NoticeDelivery(notice=notice, partner=partner, grant_id=grant.id))
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
        db.session.commit()
        # Readers of two copies of the grant, one on a site that is not the partner's:
        # the Copies, article and partner pages show copies, views and an open flag.
        token = pixels.pixel_url(grant.id).rsplit("/", 1)[1].removesuffix(".gif")
        for n, copy in enumerate(
            ("https://maplecurrent.example/story/", "https://copied.example/a")
        ):
            pixels.record_hit(
                token,
                referrer=copy,
                remote_addr=f"198.51.100.{n}",
                user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
            )
        pixels.flush()
        return {
            "article": seed.id,
            "grant": grant.id,
            "partner": partner.id,
            "revised_article": revised.id,
            "two": 2,
            "rule": rule.key,
            "invitation": tokens.invitation_token(invited),
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
