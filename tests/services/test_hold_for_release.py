"""Embargoed copy for trusted tiers: granted at once, held for release in every format."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from syndication.extensions import db
from syndication.models import PartnerTier, RequestStatus, Role
from syndication.services import grants, packages, settings
from tests.packaging import newsml_errors, ninjs_errors

G2 = {"g2": "http://iptc.org/std/nar/2006-10-01/"}


@pytest.fixture
def trusted_standard_tier(make_user):
    settings.update_tier_terms(
        actor=make_user(Role.ADMIN),
        terms={PartnerTier.STANDARD: settings.TierTerms(None, embargoed_copy=True)},
    )


def _embargoed(make_article, hours: int = 6):
    article = make_article()
    lifts = (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0)
    article.embargo_until = lifts
    db.session.commit()
    return article, lifts


def _files(grant) -> zipfile.ZipFile:
    built = packages.build(packages.usable(grant.id, grant.partner_id))
    return zipfile.ZipFile(io.BytesIO(built.data))


def test_a_trusted_tier_gets_embargoed_copy_at_once_held_for_release_everywhere(
    trusted_standard_tier, make_partner, make_article
):
    article, lifts = _embargoed(make_article)
    (result,) = grants.request_articles(make_partner(), [article.id])
    assert result.request.status is RequestStatus.GRANTED
    assert "hold for release" in result.request.reason
    files = _files(result.grant)

    ninjs = files.read("article.ninjs.json")
    assert ninjs_errors(ninjs) == []
    assert datetime.fromisoformat(json.loads(ninjs)["embargoed"]) == lifts

    newsml = files.read("article.newsml.xml")
    assert newsml_errors(newsml) == []
    (embargoed,) = etree.fromstring(newsml).xpath("//g2:itemMeta/g2:embargoed", namespaces=G2)
    assert datetime.fromisoformat(embargoed.text) == lifts

    notice = f"HOLD FOR RELEASE: embargoed until {lifts:%d %b %Y %H:%M} UTC"
    for name in ("article.html", "article.page.html", "article.txt", "article.md"):
        text = files.read(name).decode()
        assert notice in text, name
        # Before the headline: the first thing an editor reads.
        heading = "<h1>" if name.endswith(".html") else article.headline
        assert text.index(notice) < text.index(heading), name
    assert notice in files.read("article.newsml.xml").decode()  # in the usage terms too


def test_an_untrusted_tier_waits_for_the_embargo(make_partner, make_article):
    article, _ = _embargoed(make_article)
    (result,) = grants.request_articles(make_partner(), [article.id])
    assert result.request.status is RequestStatus.PENDING and result.grant is None


def test_copy_granted_after_the_embargo_lifted_is_not_held(
    trusted_standard_tier, make_partner, make_article
):
    article, _ = _embargoed(make_article, hours=-1)
    (result,) = grants.request_articles(make_partner(), [article.id])
    files = _files(result.grant)
    assert "embargoed" not in json.loads(files.read("article.ninjs.json"))
    assert "HOLD FOR RELEASE" not in files.read("article.txt").decode()


def test_admins_trust_a_tier_with_embargoed_copy_on_the_tier_terms_page(client, auth, make_user):
    from tests.factories import PASSWORD

    make_user(Role.ADMIN, email="boss@example.org")
    auth.login("boss@example.org", PASSWORD)
    response = client.post(
        "/staff/settings/quotas",
        data={"standard": "", "premium": "50", "premium_embargoed": "y"},
    )
    assert response.status_code == 302
    terms = settings.tier_terms()
    assert terms[PartnerTier.PREMIUM] == settings.TierTerms(50, embargoed_copy=True)
    assert terms[PartnerTier.STANDARD] == settings.TierTerms(None, embargoed_copy=False)
