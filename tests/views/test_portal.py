"""The partner portal: catalogue search and filters, the package preview, downloads history."""

from __future__ import annotations

import pytest

from syndication.models import Origin, Role, SyndicationPolicy
from syndication.services import articles, grants, importing
from tests.factories import PASSWORD


@pytest.fixture
def editor(make_partner, make_user, auth):
    user = make_user(Role.PARTNER, partner=make_partner(), email="ed@p.example")
    auth.login("ed@p.example", PASSWORD)
    return user


def test_catalogue_searches_and_filters(client, editor, make_article):
    make_article(headline="Harbour bridge reopens", section="Local")
    make_article(headline="Harbour tolls rise", section="Economy")
    make_article(SyndicationPolicy.NOT_SYNDICATED, headline="Harbour wire copy")
    page = client.get("/portal/catalogue?q=harbour").text
    assert "Harbour bridge reopens" in page and "Harbour tolls rise" in page
    assert "Harbour wire copy" not in page
    local = client.get("/portal/catalogue?q=harbour&section=Local").text
    assert "Harbour bridge reopens" in local and "Harbour tolls rise" not in local


def test_the_section_filter_offers_only_sections_partners_can_see(client, editor, make_article):
    make_article(headline="Harbour bridge reopens", section="Local")
    make_article(SyndicationPolicy.NOT_SYNDICATED, headline="Wire copy", section="Wire")
    page = client.get("/portal/catalogue").text
    assert '<option value="Local"' in page
    assert '<option value="Wire"' not in page


def test_a_new_article_and_its_section_show_at_once(client, editor, make_article):
    make_article(headline="Harbour bridge reopens", section="Local")
    first = client.get("/portal/catalogue").text
    assert '<option value="Courts"' not in first
    # The filter form is kept rendered per input: a new section must not wait for it.
    make_article(headline="Verdict in the harbour case", section="Courts")
    page = client.get("/portal/catalogue").text
    assert '<option value="Courts"' in page
    assert "Verdict in the harbour case" in page and "Harbour bridge reopens" in page


def test_a_refused_filter_shows_its_error_every_time(client, editor, make_article):
    make_article(headline="Harbour bridge reopens", section="Local")
    for _ in range(2):
        response = client.get("/portal/catalogue?policy=bogus&from=2026-02-01&to=2026-01-01")
        assert response.status_code == 422
        assert "Choose one of the listed policies." in response.text
        assert 'aria-invalid="true"' in response.text
        assert "Harbour bridge reopens" in response.text


def test_preview_shows_the_article_as_the_partner_would_publish_it(client, editor, shared_dir):
    path = shared_dir / "corpus" / "seed" / "dcnf-2022-03-10-kuleba-lavrov.txt"
    (draft,) = importing.drafts_from_file(path, headline="Kuleba and Lavrov")
    # Staff confirmed it is ours and released it from intake.
    article = articles.import_draft(
        draft, origin=Origin.ORIGINAL, policy=SyndicationPolicy.FREE_ELIGIBLE, release=True
    ).article
    page = client.get(f"/portal/catalogue/{article.id}").text
    assert 'href="mailto:licensing@dailycallernewsfoundation.org"' in page
    assert "(RELATED:" not in page
    assert "Request this article" in page


def test_preview_of_a_barred_article_is_not_found(client, editor, make_article):
    barred = make_article(SyndicationPolicy.NOT_SYNDICATED)
    assert client.get(f"/portal/catalogue/{barred.id}").status_code == 404


def test_held_articles_link_to_their_grant(client, editor, make_article):
    article = make_article(headline="Held story")
    (result,) = grants.request_articles(editor.partner, [article.id])
    page = client.get("/portal/catalogue?q=held").text
    assert f"/portal/grants/{result.grant.id}" in page


def test_notices_inbox_and_acknowledgement(client, editor, make_article):
    from syndication.extensions import db
    from syndication.models import Notice, NoticeDelivery, NoticeKind

    notice = Notice(article=make_article(), kind=NoticeKind.TAKEDOWN, title="Remove the story")
    delivery = NoticeDelivery(notice=notice, partner=editor.partner)
    db.session.add(delivery)
    db.session.commit()
    assert "Remove the story" in client.get("/portal/notices").text
    assert client.post(f"/portal/notices/{delivery.id}/ack").status_code == 302
    db.session.expire_all()
    assert delivery.acknowledged_at is not None and delivery.acknowledged_by_id == editor.id


def test_webhook_page_sets_https_only_and_shows_the_secret_once(
    client, make_partner, make_user, auth, https_receiver
):
    make_user(Role.PARTNER, partner=make_partner(), email="boss@p.example", partner_admin=True)
    auth.login("boss@p.example", PASSWORD)
    bad = client.post("/portal/webhook", data={"url": "http://cms.example/hook"})
    assert bad.status_code == 422 and "https://" in bad.text
    good = client.post("/portal/webhook", data={"url": https_receiver.url("/hook")})
    assert good.status_code == 302
    shown = client.get("/portal/webhook")
    assert 'id="webhook-secret"' in shown.text and shown.headers["Cache-Control"] == "no-store"
    assert 'id="webhook-secret"' not in client.get("/portal/webhook").text  # once only
    assert 'id="webhook-secret"' not in client.get("/portal/webhook").text
    asked = client.post("/portal/webhook", data={"url": "", "clear": "y"})
    assert "Please confirm" in asked.text
    cleared = client.post("/portal/webhook", data={"url": "", "clear": "y", "confirmed": "yes"})
    assert cleared.status_code == 302


