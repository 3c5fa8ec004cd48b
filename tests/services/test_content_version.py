"""An article's content_version moves with anything its packages are built from, and only then.

Cached downloads trust this number instead of re-reading the content, so a
change it misses would hand partners a stale package.
"""

from __future__ import annotations

import sqlalchemy as sa

from syndication.extensions import db
from syndication.ingest.drafts import ArticleDraft, AssetDraft
from syndication.models import Article, ArticleTag, Asset, Role, SyndicationPolicy
from syndication.services import articles


def _version(article: Article) -> int:
    """The stored number, read past the session's identity map."""
    return db.session.execute(
        sa.select(Article.__table__.c.content_version).where(Article.__table__.c.id == article.id)
    ).scalar_one()


def _with_asset(make_article) -> Article:
    return make_article(
        assets=[AssetDraft(url="https://img.example/a.jpg", caption="A", credit="Staff")]
    )


def test_a_new_article_starts_at_one(make_article):
    assert _version(make_article()) == 1


def test_a_correction_bumps_it(make_article, make_user):
    article = make_article()
    staff = make_user(Role.STAFF)
    articles.edit_content(
        article, actor=staff, headline="New", dek="", body_html="<p>New body.</p>", note="Fix"
    )
    assert _version(article) == 2


def test_rights_and_asset_flags_bump_it(make_article, make_user):
    article = _with_asset(make_article)
    articles.update_rights(
        article,
        actor=make_user(Role.STAFF),
        origin=article.origin,
        policy=SyndicationPolicy.LICENSED,
        embargo_until=None,
        expires_at=None,
        territory="",
        syndicatable_asset_ids=set(),
    )
    assert _version(article) == 2


def test_a_changed_asset_alone_bumps_it(make_article):
    article = _with_asset(make_article)
    asset = db.session.scalars(sa.select(Asset).where(Asset.article_id == article.id)).one()
    db.session.expunge_all()  # the article is not loaded: the asset must find it
    asset = db.session.get(Asset, asset.id)
    asset.credit = "Getty Images"
    db.session.commit()
    assert _version(article) == 2


def test_a_deleted_asset_bumps_it(make_article):
    article = _with_asset(make_article)
    db.session.delete(db.session.scalars(sa.select(Asset)).one())
    db.session.commit()
    assert _version(article) == 2


def test_tags_bump_it_through_the_collection_and_directly(make_article):
    article = make_article(tags=["one"])
    article.tag_rows = [ArticleTag(tag="two")]
    db.session.commit()
    assert _version(article) == 2
    db.session.delete(db.session.get(ArticleTag, (article.id, "two")))
    db.session.commit()
    assert _version(article) == 3


def test_reimport_bumps_it_only_when_the_content_changed(make_article):
    article = make_article(headline="Same")
    source_id = article.source_id
    same = ArticleDraft(
        headline="Same",
        body_html="<p>First paragraph.</p><p>Second paragraph.</p>",
        published_at=article.published_at,
        source_id=source_id,
    )
    assert not articles.import_draft(same).revised
    assert _version(article) == 1
    changed = ArticleDraft(
        headline="Changed", body_html="<p>Other.</p>", published_at=None, source_id=source_id
    )
    assert articles.import_draft(changed).revised
    assert _version(article) == 2


def test_other_rows_leave_it_alone(make_article, make_partner, make_grant):
    article = make_article()
    make_grant(make_partner(), article)
    db.session.commit()
    assert _version(article) == 1
