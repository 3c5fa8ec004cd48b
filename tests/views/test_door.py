"""Hostile input at the door, headers, hosts and the secret key: the probe's payloads."""

from __future__ import annotations

import os
import stat

import pytest

from syndication import create_app
from syndication.models import Role
from syndication.security import instance_secret_key


@pytest.fixture
def staff_client(client, auth, make_user):
    auth.login(make_user(Role.STAFF).email)
    return client


@pytest.mark.parametrize(
    "url",
    [
        f"/staff/articles/{2**63}",
        f"/staff/partners/{2**64}",
        "/staff/articles/" + "9" * 5000,
        "/staff/rules/%00/edit",
    ],
)
def test_out_of_range_ids_and_nul_in_paths_are_not_found(staff_client, url):
    assert staff_client.get(url).status_code == 404


@pytest.mark.parametrize("query", [f"cursor={2**63}", "cursor=-1", "q=a%00b"])
def test_bad_catalogue_parameters_are_a_400_that_says_which(staff_client, query):
    response = staff_client.get(f"/staff/articles?{query}")
    assert response.status_code == 400
    assert "not valid" in response.text or "control character" in response.text


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01", "policy=bogus"])
def test_bad_catalogue_filters_are_form_errors_beside_the_filter(staff_client, query):
    # A filter refused is shown as the filter's error, the list unfiltered by it.
    response = staff_client.get(f"/staff/articles?{query}")
    assert response.status_code == 422
    assert "invalid-feedback" in response.text or "error" in response.text


def test_an_unknown_status_is_a_400(staff_client):
    assert staff_client.get("/staff/requests?status=bogus").status_code == 400
    assert staff_client.get("/staff/partners?status=bogus").status_code == 400
    assert staff_client.get("/staff/requests?status=").status_code == 200  # every status


def test_api_malformed_json_is_400_and_deep_json_refused(client, make_partner, make_api_key):
    _, key = make_api_key(make_partner())
    headers = {"Authorization": f"Bearer {key}"}
    for body in ("{not json", "[" * 5000 + "]" * 5000):
        response = client.post(
            "/api/v1/requests", data=body, content_type="application/json", headers=headers
        )
        assert response.status_code == 400
        assert response.mimetype == "application/problem+json"
    nul = client.post(
        "/api/v1/requests", json={"article_ids": [1], "note": "a\x00b"}, headers=headers
    )
    assert nul.status_code == 400 and "control character" in nul.json["detail"]


def test_a_non_numeric_hidden_field_is_a_form_error(client):
    response = client.post("/apply", data={"terms_version_id": "abc", "name": "X"})
    assert response.status_code == 422


def test_far_dates_in_forms_are_form_errors(staff_client, make_article):
    article = make_article()
    response = staff_client.post(
        f"/staff/articles/{article.id}/rights",
        data={"origin": "original", "policy": "licensed", "embargo_until": "9999-12-31T10:00"},
    )
    assert response.status_code == 422 and "Enter a date between 1900 and 2200" in response.text


def test_pages_carry_the_security_headers(staff_client):
    response = staff_client.get("/staff/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # development and tests: http


def test_production_sends_hsts_and_refuses_untrusted_hosts(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
            "TRUSTED_HOSTS": ["syndication.example.org"],
            "HSTS_SECONDS": 31536000,
        }
    )
    client = app.test_client()
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    good = client.get("/login", headers={"Host": "syndication.example.org"})
    assert good.status_code == 200
    assert good.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_feed_self_links_ignore_the_request_host(client, make_partner, make_api_key):
    _, key = make_api_key(make_partner())
    response = client.get(
        "/feeds/atom.xml", headers={"Authorization": f"Bearer {key}", "Host": "evil.example"}
    )
    assert response.status_code == 200
    assert b"evil.example" not in response.data
    assert b"http://localhost/feeds/atom.xml" in response.data


def test_the_development_secret_key_is_made_once_and_kept_private(tmp_path):
    first = instance_secret_key(tmp_path)
    assert len(first) >= 40 and first == instance_secret_key(tmp_path)
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    assert instance_secret_key(tmp_path / "..") != "dev-only-not-secret"
