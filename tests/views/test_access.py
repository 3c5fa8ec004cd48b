"""Authorisation, walked over every registered route.

A new route is covered the moment it is registered: the walk fails when it
meets a URL argument it has no value for, or a blueprint it does not know.
"""

from __future__ import annotations

import pytest

from syndication.extensions import db
from syndication.models import Copy, Notice, NoticeDelivery, NoticeKind, PartnerStatus, Role
from tests.factories import PASSWORD

PUBLIC_ENDPOINTS = {
    "static",
    "public.index",
    "public.health",
    "public.apply",
    "public.applied",
    "public.pixel",
    "public.signed_download",
    "public.acknowledge_notice",
    # The page behind every package's licence URI: public by design (its own tests say
    # what it shows and what it never shows).
    "public.licence",
    "public.licence_json",
    "api.openapi_document",
    "auth.login",
    "auth.accept_invitation",
    "auth.forgot_password",
    "auth.reset_password",
    # Feeds never use the login session: a feed token in the URL or an API key in the
    # header. The anonymous walk below still checks that they refuse without one.
    "feeds.token_rss",
    "feeds.token_atom",
    "feeds.token_json",
    "feeds.rss",
    "feeds.atom",
    "feeds.json_feed",
}


@pytest.fixture
def world(make_user, make_partner, make_article, make_grant, make_api_key):
    """Two approved partners, each with a user, a grant and a key; one staff user."""
    own, other = make_partner(), make_partner()
    article = make_article()
    world = {
        "staff": make_user(Role.STAFF, email="staff@example.org"),
        "me": make_user(Role.PARTNER, partner=own, email="me@own.example"),
        "own": own,
        "other": other,
        "own_grant": make_grant(own, article),
        "other_grant": make_grant(other, article),
        "article": article,
    }
    world["other_key"] = make_api_key(other)[0]
    world["other_user"] = make_user(Role.PARTNER, partner=other, email="them@other.example")
    notice = Notice(article=article, kind=NoticeKind.CORRECTION, title="Corrected date")
    world["other_notice"] = NoticeDelivery(notice=notice, partner=other)
    db.session.add(world["other_notice"])
    world["other_copy"] = Copy(
        grant=world["other_grant"],
        article_id=article.id,
        partner_id=other.id,
        url="https://other.example/story",
        domain="other.example",
    )
    db.session.add(world["other_copy"])
    db.session.commit()
    from syndication.services import importing

    world["import_run"] = importing.queue(b"<rss><channel></channel></rss>", "queued.xml")
    return world


def _url_values(rule, world) -> dict:
    """Values for a rule's arguments, always naming the *other* partner's objects."""
    candidates = {
        "article_id": world["article"].id,
        "partner_id": world["other"].id,
        "grant_id": world["other_grant"].id,
        "key_id": world["other_key"].id,
        "user_id": world["other_user"].id,
        "request_id": world["other_grant"].request_id,
        "notice_id": world["other_notice"].id,
        "delivery_id": world["other_notice"].id,
        "job_id": 1,
        "run_id": world["import_run"].id,
        "session_id": 1,
        "asset_id": 1,
        "flag_id": 1,
        "copy_id": world["other_copy"].id,
        "licence_id": world["other_grant"].licence_id,
        "key": "1",
        "change": "up",
        "decision": "grant",
        "number": 1,
        "fmt": "bundle",
        "token": "not-a-token",
        "filename": "app.css",
        "table": "views",
    }
    if rule.endpoint.startswith("staff."):
        # Staff pages name the notice itself; partners' routes name their delivery of it.
        candidates["notice_id"] = world["other_notice"].notice_id
    missing = set(rule.arguments) - set(candidates)
    assert not missing, f"route {rule.rule} needs a value for {missing} in this walk"
    return {name: candidates[name] for name in rule.arguments}


def _requests(app, world):
    for rule in app.url_map.iter_rules():
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **_url_values(rule, world))
        yield rule.endpoint, method, url


