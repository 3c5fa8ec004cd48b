"""The services' one-question functions that portal, API and CLI share."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import GrantStatus, PartnerStatus, SyndicationPolicy
from syndication.services import articles, grants, partners, rulesets
from syndication.services.errors import NotFound


def test_a_live_grant_is_held_and_an_expired_one_it_replaced_is_not(
    make_partner, make_article, make_grant
):
    partner, article, other = make_partner(), make_article(), make_article()
    older = make_grant(partner, article)
    older.valid_from = datetime.now(UTC) - timedelta(days=2)
    older.valid_until = older.valid_from + timedelta(days=1)
    db.session.commit()
    newer = make_grant(partner, article)
    assert grants.held_by(partner.id, [article.id, other.id]) == {article.id: newer.id}
    assert older.status is GrantStatus.EXPIRED
    assert grants.active_grant(partner.id, article.id) == newer


def test_two_active_grants_of_one_article_to_one_partner_cannot_exist(
    make_partner, make_article, make_grant
):
    partner, article = make_partner(), make_article()
    make_grant(partner, article)
    with pytest.raises(sa.exc.IntegrityError):
        make_grant(partner, article)


def test_a_revoked_grant_is_not_held_so_the_article_may_be_asked_for_again(
    make_partner, make_article, make_grant
):
    partner, article = make_partner(), make_article()
    grant = make_grant(partner, article)
    grant.status = GrantStatus.REVOKED
    db.session.commit()
    assert grants.held_by(partner.id, [article.id]) == {}
    (again,) = grants.request_articles(partner, [article.id])
    assert again.grant is not None and again.grant.id != grant.id


def test_another_partners_grant_is_neither_held_nor_found(make_partner, make_article, make_grant):
    article = make_article()
    theirs = make_grant(make_partner(), article)
    mine = make_partner()
    assert grants.held_by(mine.id, [article.id]) == {}
    with pytest.raises(NotFound):
        grants.of_partner(mine.id, theirs.id)


def test_an_article_not_syndicated_is_not_offered(make_article):
    assert articles.offered(make_article().id)
    with pytest.raises(NotFound):
        articles.offered(make_article(SyndicationPolicy.NOT_SYNDICATED).id)


def test_partner_search_filters_by_status_text_and_day(make_partner):
    applied = make_partner(PartnerStatus.APPLIED, name="Harbour Gazette")
    make_partner(name="Mountain Times")
    assert partners.search(status="applied").items == [applied]
    assert partners.search(q="harbour").items == [applied]
    today = datetime.now(UTC).date()
    assert applied in partners.search(created_from=today, created_to=today).items
    assert partners.search(created_to=date(2000, 1, 1)).items == []


def test_rules_preview_renders_the_terms_a_partner_would_get(make_article):
    preview = rulesets.preview(make_article(), tier="standard", fmt="text", partner_name="P")
    assert preview.rule_set.version >= 1
    assert preview.rendered.footer
