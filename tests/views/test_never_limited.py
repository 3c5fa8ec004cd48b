"""The pixel and the portal's download answer whatever limit the rest of the app is under."""

from __future__ import annotations

import pytest

from syndication.extensions import db, limiter
from syndication.models import Partner, Role
from syndication.services import downloads, grants, pixels, users
from tests.conftest import migrated_app
from tests.factories import PASSWORD
from tests.services.test_request_races import committed_partner_and_article


@pytest.fixture
def limited_app(tmp_path):
    """An app under an application-wide limit of three requests a minute.

    The limiter is one object for every app of the process, and it keeps the
    first application limits it is given: they are taken back afterwards, and
    the counts of this test with them.
    """
    yield migrated_app(f"sqlite:///{tmp_path / 'limited.db'}", RATELIMIT_APPLICATION="3 per minute")
    limiter.limit_manager.set_application_limits([])
    limiter.reset()


def test_an_application_wide_limit_spares_the_pixel_and_the_portal_download(limited_app):
    app = limited_app
    partner_id, article_id = committed_partner_and_article(app, headline="Limited")
    with app.app_context():
        partner = db.session.get(Partner, partner_id)
        user = users.create_user(
            "ed@limited.example", Role.PARTNER, password=PASSWORD, partner=partner
        )
        (result,) = grants.request_articles(partner, [article_id], requested_by=user)
        grant_id = result.grant.id
        pixel = pixels.pixel_url(grant_id).removeprefix("http://localhost")
        downloads.memory_of(app).clear()
    client = app.test_client()
    login = client.post("/login", data={"email": "ed@limited.example", "password": PASSWORD})
    assert login.status_code == 302  # the first of the three requests the limit allows

    url = f"/portal/grants/{grant_id}/download/bundle"
    # Built, then remembered: both answer past the limit, and each is logged.
    assert [client.get(url).status_code for _ in range(5)] == [200] * 5
    assert [client.get(pixel).status_code for _ in range(5)] == [200] * 5
    # Everything else is counted: two more pages, then refused.
    pages = [client.get("/portal/catalogue").status_code for _ in range(3)]
    assert pages == [200, 200, 429]
