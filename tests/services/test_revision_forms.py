"""Each revision's body forms are stored once; every grant's package is put together from them."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import ArticleRevision, Role
from syndication.packaging import forms
from syndication.packaging.bundle import build_zip
from syndication.services import articles, assets, package_sources
from tests.factories import source_of
from tests.ingest.test_images import image_bytes
from tests.services.test_assets import _article_with_photo


def _current(article) -> ArticleRevision:
    return db.session.scalar(
        sa.select(ArticleRevision).where(
            ArticleRevision.article_id == article.id,
            ArticleRevision.number == article.current_revision,
        )
    )


def _fits(article) -> bool:
    """Whether the current revision's stored forms were made from its body and assets now."""
    revision = _current(article)
    _, _, now = package_sources.for_article(article.id)
    stored = forms.loads(revision.forms, revision.body_html)
    return stored.key == forms.forms_key(revision.body_html, now)


def test_an_imported_revision_stores_its_forms_and_every_package_is_the_one_built_from_scratch(
    seed_grant,
):
    assert _fits(seed_grant.article)
    source = source_of(seed_grant)
    inp = source.package_input()
    assert inp.forms is not None
    assert build_zip(inp) == build_zip(replace(inp, forms=None))


def test_a_correction_stores_the_forms_of_its_new_revision(seed_grant, correct):
    correct(seed_grant.article, "<p>The corrected text, with a <em>new</em> sentence.</p>")
    assert seed_grant.article.current_revision == 2
    assert _fits(seed_grant.article)
    inp = source_of(seed_grant).package_input()
    assert inp.forms.bodies[(True, True)].text == "The corrected text, with a new sentence."
    assert build_zip(inp) == build_zip(replace(inp, forms=None))


def test_a_stored_picture_file_and_a_rights_change_make_the_forms_again(
    make_article, make_partner, make_grant, make_user
):
    article = _article_with_photo(make_article)
    grant = make_grant(make_partner(), article)
    before = _current(article).forms
    (photo,) = article.assets
    assets.store_file(photo.id, image_bytes("PNG", (16, 9)), actor=None)
    after_file = _current(article).forms
    assert after_file != before and _fits(article)
    forms = source_of(grant).package_input().forms
    assert b"images/harbour.png" in forms.bodies[(True, True)].xhtml

    articles.update_rights(
        article,
        actor=make_user(Role.STAFF),
        origin=article.origin,
        policy=article.policy,
        embargo_until=None,
        expires_at=None,
        territory="",
        syndicatable_asset_ids=set(),  # the photo is not ours after all
    )
    assert _current(article).forms != after_file and _fits(article)
    inp = source_of(grant).package_input()
    assert "harbour" not in inp.forms.bodies[(True, True)].html
    assert build_zip(inp) == build_zip(replace(inp, forms=None))


def test_revisions_from_before_forms_are_built_the_same_and_filled_by_the_upkeep(seed_grant):
    revision = _current(seed_grant.article)
    db.session.execute(
        sa.update(ArticleRevision).where(ArticleRevision.id == revision.id).values(forms=None)
    )
    db.session.expire_all()
    scratch = replace(source_of(seed_grant).package_input(), forms=None)
    # Read without stored forms: made in memory for the read, identical bytes, nothing written.
    assert build_zip(source_of(seed_grant).package_input()) == build_zip(scratch)
    assert _current(seed_grant.article).forms is None

    assert package_sources.fill_forms(limit=10) >= 1
    db.session.expire_all()
    assert _fits(seed_grant.article)
    assert package_sources.fill_forms(limit=10) == 0
    assert build_zip(source_of(seed_grant).package_input()) == build_zip(scratch)


def test_staff_read_many_partners_grants_at_once_and_each_partner_only_its_own(
    seed_article, make_partner, make_grant
):
    first, second = make_partner(), make_partner()
    grants = [make_grant(first, seed_article), make_grant(second, seed_article)]
    ids = [grant.id for grant in grants]
    everyone = package_sources.for_grants(ids, None)
    assert set(everyone) == set(ids)
    # One revision, read once: every grant's input shares its article and its forms.
    assert len({id(source.package_input().forms) for source in everyone.values()}) == 1
    assert set(package_sources.for_grants(ids, first.id)) == {grants[0].id}
