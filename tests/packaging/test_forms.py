"""A revision's body forms, made once and stored, build the very package built without them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest

from syndication.packaging import ArticleRevision, AssetInput, PackageInput, forms
from syndication.packaging.bundle import build_zip
from tests.packaging import (
    CORPUS_FILES,
    CORPUS_REFUSED,
    SHARED,
    corpus_drafts,
    make_input,
    seed_article,
    seed_assets,
)
from tests.packaging.test_corpus_packages import _assets, _revision

REFERENCE = SHARED / "bench" / "reference-article.json"


def _stored(inp: PackageInput) -> PackageInput:
    """The input with its revision's forms as a database row gives them back."""
    body = inp.article.body_html
    made = forms.revision_forms(body, inp.assets)
    return replace(inp, forms=forms.loads(forms.dumps(made, body).decode(), body))


def reference_input() -> PackageInput:
    data = json.loads(REFERENCE.read_text("utf-8"))
    article = ArticleRevision(
        article_id=data["guid"],
        revision=1,
        headline=data["headline"],
        body_html=data["body_html"],
        updated_at=datetime.fromisoformat(data["updated_at"]),
        canonical_url=data["canonical_url"],
        bylines=(data["byline"],),
        dateline=data["dateline"],
        section=data["section"],
        tags=tuple(data["keywords"]),
        language=data["language"],
        published_at=datetime.fromisoformat(data["published_at"]),
        word_count=data["word_count"],
    )
    assets = tuple(
        AssetInput(
            filename=image["renditions"]["baseImage"]["href"].rsplit("/", 1)[-1],
            data=image["renditions"]["baseImage"]["href"].encode(),
            mime_type=image["mime_type"],
            caption=image["caption"],
            credit=image["credit"],
            rights_holder=image["rights_holder"],
            syndicatable=image["syndicatable"],
            source_url=image["renditions"]["baseImage"]["href"],
            alt=image["alt"],
        )
        for image in data["images"]
    )
    return make_input(article, assets=assets)


def test_the_reference_article_from_stored_forms_is_the_package_built_from_scratch() -> None:
    inp = reference_input()
    assert build_zip(_stored(inp)) == build_zip(inp)


@pytest.mark.parametrize("profile", ["1.6", "2.2", "3.1"])
@pytest.mark.parametrize("strip_promos", [False, True])
@pytest.mark.parametrize("strip_third_party_assets", [False, True])
def test_the_seed_article_from_stored_forms_is_the_same_under_every_flag_and_profile(
    profile: str, strip_promos: bool, strip_third_party_assets: bool
) -> None:
    inp = make_input(
        profile=profile,
        strip_promos=strip_promos,
        strip_third_party_assets=strip_third_party_assets,
    )
    assert build_zip(_stored(inp)) == build_zip(inp)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[path.name for path in CORPUS_FILES])
def test_every_corpus_article_from_stored_forms_is_the_package_built_from_scratch(
    path,
) -> None:
    if path.name in CORPUS_REFUSED:
        return
    for n, draft in enumerate(corpus_drafts(path)):
        article = _revision(n, draft)
        for assets in (_assets(draft), ()):
            inp = make_input(article, assets=assets)
            where = f"{path.name} #{n} {article.headline[:40]!r}, {len(assets)} assets"
            assert build_zip(_stored(inp)) == build_zip(inp), where


def test_bodies_that_prepare_alike_are_stored_once() -> None:
    # No promo and every picture ours: all four pairs of flags prepare one body.
    body = "<p>Plain text, nothing to strip.</p>"
    made = forms.revision_forms(body, ())
    assert len({id(forms_) for forms_ in made.bodies.values()}) == 1
    stored = json.loads(forms.dumps(made, body))
    assert len(stored["bodies"]) == 1
    assert stored["bodies"][0]["html"] is None  # the revision's own body, not a copy


def test_the_key_follows_the_assets_a_body_is_prepared_with() -> None:
    article = seed_article()
    assets = seed_assets()
    ours_no_more = tuple(replace(asset, syndicatable=False) for asset in assets)
    unfetched = tuple(replace(asset, data=None) for asset in assets)
    keys = {
        forms.forms_key(article.body_html, variant)
        for variant in (assets, ours_no_more, unfetched, ())
    }
    assert len(keys) == 4
    # Forms made for other assets would point the body at pictures that do not ship.
    inp = make_input(article, assets=ours_no_more, strip_third_party_assets=False)
    wrong = replace(inp, forms=forms.revision_forms(article.body_html, assets))
    assert build_zip(wrong) != build_zip(inp)
