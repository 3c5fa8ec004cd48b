"""Every demo article's package, in every ninjs profile, is valid and reads back whole."""

from __future__ import annotations

import sqlalchemy as sa

from syndication.demo.loader import load_demo
from syndication.extensions import db
from syndication.models import Article, Partner, PartnerStatus
from syndication.packaging import ninjs
from syndication.packaging.bundle import build_zip
from tests.factories import source_of
from tests.packaging import newsml_errors, ninjs_errors, round_trip, unzip


def test_every_demo_article_in_every_profile_validates_and_round_trips(make_grant):
    load_demo()
    partner = db.session.scalar(
        sa.select(Partner).where(Partner.status == PartnerStatus.APPROVED).limit(1)
    )
    demo = db.session.scalars(sa.select(Article).order_by(Article.id)).all()
    assert len(demo) >= 30
    grants = [make_grant(partner, article) for article in demo]
    for version in ninjs.VERSIONS:
        partner.ninjs_version = version
        db.session.flush()
        for article, grant in zip(demo, grants, strict=True):
            inp = source_of(grant).package_input()
            assert inp.profile == version
            files = unzip(build_zip(inp))
            where = f"{article.slug} ninjs {version}"
            assert ninjs_errors(files["article.ninjs.json"], version, files) == [], where
            assert newsml_errors(files["article.newsml.xml"]) == [], where
            # Headline, body, byline, dates, language, rights, status, pictures: all equal.
            assert round_trip.problems(inp, files) == [], where
