"""Files joined from a revision's template and a grant's values are the files written whole.

Each builder that joins a template (:mod:`syndication.packaging.splice`) keeps
the whole writer beside it; here both write the reference article, the seed
under every flag and profile, every corpus article, grants of every shape
(held, withdrawn, without texts) and values of every awkward kind.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndication.packaging import PackageInput, jsonld, ninjs, splice
from syndication.packaging.bundle import build_zip
from tests.packaging import (
    CORPUS_FILES,
    CORPUS_REFUSED,
    GRANT,
    corpus_drafts,
    make_input,
    unzip,
)
from tests.packaging.test_corpus_packages import _assets, _revision
from tests.packaging.test_forms import _stored, reference_input

# Each joined writer and the whole writer it must equal.
WRITERS: dict[str, tuple[Callable[[PackageInput], Any], Callable[[PackageInput], Any]]] = {
    "ninjs": (ninjs.build, ninjs.build_whole),
    "jsonld": (jsonld.build, jsonld.build_whole),
    "jsonld script": (jsonld.script_json, jsonld.script_whole),
}
# What a grant's values may hold that a writer escapes: markup, quotes, controls,
# line ends, non-ASCII (ninjs 1.6 writes it as \u escapes) and a mark's characters.
AWKWARD = (
    " & <b> \"quoted\" 'single' tab\there\nline\r\nend ünïcödé 😀 </script> \x01 \ue0001\ue001"
)


def _same(inp: PackageInput, where: str = "") -> None:
    for name, (joined, whole) in WRITERS.items():
        # Fresh copies: nothing one writer works out is handed to the other. Twice:
        # a template is made when a revision's is asked for again (splice.OnReuse).
        expected = whole(replace(inp))
        assert joined(replace(inp)) == expected, f"{name} {where}"
        assert joined(replace(inp)) == expected, f"{name} {where}, again"


def _shapes(inp: PackageInput) -> list[PackageInput]:
    """The input as grants of every shape: held, withdrawn, without texts, in each profile."""
    held = dict(inp.terms, hold_until="2031-05-01T09:00:00+00:00")
    no_texts = json.loads(json.dumps(inp.terms))
    for fmt in no_texts["formats"].values():
        fmt.update(credit_line="", footer="", originally_appeared="")
    no_texts["restrictions"] = []
    out = []
    for profile in ninjs.VERSIONS:
        base = replace(inp, profile=profile)
        out += [
            base,
            replace(base, terms=held),
            replace(base, status="canceled"),
            replace(base, terms=no_texts),
        ]
    return out


def _awkward(inp: PackageInput, value: str) -> PackageInput:
    terms = json.loads(json.dumps(inp.terms))
    for fmt in terms["formats"].values():
        for key in ("credit_line", "footer", "originally_appeared"):
            fmt[key] = f"{fmt.get(key) or ''}{value}"
    terms["restrictions"] = [*terms.get("restrictions", ()), value]
    grant = replace(
        GRANT,
        licence_id=f"SD-1{value}",
        partner_name=f"Partner{value}",
        grant_id=f"G{value}",
    )
    return replace(inp, terms=terms, grant=grant, odrl=dict(inp.odrl, uid=f"urn:x{value}"))


def test_the_reference_article_in_every_shape_of_grant() -> None:
    for inp in _shapes(_stored(reference_input())):
        _same(inp, inp.profile)


@pytest.mark.parametrize("profile", ninjs.VERSIONS)
@pytest.mark.parametrize("strip_promos", [False, True])
@pytest.mark.parametrize("strip_third_party_assets", [False, True])
def test_the_seed_article_under_every_flag_and_profile(
    profile: str, strip_promos: bool, strip_third_party_assets: bool
) -> None:
    inp = make_input(
        profile=profile,
        strip_promos=strip_promos,
        strip_third_party_assets=strip_third_party_assets,
    )
    _same(inp)
    _same(_stored(inp), "stored forms")
    _same(_awkward(inp, AWKWARD), "awkward")


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[path.name for path in CORPUS_FILES])
def test_every_corpus_article(path) -> None:
    if path.name in CORPUS_REFUSED:
        return
    for n, draft in enumerate(corpus_drafts(path)):
        article = _revision(n, draft)
        for assets in (_assets(draft), ()):
            for profile in ninjs.VERSIONS:
                inp = make_input(article, assets=assets, profile=profile)
                _same(_stored(inp), f"{path.name} #{n} {profile}, {len(assets)} assets")


def test_a_revision_holding_a_mark_is_written_whole() -> None:
    base = make_input()
    inp = replace(base, article=replace(base.article, headline=f"A {splice.mark(1)} headline"))
    _same(inp)
    assert splice.mark(1).encode() in ninjs.build(inp)


def test_a_template_is_made_when_its_revision_comes_again() -> None:
    made: list[tuple[object, ...]] = []

    def make(*key: object) -> splice.Template:
        made.append(key)
        return splice.Template((b"",), ())

    templates: splice.OnReuse[splice.Template] = splice.OnReuse(make, 2)
    assert templates("a") is None
    assert templates("a") == splice.Template((b"",), ()) and made == [("a",)]
    assert templates("a") is not None and made == [("a",)]
    assert templates("b") is None and templates("c") is None  # "a" is forgotten
    assert templates("a") is None


def test_templates_are_looked_up_safely_from_many_threads() -> None:
    """The worker's threads build packages side by side: evictions never fail a lookup."""

    class Key(int):
        # Hashing gives the other threads their turn (a revision's hash can take a while),
        # so one thread evicts between another's lookup and its move to the end.
        def __hash__(self) -> int:
            time.sleep(0)
            return int.__hash__(self)

    templates: splice.OnReuse[tuple[int, ...]] = splice.OnReuse(lambda *key: key, 3)
    failures: list[BaseException] = []

    def build(offset: int) -> None:
        try:
            for n in range(2_000):
                key = Key((n + offset) % 5)
                value = templates(key)
                assert value is None or value == (key,)
        except BaseException as exc:  # reported by the test's own thread
            failures.append(exc)

    threads = [threading.Thread(target=build, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@settings(max_examples=150, deadline=None)
@given(st.text(), st.sampled_from(ninjs.VERSIONS))
def test_any_value_of_the_grant_is_written_as_the_whole_writer_writes_it(
    value: str, profile: str
) -> None:
    _same(_awkward(make_input(profile=profile), value))


def test_packages_of_equal_inputs_made_apart_are_the_same() -> None:
    """What is kept per revision is looked up by equal keys, never taken for the input's own
    objects (preparing a body matches its pictures to the input's assets by identity)."""
    first = build_zip(make_input())
    again = make_input()
    own, wire = again.assets
    again = replace(again, assets=(replace(own, sha256=""), replace(wire)))
    assert again.assets[0] is not make_input().assets[0]
    assert build_zip(again) == first
    # The images are pointed at images/ in the second package as in the first.
    assert b"images/" in unzip(build_zip(again))["article.md"]
