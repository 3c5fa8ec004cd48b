"""Recognising one story however it arrives: URL normalisation and text fingerprints."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from syndication.ingest.identity import (
    _ASCII_NON_WORD,
    _TYPOGRAPHIC,
    _normalise_parsed_url,
    identify,
    normalise_url,
    similarity,
    text_fingerprint,
    text_words,
    words_of,
)
from syndication.ingest.sanitise import ALLOWED_TAGS, sanitise_html

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


# --- the words of a body, read without parsing it: the same as parsed ---------------------

_WORD = re.compile(r"\w+")


def parsed_words(body_html: str) -> list[str]:
    """The words as the body's document gives them: libxml2's parse, its text, the pattern."""
    if not body_html.strip():
        return []
    try:
        document = etree.HTML(body_html)
    except ValueError:
        document = None
    text = etree.XPath("string()")(document) if document is not None else body_html
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def test_what_becomes_a_space_or_splits_words_is_never_part_of_a_word():
    # words_of splits at these and takes str.isalnum() (and "_") for a word character.
    every = [chr(c) for c in range(sys.maxunicode + 1)]
    assert not [c for c in every if (_WORD.fullmatch(c) is not None) != (c.isalnum() or c == "_")]
    assert not [c for c in every if c.isspace() and _WORD.fullmatch(c)]
    spaced = bytes(range(128)).translate(_ASCII_NON_WORD).decode()
    ascii_spaced = [chr(c) for c in range(128) if spaced[c] != chr(c)]
    assert not [c for c in ascii_spaced if _WORD.fullmatch(c)]
    assert not [c for c in _TYPOGRAPHIC if _WORD.fullmatch(c)]


# Characters that make words awkward: punctuation the fast path knows and does not,
# underscores, combining marks, controls, compatibility forms, surrogates, white space.
_AWKWARD = st.sampled_from(
    list("_.,;:'\"!?()-’‘“”—–«»•·„‚£′×™ﬁ½²é\u0301\u0308\u200b\u202e\xa0\x0c\x1c\r\n\t \ud800")
)
_TEXT = st.lists(st.one_of(_AWKWARD, st.text(max_size=6)), max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(_TEXT)
def test_words_of_is_the_word_pattern(text):
    assert words_of(text) == _WORD.findall(text)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_ATTRIBUTE = st.tuples(
    st.sampled_from(["href", "src", "alt", "class", "title", "rel", "colspan"]),
    _TEXT.map(_escaped).map(lambda v: v.replace('"', "&quot;")),
).map(lambda pair: f' {pair[0]}="{pair[1]}"')
_START = st.tuples(st.sampled_from(sorted(ALLOWED_TAGS)), st.lists(_ATTRIBUTE, max_size=2)).map(
    lambda tag: f"<{tag[0]}{''.join(tag[1])}>"
)
_END = st.sampled_from(sorted(ALLOWED_TAGS)).map(lambda name: f"</{name}>")
_REFERENCE = st.sampled_from(["&amp;", "&lt;", "&gt;", "&nbsp;", "&quot;"])
# Markup of the sanitiser's shape, its tags in any order (stray end tags, unclosed ones).
_SANITISED_SHAPE = st.lists(
    st.one_of(_START, _END, _REFERENCE, _TEXT.map(_escaped)), max_size=30
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_SANITISED_SHAPE)
def test_a_bodys_words_are_those_of_its_parsed_document(markup):
    assert text_words(markup) == parsed_words(markup)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_START, _END, _REFERENCE, _TEXT, _AWKWARD), max_size=30).map("".join))
def test_a_sanitised_bodys_words_are_those_of_its_parsed_document(markup):
    body = sanitise_html(markup.encode(errors="replace").decode())  # it takes no surrogate
    assert text_words(body) == parsed_words(body)


@pytest.mark.parametrize(
    "body",
    [
        "<span>" * 300 + "deep words" + "</span>" * 300 + "<p>after</p>",  # too deep to parse
        "<p>a</p>" + "<b>" * 253 + "x" + "</b>" * 253,
        "<p>first</p>" + "<b>x</b>" * 300,  # many elements, none deep
        "<p>" + "<em>" * 250 + "</p>" * 250 + "x",  # end tags that close nothing
        "<p>" + "word " * 2_000_001 + "</p><p>tail</p>",  # more text than libxml2 keeps
        "<p>a\x00b</p>",
        " \n <p>x</p>",
        "<p>x</p><pre>\ny</pre>",
        '<img alt="a>b" src="/x">c',
        "<p>&amp;lt;b&amp;gt;</p>",
    ],
)
def test_bodies_the_parser_reads_its_own_way_have_its_words(body):
    assert text_words(body) == parsed_words(body)
