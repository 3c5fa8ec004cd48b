"""The Reports pages: staff see the desk, partners their own grants; every chart has its
table and a CSV of the same numbers."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest

from syndication.models import Role
from syndication.models.base import utcnow

PAGES = ("", "/top", "/grants", "/notices", "/compliance")


@pytest.fixture
def desk(make_user, make_partner, make_article, make_grant, add_views):
    """Two partners with views on the same day, a staff member and one user per partner."""
    a, b = make_partner(name="Alpha Post"), make_partner(name="Beta Times")
    make_user(Role.STAFF, email="staff@desk.example")
    make_user(Role.PARTNER, partner=a, email="ed@alpha.example")
    make_user(Role.PARTNER, partner=b, email="ed@beta.example")
    today = utcnow().date()
    a_grant = make_grant(a, make_article(headline="Alpha's story"))
    b_grant = make_grant(b, make_article(headline="Beta's story"))
    add_views(a_grant, today, counted=7, raw=11, domain="alpha.example")
    add_views(b_grant, today, counted=4321, raw=9876, domain="beta.example")
    return {"a": a, "b": b, "a_grant": a_grant, "b_grant": b_grant, "today": today}


def chart_json(html: str, key: str) -> dict:
    found = re.search(
        rf'<script type="application/json" id="chart-data-{key}" nonce="[^"]+">(.*?)</script>',
        html,
        re.S,
    )
    assert found, f"no chart data for {key}"
    return json.loads(found.group(1))


def test_staff_reach_every_report_from_the_navigation(client, auth, desk):
    auth.login("staff@desk.example")
    dashboard = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/reports"' in dashboard
    for path in PAGES:
        response = client.get(f"/staff/reports{path}")
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert '<canvas id="chart-' in html
        assert "vendor/chartjs-4.6.2/chart.umd.js" in html
        assert "<script>" not in html  # no inline executable script: the CSP allows none


def test_the_chart_draws_the_tables_numbers_and_the_csv_holds_them(client, auth, desk):
    auth.login("staff@desk.example")
    html = client.get("/staff/reports/top").get_data(as_text=True)

    data = chart_json(html, "top-partners")
    assert data["labels"] == ["Beta Times", "Alpha Post"]
    assert data["datasets"][0] == {"label": "Counted views", "data": [4321, 7]}
    assert ">4,321</td>" in html and ">9,876</td>" in html

    response = client.get("/staff/reports/top-partners.csv")
    assert response.mimetype == "text/csv"
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == [
        ["Partner", "Counted views", "Raw hits"],
        ["Beta Times", "4321", "9876"],
        ["Alpha Post", "7", "11"],
    ]


def test_a_top_article_links_to_its_views_over_time(client, auth, desk):
    auth.login("staff@desk.example")
    html = client.get("/staff/reports/top").get_data(as_text=True)
    article_id = desk["b_grant"].article_id
    assert f'href="/staff/reports?article={article_id}"' in html

    page = client.get(f"/staff/reports?article={article_id}").get_data(as_text=True)
    assert "Views of “Beta’s story”" in page or "Views of “Beta&#39;s story”" in page
    assert chart_json(page, "views")["datasets"][0]["data"][-1] == 4321


def test_a_reversed_date_range_is_a_form_error(client, auth, desk):
    auth.login("staff@desk.example")
    response = client.get("/staff/reports?from=2026-03-10&to=2026-03-01")
    assert response.status_code == 422
    assert "comes before" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query, error",
    [
        ("from=1800-01-01", "Enter a date between 1900 and 2200"),
        ("from=2000-01-01&to=2020-01-01", "at most ten years"),
        ("from=2024-01-01&to=2026-01-01&by=day", "by week or by month"),
    ],
)
def test_out_of_bounds_dates_and_ranges_are_form_errors(client, auth, desk, query, error):
    auth.login("staff@desk.example")
    response = client.get(f"/staff/reports/grants?{query}")
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)


def test_a_subject_that_is_not_an_id_is_a_bad_request(client, auth, desk):
    auth.login("staff@desk.example")
    assert client.get("/staff/reports?article=bogus").status_code == 400
    assert client.get(f"/staff/reports?article={2**40}").status_code == 400
    assert client.get("/staff/reports?partner=999999").status_code == 404


def test_the_range_chosen_is_the_range_shown_and_downloaded(client, auth, desk):
    auth.login("staff@desk.example")
    day = desk["today"]
    start = day - timedelta(days=2)
    query = f"from={start.isoformat()}&to={day.isoformat()}"
    html = client.get(f"/staff/reports?{query}").get_data(as_text=True)
    assert chart_json(html, "views")["labels"] == [
        (start + timedelta(days=n)).isoformat() for n in range(3)
    ]
    assert (
        f'href="/staff/reports/views.csv?from={start.isoformat()}&amp;to={day.isoformat()}"' in html
    )
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/staff/reports/views.csv?{query}").get_data(as_text=True))
        )
    )
    assert rows[1:] == [
        [start.isoformat(), "0", "0"],
        [(start + timedelta(days=1)).isoformat(), "0", "0"],
        [day.isoformat(), "4328", "9887"],
    ]


def test_partners_see_their_own_reports_only(client, auth, desk):
    auth.login("ed@alpha.example")
    assert 'href="/portal/reports"' in client.get("/portal/").get_data(as_text=True)
    for path in PAGES:
        response = client.get(f"/portal/reports{path}")
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "Beta" not in html and "4,321" not in html and "9,876" not in html, path
    for key in (
        "views",
        "top-articles",
        "top-domains",
        "grants",
        "acknowledgements",
        "checks",
        "status",
    ):
        text = client.get(f"/portal/reports/{key}.csv").get_data(as_text=True)
        assert "Beta" not in text and "4321" not in text and "9876" not in text, key
    views = client.get("/portal/reports/views.csv").get_data(as_text=True)
    assert views.splitlines()[-1] == f"{desk['today'].isoformat()},7,11"


def test_a_partner_cannot_reach_another_partners_numbers_by_the_address(client, auth, desk):
    auth.login("ed@alpha.example")
    other_article = desk["b_grant"].article_id
    assert client.get(f"/portal/reports?article={other_article}").status_code == 404
    assert client.get(f"/portal/reports/views.csv?article={other_article}").status_code == 404
    assert client.get("/portal/reports/top-partners.csv").status_code == 404
    # Naming another partner changes nothing: the scope is the logged-in partner's.
    csv_text = client.get(f"/portal/reports/views.csv?partner={desk['b'].id}").get_data(
        as_text=True
    )
    assert "4321" not in csv_text
    html = client.get("/portal/reports/top").get_data(as_text=True)
    assert "Top partners" not in html


def test_partners_and_staff_are_kept_to_their_own_areas(client, auth, desk):
    auth.login("ed@alpha.example")
    assert client.get("/staff/reports").status_code == 403
    assert client.get("/staff/reports/views.csv").status_code == 403
    auth.logout()
    auth.login("staff@desk.example")
    assert client.get("/portal/reports").status_code == 403


def test_an_empty_range_shows_empty_tables_not_errors(client, auth, desk):
    auth.login("staff@desk.example")
    past = date(2001, 1, 1)
    response = client.get(f"/staff/reports/top?from={past}&to={past}")
    assert response.status_code == 200
    assert "Nothing in this range." in response.get_data(as_text=True)
