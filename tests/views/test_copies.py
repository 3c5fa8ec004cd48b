"""Staff see where copies are and what is wrong with them, and mark flags handled with a note."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import AuditEvent, Copy, CopyFlag, FlagKind, Role
from syndication.services import pixels

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def staff(make_user, auth):
    user = make_user(Role.STAFF, email="bo@example.org", name="Bo Staff")
    auth.login("bo@example.org")
    return user


@pytest.fixture
def copies(make_partner, make_article, make_grant):
    """A copy on the partner's own site, and one on a site that is not the partner's."""
    partner = make_partner(name="Lone Star Ledger")
    grant = make_grant(partner, make_article(headline="Water rights in the valley"))
    token = pixels.pixel_url(grant.id).rsplit("/", 1)[1].removesuffix(".gif")
    own = f"https://{partner.domains[0].domain}/valley-water/"
    for n, page in enumerate((own, own, "https://scraper.example/valley")):
        pixels.record_hit(
            token, referrer=page, remote_addr=f"198.51.100.{n}", user_agent=CHROME, now=T0
        )
    pixels.flush(now=T0)
    return grant


def test_copies_page_lists_copies_with_views_and_flags(client, staff, copies):
    response = client.get("/staff/copies")
    assert response.status_code == 200
    page = response.text
    assert "Lone Star Ledger" in page and "Water rights in the valley" in page
    assert "https://scraper.example/valley" in page
    assert "unknown domain" in page and "scraper.example is not one of" in page
    only_flagged = client.get("/staff/copies?flag=unknown_domain&state=open").text
    assert "scraper.example/valley" in only_flagged
    assert "valley-water" not in only_flagged
    assert "valley-water" in client.get("/staff/copies?q=valley-water").text
    assert "No copies match" in client.get("/staff/copies?partner=nobody").text
    # A flag the list does not know filters nothing.
    assert "valley-water" in client.get("/staff/copies?flag=nonsense&state=x").text
    # Each copy leads to its own page, with its compliance checks.
    found = db.session.scalars(sa.select(Copy).where(Copy.grant_id == copies.id)).all()
    for copy in found:
        assert f'href="/staff/copies/{copy.id}"' in page
        assert client.get(f"/staff/copies/{copy.id}").status_code == 200


def test_a_reversed_date_range_is_a_form_error_on_the_copies_page(client, staff, copies):
    response = client.get("/staff/copies?from=2026-03-02&to=2026-03-01")
    assert response.status_code == 422
    assert "comes before" in response.text


def test_staff_mark_a_flag_handled_with_a_note_and_it_is_audited(client, staff, copies):
    flag = db.session.scalar(sa.select(CopyFlag))
    response = client.post(
        f"/staff/copies/flags/{flag.id}/handle",
        data={f"flag{flag.id}-note": "Their syndication partner's site; asked them to add it."},
    )
    assert response.status_code == 302 and response.location.endswith("/staff/copies")
    db.session.expire_all()
    flag = db.session.get(CopyFlag, flag.id)
    assert flag.handled_at is not None and flag.handled_by_id == staff.id
    assert flag.handled_note == "Their syndication partner's site; asked them to add it."
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "copy_flag_handled"))
    assert (event.object_type, event.object_id) == ("copies", flag.copy_id)
    assert event.data["flag"] == FlagKind.UNKNOWN_DOMAIN.value
    assert "is marked handled" in client.get(response.location).text
    assert "scraper.example/valley" not in client.get("/staff/copies?state=open").text
    assert "Handled" in client.get("/staff/copies?state=handled").text


def test_marking_handled_needs_a_note(client, staff, copies):
    flag = db.session.scalar(sa.select(CopyFlag))
    response = client.post(f"/staff/copies/flags/{flag.id}/handle", data={})
    assert response.status_code == 422
    assert "Say what was done about it." in response.text
    db.session.expire_all()
    assert db.session.get(CopyFlag, flag.id).handled_at is None


def test_a_flag_is_handled_once(client, staff, copies):
    flag = db.session.scalar(sa.select(CopyFlag))
    data = {f"flag{flag.id}-note": "Done."}
    client.post(f"/staff/copies/flags/{flag.id}/handle", data=data)
    response = client.post(f"/staff/copies/flags/{flag.id}/handle", data=data)
    assert response.status_code == 302
    assert "already marked handled" in client.get(response.location).text
    missing = client.post("/staff/copies/flags/999999/handle", data={"flag999999-note": "x"})
    assert missing.status_code == 404


def test_article_and_partner_pages_show_copies_and_counted_views(client, staff, copies):
    article_page = client.get(f"/staff/articles/{copies.article_id}").text
    partner_page = client.get(f"/staff/partners/{copies.partner_id}").text
    for page in (article_page, partner_page):
        assert "Copies" in page and "https://scraper.example/valley" in page
        assert "unknown domain" in page
        assert "3 raw hits" in page  # the holder's pixel views, from the roll-ups