def test_staff_bulk_grant_and_refuse(client, auth, make_user, make_partner, make_article):
    from syndication.models import ArticleRequest, RequestStatus

    partner = make_partner()
    picks = [make_article(SyndicationPolicy.LICENSED) for _ in range(3)]
    results = grants.request_articles(partner, [a.id for a in picks])
    ids = [r.request.id for r in results]
    make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    client.post(
        "/staff/requests/bulk", data={"request_id": ids[:2], "decision": "grant", "reason": ""}
    )
    client.post(
        "/staff/requests/bulk",
        data={
            "request_id": [ids[2]],
            "decision": "refuse",
            "reason": "Exclusive",
            "confirmed": "yes",
        },
    )
    again = client.post(
        "/staff/requests/bulk",
        data={"request_id": [ids[0]], "decision": "refuse", "reason": "x", "confirmed": "yes"},
    )
    assert again.status_code == 302
    import sqlalchemy as sa

    from syndication.extensions import db

    statuses = db.session.scalars(
        sa.select(ArticleRequest.status)
        .where(ArticleRequest.id.in_(ids))
        .order_by(ArticleRequest.id)
    ).all()
    assert statuses == [RequestStatus.GRANTED, RequestStatus.GRANTED, RequestStatus.REFUSED]
    page = client.get("/staff/requests?status=").text
    assert "already granted" in page or "Request #" in page
    # A link that names the partner by id filters by it and shows its name in the field.
    filtered = client.get(f"/staff/requests?status=&partner_id={partner.id}&policy=licensed")
    assert all(a.headline in filtered.text for a in picks)
    assert f'value="{partner.name}"' in filtered.text
    other_policy = f"/staff/requests?status=&partner_id={partner.id}&policy=free_eligible"
    assert not any(a.headline in client.get(other_policy).text for a in picks)


def test_staff_find_a_partners_requests_by_typing_its_name(
    client, auth, make_user, make_partner, make_article
):
    harbour = make_partner(name="Harbour Gazette")
    other = make_partner(name="Hilltop 100% News")
    for partner, headline in ((harbour, "Tide tables"), (other, "Ridge walk")):
        grants.request_articles(
            partner, [make_article(SyndicationPolicy.LICENSED, headline=headline).id]
        )
    make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    everyone = client.get("/staff/requests").text
    assert "Tide tables" in everyone and "Ridge walk" in everyone
    # No list of every partner: the name is typed, in any case, or only its beginning.
    assert 'type="search"' in everyone and 'name="partner_id"' not in everyone
    for typed in ("Harbour Gazette", "harbour", "HARB"):
        page = client.get("/staff/requests", query_string={"partner": typed})
        assert page.status_code == 200
        assert "Tide tables" in page.text and "Ridge walk" not in page.text
        assert f'value="{typed}"' in page.text  # kept in the field and so in the next query
    # "%" is a letter in a name, not a wildcard.
    percent = client.get("/staff/requests", query_string={"partner": "Hilltop 100%"}).text
    assert "Ridge walk" in percent and "Tide tables" not in percent
    wildcard = client.get("/staff/requests", query_string={"partner": "%"})
    assert wildcard.status_code == 422
    assert "name begins with “%”." in wildcard.text
    assert "Tide tables" not in wildcard.text


def test_partner_changes_password_and_other_sessions_end(app, client, editor):
    other = app.test_client()
    other.post("/login", data={"email": "ed@p.example", "password": PASSWORD})
    assert other.get("/portal/").status_code == 200
    wrong = client.post(
        "/portal/account",
        data={"current": "nope", "password": "a new password", "confirm": "a new password"},
    )
    assert wrong.status_code == 422 and "not right" in wrong.text
    changed = client.post(
        "/portal/account",
        data={"current": PASSWORD, "password": "a new password", "confirm": "a new password"},
    )
    assert changed.status_code == 302
    assert client.get("/portal/account").status_code == 200
    assert other.get("/portal/").status_code == 302


def test_a_partners_requests_page_by_cursor_that_no_other_partner_can_use(
    client, editor, make_article, make_partner
):
    from syndication.services.pagination import BadCursor

    made = [make_article() for _ in range(3)]
    for article in made:
        grants.request_articles(editor.partner, [article.id])
    other = make_partner()
    grants.request_articles(other, [made[0].id])
    first = grants.requests_of(editor.partner_id, per_page=2)
    rest = grants.requests_of(editor.partner_id, per_page=2, cursor=first.next_cursor)
    walked = [r.article_id for r in first.items + rest.items]
    assert walked == [a.id for a in reversed(made)] and not rest.has_next
    back = grants.requests_of(editor.partner_id, per_page=2, cursor=rest.prev_cursor)
    assert back.items == first.items
    with pytest.raises(BadCursor):
        grants.requests_of(other.id, per_page=2, cursor=first.next_cursor)
    page = client.get("/portal/requests").text
    assert "3 requests" in page and 'rel="next"' not in page
    assert client.get(f"/portal/requests?cursor={first.next_cursor}").status_code == 200
    other_cursor = grants.requests_of(other.id, per_page=1).prev_cursor or first.next_cursor
    refused = client.get(f"/portal/downloads?cursor={other_cursor}")
    assert refused.status_code == 400 and "not valid for this list" in refused.text
