"""The partner catalogue's kept pages: made once per catalogue version, never shown stale.

Every change to the articles or their tags moves the catalogue's version on
(database triggers, so bulk statements count as the ORM's do); what the partner
holds and what is under embargo now are read for every request.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import Article, ArticleTag, NoticeKind, Role, SyndicationPolicy
from syndication.services import grants, notices, search
from syndication.services.worker_memory import forget_everything
from syndication.views import catalogue
from tests.factories import PASSWORD


@pytest.fixture
def editor(make_partner, make_user, auth):
    user = make_user(Role.PARTNER, partner=make_partner(), email="ed@p.example")
    auth.login("ed@p.example", PASSWORD)
    return user


@pytest.fixture
def statements(app):
    """The SQL statements run while the test runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def _rows(page: str) -> str:
    """The page without what differs between two renderings of it (the CSRF token)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


def test_a_kept_page_is_the_page_made_afresh_and_reads_no_article(
    app, client, editor, make_article, statements
):
    for n in range(30):
        make_article(headline=f"Story {n}", section="Local")
    first = client.get("/portal/catalogue?section=Local")
    statements.clear()
    again = client.get("/portal/catalogue?section=Local")
    assert again.status_code == first.status_code == 200
    assert not [s for s in statements if "FROM articles" in s], statements
    # The version is confirmed by the statement that reads what the partner holds.
    versions = [s for s in statements if "catalogue_versions" in s]
    assert len(versions) == 1 and "FROM grants" in versions[0], statements
    next_url = re.search(r'rel="next" href="([^"]+)"', again.text)[1].replace("&amp;", "&")
    kept_next = client.get(next_url).text
    forget_everything(app)  # made afresh, the same page
    assert _rows(client.get("/portal/catalogue?section=Local").text) == _rows(again.text)
    assert _rows(client.get(next_url).text) == _rows(kept_next)
    assert "Story 0" in kept_next and "Story 29" in again.text


def test_every_kind_of_change_to_the_articles_moves_the_version(editor, make_article):
    versions = [search.catalogue_version()]
    article = make_article(headline="Harbour bridge reopens")
    versions.append(search.catalogue_version())
    article.headline = "Harbour bridge reopens at last"
    db.session.commit()
    versions.append(search.catalogue_version())
    db.session.add(ArticleTag(article_id=article.id, tag="bridges"))
    db.session.commit()
    versions.append(search.catalogue_version())
    # Statements that bypass the ORM count as well: the database moves the version.
    db.session.execute(sa.update(Article).where(Article.id == article.id).values(word_count=7))
    db.session.commit()
    versions.append(search.catalogue_version())
    db.session.execute(sa.delete(ArticleTag).where(ArticleTag.article_id == article.id))
    db.session.commit()
    versions.append(search.catalogue_version())
    db.session.execute(sa.delete(Article).where(Article.id == article.id))
    db.session.commit()
    versions.append(search.catalogue_version())
    assert versions == sorted(set(versions)), versions


def test_an_edit_a_new_article_and_a_deletion_show_at_once(client, editor, make_article):
    article = make_article(headline="Harbour bridge reopens")
    assert "Harbour bridge reopens" in client.get("/portal/catalogue").text
    article.headline = "Harbour bridge stays shut"
    db.session.commit()
    page = client.get("/portal/catalogue").text
    assert "Harbour bridge stays shut" in page and "Harbour bridge reopens" not in page
    make_article(headline="Ferry timetable changes")
    assert "Ferry timetable changes" in client.get("/portal/catalogue").text
    db.session.execute(sa.delete(Article).where(Article.id == article.id))
    db.session.commit()
    assert "Harbour bridge stays shut" not in client.get("/portal/catalogue").text


def test_a_taken_down_article_leaves_a_kept_page_at_once(client, editor, make_article, make_user):
    article = make_article(headline="Harbour bridge reopens")
    make_article(headline="Ferry timetable changes")
    assert "Harbour bridge reopens" in client.get("/portal/catalogue").text
    staff = make_user(Role.STAFF, email="staff@desk.example")
    notices.create(
        article.id, NoticeKind.TAKEDOWN, actor=staff, note="Withdrawn", record_reason="Complaint"
    )
    page = client.get("/portal/catalogue").text
    assert "Harbour bridge reopens" not in page and "Ferry timetable changes" in page


def test_rights_that_bar_partners_leave_a_kept_page_at_once(client, editor, make_article):
    article = make_article(headline="Harbour bridge reopens")
    assert "Harbour bridge reopens" in client.get("/portal/catalogue").text
    article.policy = SyndicationPolicy.NOT_SYNDICATED
    db.session.commit()
    assert "Harbour bridge reopens" not in client.get("/portal/catalogue").text


def test_a_tag_added_reaches_a_kept_tag_filter(client, editor, make_article):
    article = make_article(headline="Harbour bridge reopens")
    assert "Harbour bridge reopens" not in client.get("/portal/catalogue?tag=bridges").text
    db.session.add(ArticleTag(article_id=article.id, tag="bridges"))
    db.session.commit()
    assert "Harbour bridge reopens" in client.get("/portal/catalogue?tag=bridges").text


def test_a_grant_and_its_revocation_show_on_a_kept_page_at_once(
    client, editor, make_article, make_user
):
    article = make_article(headline="Harbour bridge reopens")
    assert 'id="pick-' in client.get("/portal/catalogue").text
    (result,) = grants.request_articles(editor.partner, [article.id])
    page = client.get("/portal/catalogue").text
    assert f"/portal/grants/{result.grant.id}" in page and 'id="pick-' not in page
    staff = make_user(Role.STAFF, email="staff@desk.example")
    notices.revoke_grant(result.grant.id, actor=staff, reason="Test", public_reason="Test")
    page = client.get("/portal/catalogue").text
    assert f"/portal/grants/{result.grant.id}" not in page and 'id="pick-' in page


def test_one_partner_never_sees_another_partners_page(
    app, client, make_partner, make_user, make_article, auth
):
    for n in range(30):
        make_article(headline=f"Story {n}")
    article = make_article(headline="Harbour bridge reopens")  # the newest: on the first page
    holder = make_user(Role.PARTNER, partner=make_partner(), email="holder@p.example")
    other = make_user(Role.PARTNER, partner=make_partner(), email="other@p.example")
    (result,) = grants.request_articles(holder.partner, [article.id])
    auth.login("holder@p.example", PASSWORD)
    held_page = client.get("/portal/catalogue").text
    assert f"/portal/grants/{result.grant.id}" in held_page
    held_next = re.search(r'rel="next" href="([^"]+)"', held_page)[1]
    auth.logout()
    auth.login("other@p.example", PASSWORD)
    page = client.get("/portal/catalogue").text
    assert f"/portal/grants/{result.grant.id}" not in page and "Harbour bridge reopens" in page
    # The page after it is signed for this partner: the holder's link is not.
    assert re.search(r'rel="next" href="([^"]+)"', page)[1] != held_next
    assert client.get(held_next.replace("&amp;", "&")).status_code == 400
    assert other.partner_id != holder.partner_id


def test_an_embargo_that_lifts_shows_without_any_change_to_the_articles(app, editor, make_article):
    lifts = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
    article = make_article(headline="Harbour bridge reopens")
    article.embargo_until = lifts
    db.session.commit()
    version = search.catalogue_version()
    with app.test_request_context("/portal/catalogue"):
        filters = catalogue.read_filters([], [], "/portal/catalogue", "Search").values

        def page_at(now: datetime) -> catalogue.PartnerListing:
            return catalogue.partner_listing(filters, editor.partner_id, version, now=now)

        before, after = page_at(lifts - timedelta(minutes=1)), page_at(lifts + timedelta(minutes=1))
    assert "embargoed until" in before.rows_html
    assert "embargoed until" not in after.rows_html and "policy-free_eligible" in after.rows_html
    assert search.catalogue_version() == version
