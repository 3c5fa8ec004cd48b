"""Staff enter a republished copy from the article page, check it now, and read its history."""

from __future__ import annotations

import re

import pytest

from syndication.extensions import db
from syndication.models import Copy, Role
from syndication.services import packages
from tests.factories import source_of
from tests.receivers import Answer


@pytest.fixture
def staff(make_user, auth):
    user = make_user(Role.STAFF, email="desk@example.org", name="Desk Editor")
    auth.login("desk@example.org")
    return user


def _faithful(grant) -> bytes:
    return packages.build(source_of(grant), "article.page.html").data


def test_staff_add_a_copy_from_the_article_page_and_see_its_check(
    client, staff, seed_grant, http_receiver, worker
):
    article_page = client.get(f"/staff/articles/{seed_grant.article_id}").text
    assert f"/staff/articles/{seed_grant.article_id}/copies/new" in article_page
    form = client.get(f"/staff/articles/{seed_grant.article_id}/copies/new").text
    assert seed_grant.licence_id in form

    page = re.sub(r'<p class="syndication-footer">.*?</p>', "", _faithful(seed_grant).decode())
    http_receiver.answers = [Answer(200, page.encode(), {"Content-Type": "text/html"})]
    response = client.post(
        f"/staff/articles/{seed_grant.article_id}/copies/new",
        data={"url": http_receiver.url("/world/kuleba"), "grant_id": seed_grant.id},
    )
    assert response.status_code == 302
    copy = db.session.get(Copy, int(response.location.rsplit("/", 1)[1]))
    assert copy.url == http_receiver.url("/world/kuleba")
    waiting = client.get(response.location).text
    assert "Waiting for the worker" in waiting

    worker.drain()
    shown = client.get(f"/staff/copies/{copy.id}").text
    assert "check-failed" in shown and "Footer present" in shown
    assert "Missing “Content created by" in shown
    assert "Check failed" in shown  # the flag


def test_check_now_queues_a_check_and_redirects_to_the_copy(
    client, staff, seed_grant, http_receiver, worker
):
    http_receiver.answers = [Answer(200, _faithful(seed_grant), {"Content-Type": "text/html"})]
    response = client.post(
        f"/staff/articles/{seed_grant.article_id}/copies/new",
        data={"url": http_receiver.url("/a"), "grant_id": seed_grant.id},
    )
    copy_url = response.location
    worker.drain()
    again = client.post(f"{copy_url}/check")
    assert again.status_code == 302 and again.location.endswith(copy_url)
    worker.drain()
    page = client.get(copy_url).text
    assert page.count("check-passed") == 2
    assert len(http_receiver.received) == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://outlet.example/a", "Only http:// and https:// URLs"),
        ("https://", "no host"),
    ],
)
def test_a_bad_address_is_a_form_error(client, staff, seed_grant, url, message):
    response = client.post(
        f"/staff/articles/{seed_grant.article_id}/copies/new",
        data={"url": url, "grant_id": seed_grant.id},
    )
    assert response.status_code == 422
    assert message in response.text
    assert db.session.query(Copy).count() == 0


def test_a_grant_of_another_article_cannot_be_chosen(
    client, staff, seed_grant, make_article, make_grant
):
    other = make_grant(seed_grant.partner, make_article())
    response = client.post(
        f"/staff/articles/{seed_grant.article_id}/copies/new",
        data={"url": "https://outlet.example/a", "grant_id": other.id},
    )
    assert response.status_code == 422 and "Not a valid choice" in response.text


def test_partners_cannot_reach_copies(client, seed_grant, auth):
    auth.login("ed@p.example")
    assert client.get(f"/staff/articles/{seed_grant.article_id}/copies/new").status_code == 403
