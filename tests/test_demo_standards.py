"""Every demo article's package is valid against the official IPTC schemas."""

from __future__ import annotations

import sqlalchemy as sa

from syndication.demo.loader import load_demo
from syndication.extensions import db
from syndication.models import Article, Partner, PartnerStatus
from syndication.packaging import newsml, ninjs
from tests.factories import source_of
from tests.packaging import newsml_errors, ninjs_errors


def test_every_demo_articles_ninjs_and_newsml_validate(make_grant):
    load_demo()
    partner = db.session.scalar(
        sa.select(Partner).where(Partner.status == PartnerStatus.APPROVED).limit(1)
    )
    demo = db.session.scalars(sa.select(Article).order_by(Article.id)).all()
    assert len(demo) >= 30
    for article in demo:
        inp = source_of(make_grant(partner, article)).input
        assert ninjs_errors(ninjs.build(inp)) == [], article.slug
        assert newsml_errors(newsml.build(inp)) == [], article.slug
