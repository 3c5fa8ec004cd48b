"""The partner portal: catalogue search and filters, the package preview, downloads history."""

from __future__ import annotations

import pytest

from syndication.models import Role, SyndicationPolicy
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


def test_preview_shows_the_article_as_the_partner_would_publish_it(client, editor, shared_dir):
    path = shared_dir / "corpus" / "seed" / "dcnf-2022-03-10-kuleba-lavrov.txt"
    (draft,) = importing.drafts_from_file(path, headline="Kuleba and Lavrov")
    article = articles.import_draft(draft).article
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
