"""Recognising one story however it arrives: URL normalisation and text fingerprints."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syndication.ingest.identity import (
    _normalise_parsed_url,
    identify,
    normalise_url,
    similarity,
    text_fingerprint,
    text_words,
)

BODY = "<p>" + " ".join(f"word{i}" for i in range(40)) + "</p>"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.org/news/story",
        "http://example.org/news/story/",
        "HTTPS://WWW.EXAMPLE.ORG/news/story?utm_source=feed&utm_medium=rss",
        "https://example.org/news//story#comments",
        "https://example.org:443/news/story?fbclid=abc",
    ],
)
def test_one_page_has_one_url_key_whatever_its_spelling(url):
    assert normalise_url(url) == "example.org/news/story"


def test_parameters_that_name_the_page_are_kept_in_a_stable_order():
    assert (
        normalise_url("https://example.org/a?b=2&id=7&utm_campaign=x") == "example.org/a?b=2&id=7"
    )
    assert normalise_url("https://example.org/a?id=7&b=2") == "example.org/a?b=2&id=7"


def test_different_pages_keep_different_keys():
    assert normalise_url("https://example.org/a?id=1") != normalise_url(
        "https://example.org/a?id=2"
    )
    assert normalise_url("https://example.org/a") != normalise_url("https://example.com/a")
    assert normalise_url("https://example.org:8443/a") != normalise_url("https://example.org/a")


@pytest.mark.parametrize(
    "url", ["", "javascript:alert(1)", "mailto:a@b.example", "not a url", "http://"]
)
def test_only_web_addresses_have_a_key(url):
    assert normalise_url(url) == ""


@given(st.text())
def test_normalising_is_idempotent_on_anything(text):
    key = normalise_url(text)
    if key:
        assert normalise_url(f"https://{key}") == key


# Pieces of links, the awkward ones included: spaces, controls, ports, users, brackets.
_URL_PIECES = st.sampled_from(
    (
        *("http://", "https://", "HTTP://", "ftp://", "www.", "WWW.", "example", ".org", "."),
        *("-", ":", ":80", ":8443", "@", "[", "]", "/", "//", "a", "B", "%2F", "?", "=", "&"),
        *("#", "utm_source=x", "id=3", " ", "\t", "\n", "\x01", "\x7f", "é", "0"),
    )
)


@given(st.lists(_URL_PIECES, max_size=12))
def test_a_plain_link_is_normalised_as_a_parsed_one(pieces):
    # Plain links skip urlsplit: whatever the link, the key is the one urlsplit gives.
    url = "".join(pieces)
    assert normalise_url(url) == _normalise_parsed_url(url.strip())
    assert normalise_url("https://" + url) == _normalise_parsed_url(("https://" + url).strip())


def test_markup_case_and_spacing_do_not_change_the_fingerprint():
    other = BODY.replace("<p>", "<div><p>\n  ").replace("word1 ", "WORD1   ")
    assert text_fingerprint(BODY) == text_fingerprint(other) != ""


def test_a_changed_word_changes_the_fingerprint():
    assert text_fingerprint(BODY) != text_fingerprint(BODY.replace("word7", "word77"))


def test_a_body_too_short_to_identify_a_story_has_no_fingerprint():
    assert text_fingerprint("<p>Breaking news.</p>") == ""


def test_identity_carries_each_key():
    identity = identify(" guid-1 ", "https://www.example.org/x/", BODY)
    assert identity.source_id == "guid-1"
    assert identity.url_key == "example.org/x"
    assert identity.fingerprint == text_fingerprint(BODY)


def test_a_lightly_edited_copy_is_similar_and_another_story_is_not():
    words = text_words(BODY)
    edited = [*words[:30], "inserted", *words[30:]]
    assert similarity(words, edited) > 0.7
    assert similarity(words, text_words("<p>" + " ".join(f"x{i}" for i in range(40)))) == 0.0