def test_every_route_belongs_to_a_known_area(app):
    areas = {"staff", "portal", "api", "auth", "public", "static", "feeds"}
    for rule in app.url_map.iter_rules():
        assert rule.endpoint.split(".")[0] in areas, rule.endpoint


def test_anonymous_visitors_are_sent_to_login_or_refused(app, client, world):
    for endpoint, method, url in _requests(app, world):
        if endpoint.startswith("feeds."):
            # Without credentials: a made-up token is not found, no key is 401; never a page.
            response = client.open(url, method=method)
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
            expected = 404 if "token" in rule.arguments else 401
            assert response.status_code == expected, (endpoint, response.status_code)
            assert response.mimetype == "application/problem+json", endpoint
            continue
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        response = client.open(url, method=method)
        if endpoint.startswith("api."):
            assert response.status_code == 401, (endpoint, response.status_code)
        else:
            assert response.status_code == 302, (endpoint, response.status_code)
            assert "/login" in response.headers["Location"], endpoint


def test_partner_user_is_refused_every_staff_route(app, client, auth, world):
    auth.login("me@own.example", PASSWORD)
    checked = 0
    for endpoint, method, url in _requests(app, world):
        if endpoint.startswith("staff."):
            response = client.open(url, method=method)
            assert response.status_code == 403, (endpoint, response.status_code)
            checked += 1
    assert checked >= 5


def test_partner_never_reaches_another_partners_objects(app, client, auth, world):
    world["me"].is_partner_admin = True
    auth.login("me@own.example", PASSWORD)
    for endpoint, method, url in _requests(app, world):
        if not endpoint.startswith("portal."):
            continue
        response = client.open(url, method=method)
        body = response.get_data(as_text=True)
        assert world["other_grant"].licence_id not in body, endpoint
        assert world["other"].name not in body, endpoint
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        # Catalogue articles are shared by all partners; every other id names an owned object.
        owned_ids = {arg for arg in rule.arguments if arg.endswith("_id")} - {"article_id"}
        if owned_ids:
            assert response.status_code == 404, (endpoint, response.status_code)


def test_partner_sees_its_own_grant(client, auth, world):
    auth.login("me@own.example", PASSWORD)
    response = client.get(f"/portal/grants/{world['own_grant'].id}")
    assert response.status_code == 200
    assert world["own_grant"].licence_id in response.get_data(as_text=True)


def test_staff_are_refused_the_partner_portal(client, auth, world):
    auth.login("staff@example.org", PASSWORD)
    assert client.get("/portal/").status_code == 403


ADMIN_ONLY = {
    "staff.eligibility",
    "staff.background",
    "staff.own_sources",
    "staff.quotas",
    "staff.notice_deadlines",
}


def test_admins_reach_every_staff_page(app, client, auth, world, make_user):
    make_user(Role.ADMIN, email="boss@example.org")
    auth.login("boss@example.org", PASSWORD)
    for endpoint, method, url in _requests(app, world):
        if endpoint.startswith("staff.") and method == "GET":
            assert client.get(url).status_code == 200, endpoint


def test_plain_staff_reach_staff_pages_but_not_admin_ones(app, client, auth, world):
    auth.login("staff@example.org", PASSWORD)
    for endpoint, method, url in _requests(app, world):
        if endpoint.startswith("staff.") and method == "GET":
            expected = 403 if endpoint in ADMIN_ONLY else 200
            assert client.get(url).status_code == expected, endpoint


def test_api_key_only_sees_its_own_partners_grants(client, world, make_api_key):
    _, secret = make_api_key(world["own"])
    response = client.get("/api/v1/grants", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    ids = {item["id"] for item in response.json["items"]}
    assert ids == {world["own_grant"].id}


def test_suspended_partners_key_is_refused(client, world, make_api_key):
    from syndication.extensions import db

    _, secret = make_api_key(world["own"])
    world["own"].status = PartnerStatus.SUSPENDED
    db.session.commit()
    response = client.get("/api/v1/grants", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
