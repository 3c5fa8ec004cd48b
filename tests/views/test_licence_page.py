"""The licence URI every package names answers: a public page, and JSON for machines."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from lxml import etree

from syndication.extensions import db
from syndication.models import Role
from syndication.models.base import utcnow
from syndication.services import notices, packages
from tests.factories import source_of


@pytest.fixture
def desk(make_user):
    return make_user(Role.STAFF, email="desk@example.org")


def _named_uris(grant) -> dict[str, str]:
    """The licence URI as each file of the grant's package names it."""
    files = zipfile.ZipFile(io.BytesIO(packages.build(source_of(grant)).data))
    ninjs = json.loads(files.read("article.ninjs.json"))
    jsonld = json.loads(files.read("article.jsonld"))
    manifest = json.loads(files.read("manifest.json"))
    newsml = etree.fromstring(files.read("article.newsml.xml"))
    (link,) = newsml.xpath("//*[local-name()='rightsInfo']/*[local-name()='link']")
    licence_txt = files.read("LICENSE.txt").decode()
    return {
        "odrl": manifest["odrl"]["uid"],
        "jsonld": jsonld["license"],
        "ninjs": ninjs["rightsinfo"]["linkedrights"],
        "newsml": link.get("href"),
        "LICENSE.txt": next(
            line.strip() for line in licence_txt.splitlines() if "/licences/" in line
        ),
    }


def test_every_package_names_one_licence_uri_and_it_answers(client, app, seed_grant):
    uris = _named_uris(seed_grant)
    (uri,) = set(uris.values())
    # New grants name the app's own page, under the public base URL.
    assert uri == f"{app.config['PUBLIC_BASE_URL']}/licences/{seed_grant.licence_id}"
    page = client.get(urlsplit(uri).path)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "licence-valid" in page.text and "Valid: the licensee may republish" in page.text
    assert seed_grant.partner.name in page.text and "Kuleba and Lavrov" in page.text
    assert "Accept" in page.headers["Vary"]
    assert "application/json" in page.headers["Link"]


def test_machines_get_json_by_content_negotiation_or_the_json_twin(client, seed_grant):
    path = f"/licences/{seed_grant.licence_id}"
    negotiated = client.get(path, headers={"Accept": "application/json"})
    twin = client.get(f"{path}.json")
    assert negotiated.mimetype == twin.mimetype == "application/json"
    assert negotiated.json == twin.json
    data = twin.json
    assert data["state"] == "valid" and data["valid"] is True
    assert data["licensee"] == {
        "name": seed_grant.partner.name,
        "domain": urlsplit(seed_grant.partner.website).hostname,
    }
    assert data["article"]["original_url"] == "https://dcnf.example/kuleba/"
    assert data["valid_from"] == seed_grant.valid_from.isoformat()
    assert "Content created by" in data["terms"]["footer"]
    assert data["odrl"]["uid"] == data["uri"]
    assert twin.headers["Access-Control-Allow-Origin"] == "*"
    # A browser asking for anything gets the page.
    browser = client.get(path, headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.mimetype == "text/html"


def test_a_revoked_licence_says_so_without_the_reasons(client, seed_grant, desk):
    notices.revoke_grant(
        seed_grant.id,
        actor=desk,
        reason="Internal: the partner's invoice dispute, ticket 991.",
        public_reason="You republished the article without its footer.",
    )
    data = client.get(f"/licences/{seed_grant.licence_id}.json").json
    assert data["state"] == "revoked" and data["valid"] is False
    assert data["ended_at"] is not None
    page = client.get(f"/licences/{seed_grant.licence_id}").text
    assert "licence-revoked" in page and "copies must be removed" in page
    for private in ("invoice dispute", "without its footer"):
        assert private not in page and private not in json.dumps(data)


def test_a_taken_down_article_shows_on_its_licences(client, seed_grant, desk):
    notices.create(
        seed_grant.article_id,
        "takedown",
        actor=desk,
        note="Withdrawn after a legal complaint.",
        record_reason="Counsel's letter of 3 March.",
    )
    data = client.get(f"/licences/{seed_grant.licence_id}.json").json
    assert data["state"] == "taken_down"
    assert "licence-taken_down" in client.get(f"/licences/{seed_grant.licence_id}").text
    assert "Counsel" not in json.dumps(data)


def test_an_expired_licence_says_it_expired(client, seed_grant):
    seed_grant.valid_from = utcnow() - timedelta(days=30)
    seed_grant.valid_until = utcnow() - timedelta(days=1)
    db.session.commit()
    assert client.get(f"/licences/{seed_grant.licence_id}.json").json["state"] == "expired"


@pytest.mark.parametrize("licence_id", ["SD-2026-00000000", "x" * 300, "%00", "..%2fadmin"])
def test_an_unknown_licence_is_not_found(client, seed_grant, licence_id):
    assert client.get(f"/licences/{licence_id}").status_code == 404
    assert client.get(f"/licences/{licence_id}.json").status_code == 404


def test_the_json_twin_answers_an_unknown_licence_with_problem_json(client):
    missing = client.get("/licences/SD-2026-00000000.json")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.json["detail"] == "No such licence."


def test_the_licence_page_shows_no_private_partner_data(client, seed_grant):
    partner = seed_grant.partner
    page = client.get(f"/licences/{seed_grant.licence_id}").text
    data = json.dumps(client.get(f"/licences/{seed_grant.licence_id}.json").json)
    private = [
        partner.contact_email,
        partner.contact_name,
        f"{partner.monthly_unique_visitors}",
        "ed@p.example",
        "standard",  # the partner's tier
    ]
    for value in private:
        assert value not in page, value
        assert value not in data, value


def test_a_grant_issued_before_keeps_the_uri_its_packages_name(client, seed_grant):
    # Grants made before the app answered licence URIs named the organisation's site;
    # their frozen terms keep it, and the app's page answers for them as well.
    old = f"https://dailycallernewsfoundation.org/licences/{seed_grant.licence_id}"
    seed_grant.odrl = {**seed_grant.odrl, "uid": old}
    db.session.commit()
    assert set(_named_uris(seed_grant).values()) == {old}
    data = client.get(f"/licences/{seed_grant.licence_id}.json").json
    assert data["uri"] == old and data["state"] == "valid"


def test_the_page_is_cached_publicly_only_when_nobody_is_logged_in(client, auth, seed_grant):
    path = f"/licences/{seed_grant.licence_id}"
    assert client.get(path).headers["Cache-Control"] == "public, max-age=300"
    auth.login("ed@p.example")
    logged_in = client.get(path)
    assert logged_in.status_code == 200 and logged_in.headers["Cache-Control"] == "no-store"
