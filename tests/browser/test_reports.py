"""The reports in a real browser: every chart is drawn, and every CSV download holds the
numbers of the table below its chart; a partner sees its own numbers only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from syndication.demo.loader import DEMO_PASSWORD, SEED_HEADLINE
from syndication.extensions import db
from syndication.models import Article, OutletType, Partner, PartnerDomain, PartnerStatus, Role
from syndication.models.base import utcnow
from syndication.services import grants, users
from tests.browser.conftest import log_in
from tests.factories import record_views

PAGES = ("", "/top", "/grants", "/notices", "/compliance")
PARTNER_EMAIL = "editor@reportsgazette.example"
DAYS = range(0, 30, 2)  # days ago with views, all within the default 30-day range
COUNTED = 1234 + sum(10 + n for n in DAYS)
RAW = 5678 + sum(25 + 3 * n for n in DAYS)


@pytest.fixture(scope="module")
def viewed(live_app) -> dict[str, int]:
    """A partner of its own, holding the seed article, read on most of the last 30 days."""
    with live_app.test_request_context():
        partner = Partner(
            name="Reports Gazette",
            website="https://reportsgazette.example",
            outlet_type=OutletType.NEWSPAPER,
            contact_name="Rita Reports",
            contact_email="rita@reportsgazette.example",
            monthly_unique_visitors=400_000,
            status=PartnerStatus.APPROVED,
            domains=[PartnerDomain(domain="reportsgazette.example")],
        )
        db.session.add(partner)
        db.session.flush()
        editor = users.create_user(
            PARTNER_EMAIL, Role.PARTNER, password=DEMO_PASSWORD, partner=partner
        )
        seed = db.session.scalar(sa.select(Article).where(Article.headline == SEED_HEADLINE))
        (result,) = grants.request_articles(partner, [seed.id], requested_by=editor)
        today = utcnow().date()
        for n in DAYS:
            record_views(result.grant, today - timedelta(days=n), counted=10 + n, raw=25 + 3 * n)
        record_views(result.grant, today, counted=1234, raw=5678, domain="mirror.example")
        db.session.commit()
        return {"partner": partner.id}


def drawn_charts(page: Page) -> list[str]:
    """The ids of the canvases Chart.js drew on: a chart object and non-blank pixels."""
    return page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-chart]')].filter(canvas => {
            if (!canvas.chart || canvas.width === 0 || canvas.height === 0) return false;
            const pixels = canvas.getContext('2d')
                .getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
            return false;
        }).map(canvas => canvas.id)"""
    )


def table_rows(page: Page, key: str) -> list[list[str]]:
    """A report's table as text, header first, numbers as the CSV writes them."""
    rows = page.evaluate(
        """key => [...document.querySelectorAll(
                `section[aria-labelledby="report-${key}-h"] table tr`)]
            .map(tr => [...tr.querySelectorAll('th, td')].map(cell => cell.innerText.trim()))""",
        key,
    )
    return [[_as_written(cell) for cell in row] for row in rows]


def _as_written(cell: str) -> str:
    # The page writes 12,345 and 50.0%; the CSV 12345 and 50.0. Text stays as it is.
    number = cell.replace(",", "").removesuffix("%")
    return number if number.replace(".", "", 1).isdigit() else cell


def downloaded_csv(page: Page, key: str) -> list[list[str]]:
    link = page.locator(f'section[aria-labelledby="report-{key}-h"] a[download]')
    with page.expect_download() as info:
        link.click()
    text = open(info.value.path(), encoding="utf-8").read()  # noqa: SIM115 (a temp file)
    return list(csv.reader(io.StringIO(text)))


def check_every_report(page: Page, base: str) -> dict[str, list[list[str]]]:
    """Open each report page: each chart drawn, each CSV equal to its table."""
    tables = {}
    for path in PAGES:
        page.goto(base + path)
        page.wait_for_function("document.querySelectorAll('canvas[data-chart]').length > 0")
        canvases = page.eval_on_selector_all("canvas[data-chart]", "cs => cs.map(c => c.id)")
        page.wait_for_function(
            "n => [...document.querySelectorAll('canvas[data-chart]')]"
            ".filter(c => c.chart).length === n",
            arg=len(canvases),
        )
        assert drawn_charts(page) == canvases, path
        for canvas in canvases:
            key = canvas.removeprefix("chart-")
            shown = table_rows(page, key)
            assert downloaded_csv(page, key) == shown, key
            tables[key] = shown
    return tables


def test_staff_reports_draw_every_chart_and_each_csv_matches_its_table(
    browser: Browser, server: str, viewed
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log_in(page, server, "staff@example.org")
    page.get_by_role("link", name="Reports", exact=True).click()
    page.wait_for_url(f"{server}/staff/reports")

    tables = check_every_report(page, f"{server}/staff/reports")

    assert set(tables) == {
        "views",
        "top-articles",
        "top-partners",
        "top-domains",
        "grants",
        "acknowledgements",
        "checks",
        "status",
    }
    assert ["Reports Gazette", str(COUNTED), str(RAW)] in tables["top-partners"]
    assert ["mirror.example", "1234", "5678"] in tables["top-domains"]
    context.close()


def test_a_partner_sees_its_own_charts_and_tables_only(browser: Browser, server: str, viewed):
    context = browser.new_context(viewport={"width": 375, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log_in(page, server, PARTNER_EMAIL)
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Reports", exact=True).click()
    page.wait_for_url(f"{server}/portal/reports")

    tables = check_every_report(page, f"{server}/portal/reports")

    assert "top-partners" not in tables
    assert tables["top-articles"][1:] == [[SEED_HEADLINE, str(COUNTED), str(RAW)]]
    assert sorted(row[0] for row in tables["top-domains"][1:]) == [
        "mirror.example",
        "reportsgazette.example",
    ]
    context.close()
