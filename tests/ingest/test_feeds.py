"""RSS and Atom feeds: links made absolute, encodings decoded, GUIDs kept, footers taken off."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndication.ingest.drafts import ArticleDraft
from syndication.ingest.enrich import _plain_rfc822_date, as_utc, parse_datetime
from syndication.ingest.errors import ImportFormatError
from syndication.ingest.feeds import parse_feed

FEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "feeds"
DCNF_FOOTER = (
    "Content created by The Daily Caller News Foundation is available without charge to any "
    "eligible news publisher that can provide a large audience. For licensing opportunities of "
    "our original content, please contact licensing@dailycallernewsfoundation.org."
)


@cache
def feed(name: str) -> list[ArticleDraft]:
    return parse_feed((FEEDS / name).read_bytes())


def rss(items: str, channel: str = "<link>https://example.org/</link>") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        f"<channel><title>T</title>{channel}{items}</channel></rss>"
    ).encode()


def hrefs(draft: ArticleDraft) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', draft.body_html)


# --- links and xml:base -----------------------------------------------------------------------


def test_atom_content_xml_base_makes_a_relative_image_absolute() -> None:
    [draft] = feed("atom-xml-base.atom")
    assert hrefs(draft) == ["https://numi.st/post/2022/travel-uke/IMG_1232.jpeg"]
    assert draft.source_id == "https://numi.st/post/2022/travel-uke"


def test_item_level_xml_base_and_a_description_written_as_markup() -> None:
    first = feed("insanity-industries-relative-urls.xml")[0]
    assert first.summary.startswith("Everyone wants good compression. But what exactly is good")
    assert first.canonical_url == "https://insanity.industries/post/pareto-optimal-compression/"
    assert first.bylines == ["Jonas Große Sundrup"]  # "email (name)": the name only


def test_an_item_whose_link_is_no_valid_url_still_imports_with_the_others() -> None:
    items = (
        "<item><title>Broken link</title><link>http://exa mple.com/a</link><guid>b1</guid>"
        '<description>&lt;p&gt;See &lt;a href="/more"&gt;more&lt;/a&gt;.&lt;/p&gt;</description>'
        "</item>"
        "<item><title>Fine</title><link>https://example.org/fine</link><guid>f1</guid>"
        '<description>&lt;p&gt;Fine &lt;a href="/x"&gt;x&lt;/a&gt;.&lt;/p&gt;</description></item>'
    )
    broken, fine = parse_feed(rss(items))
    assert broken.headline == "Broken link" and 'href="/more"' in broken.body_html
    assert 'href="https://example.org/x"' in fine.body_html


def test_relative_links_in_descriptions_become_absolute() -> None:
    links = [link for draft in feed("macworld.rss") for link in hrefs(draft)]
    assert links and all(link.startswith(("http://", "https://")) for link in links)
    assert any(link.startswith("https://www.macworld.com/article/") for link in links)


def test_relative_atom_entry_link_resolves_against_the_feed_site() -> None:
    draft = feed("tpm-talkingpointsmemo.atom")[0]
    assert draft.canonical_url.startswith("http://talkingpointsmemo.com/livewire/")
    assert draft.source_id.startswith("tag:talkingpointsmemo.com,2005:")


# --- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "headline"),
    [
        (
            "golem-de-iso-8859-1.xml",
            "Wochenrückblick: Wilder Westen, buntes Handy, nutzloses Siegel",
        ),
        ("oren-ru-windows-1251.xml", "В Бузулуке главные стройплощадки – детсад и Ледовый дворец"),
        ("kc0011-gb2312.rss", "建国35周年纪念，华表，和平鸽"),
        (
            "uol-noticias-latin1-no-declaration.rss",
            "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno",
        ),
    ],
)
def test_declared_and_undeclared_encodings_come_out_as_unicode(name: str, headline: str) -> None:
    drafts = feed(name)
    assert headline in [d.headline for d in drafts]
    assert not any("\ufffd" in d.headline + d.body_html for d in drafts)


def test_a_blank_line_before_the_xml_declaration_is_tolerated() -> None:
    assert len(feed("techcrunch-2011.xml")) == 20


# --- identity, people, dates -------------------------------------------------------------------


def test_guid_is_the_source_id_and_the_link_the_canonical_url() -> None:
    draft = feed("norm2782-wordpress-rss2.xml")[0]
    assert draft.source_id == "http://www.norm2782.com/?p=114"
    assert draft.canonical_url == "http://www.norm2782.com/2009/03/wth-reading-books/"
    assert draft.bylines == ["norm2782"]
    assert draft.tags[:2] == ["New Zealand", "Personal"]


def test_one_category_is_one_tag_and_a_keywords_field_is_a_comma_list() -> None:
    xml = (
        "<item><title>A</title><guid>a</guid><category>Mayer, Marissa</category>"
        "<dc:subject>Mergers, Acquisitions and Divestitures</dc:subject>"
        "<media:keywords>tech, Yahoo , Verizon</media:keywords>"
        "<itunes:keywords>podcast,tech</itunes:keywords></item>"
    )
    [draft] = parse_feed(rss(xml))
    assert draft.tags == [
        "Mayer, Marissa",
        "Mergers, Acquisitions and Divestitures",
        "tech",
        "Yahoo",
        "Verizon",
        "podcast",
    ]


def test_an_atom_category_is_one_tag() -> None:
    data = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>e1</id>'
        b'<title>A</title><category term="mayer-marissa" label="Mayer, Marissa"/>'
        b'<category term="Sudan,South Sudan"/></entry></feed>'
    )
    [draft] = parse_feed(data)
    assert draft.tags == ["Mayer, Marissa", "Sudan,South Sudan"]


def test_link_is_the_source_id_when_there_is_no_guid() -> None:
    [draft] = parse_feed(rss("<item><title>A</title><link>https://example.org/a</link></item>"))
    assert draft.source_id == "https://example.org/a"


def test_dates_are_utc_whatever_the_feed_wrote() -> None:
    # "Seg, 24 Set 2018 19:42:40 -0300": Portuguese day and month names.
    assert feed("uol-noticias-latin1-no-declaration.rss")[0].published_at == datetime(
        2018, 9, 24, 22, 42, 40, tzinfo=UTC
    )
    # "2020/1/10 14:33:00": no zone at all, read as UTC.
    assert feed("kc0011-gb2312.rss")[0].published_at == datetime(2020, 1, 10, 14, 33, tzinfo=UTC)
    for name in ("guardian-us.rss", "science-twis-rss1.rdf", "google-ads-developer-blog.atom"):
        assert all(d.published_at and d.published_at.tzinfo == UTC for d in feed(name))


@pytest.mark.parametrize(
    "written",
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "Fri, 31 Dec 9999 23:59:59 -0100",
        "Sex, 31 Dez 9999 23:59:59 -0100",
    ],
)
def test_a_date_with_no_utc_time_is_no_date_not_a_failed_import(written: str) -> None:
    """A time at the calendar's very edge cannot be put in UTC: the item has no date."""
    xml = f"<item><title>A</title><guid>a</guid><pubDate>{written}</pubDate></item>"
    [draft] = parse_feed(rss(xml))
    assert draft.published_at is None


def _numbers(width: int) -> st.SearchStrategy[str]:
    return st.integers(0, 10**width - 1).map(lambda n: f"{n:0{width}d}")


# RFC 822 dates as feeds write them, their fields anywhere in range and beyond it.
_RFC822 = st.tuples(
    st.sampled_from(["Mon", "Tue", "Sun", "sun", "Xyz"]),
    st.one_of(_numbers(1), _numbers(2)),
    st.sampled_from(["Jan", "Feb", "Jun", "Dec", "jan", "June"]),
    st.one_of(_numbers(4), st.sampled_from(["0050", "0099", "0100", "9999"])),
    _numbers(2),
    _numbers(2),
    _numbers(2),
    st.one_of(
        st.tuples(st.sampled_from("+-"), _numbers(4)).map("".join),
        st.sampled_from(["GMT", "UT", "UTC", "Z", "EST", "+0000", "-0000", "+2400"]),
    ),
).map(lambda f: f"{f[0]}, {f[1]} {f[2]} {f[3]} {f[4]}:{f[5]}:{f[6]} {f[7]}")


@settings(max_examples=1000, deadline=None)
@given(_RFC822)
def test_a_plain_rfc822_date_is_read_as_email_utils_reads_it(text: str) -> None:
    found = _plain_rfc822_date(text)
    if found is None:
        return  # left to the parsers
    expected = parsedate_to_datetime(text)
    year = text.split()[3]
    if int(year) < 100:
        # Written with four digits, the year is the year written: email.utils would take
        # "0001" for 2001. Its 2001 (or 1999) has the same days as year 1 (or 99).
        expected = expected.replace(year=int(year))
    expected = as_utc(expected)
    assert (found, repr(found)) == (expected, repr(expected))


def test_the_usual_rfc822_dates_are_read_without_the_parsers() -> None:
    assert _plain_rfc822_date("Wed, 31 Jan 2018 12:00:01 -0530") == datetime(
        2018, 1, 31, 17, 30, 1, tzinfo=UTC
    )
    assert _plain_rfc822_date("Tue, 10 Jun 2003 04:00:00 GMT") == datetime(
        2003, 6, 10, 4, tzinfo=UTC
    )
    assert _plain_rfc822_date("Wed, 31 Feb 2018 12:00:01 -0530") is None  # no such day


@pytest.mark.parametrize(
    ("written", "year"),
    [
        ("Mon, 01 Jan 0001 12:00:00 +0100", 1),
        ("Fri, 01 Jan 0099 12:00:00 GMT", 99),
        ("01 Jan 0050 12:00:00 +0000", 50),  # no weekday: email.utils reads it
        ("Mon Jan 01 12:00:00 0001", 1),  # asctime's order
        ("1 January 0001", 1),  # dateutil reads it
        ("Mon, 01 Jan 01 12:00:00 GMT", 2001),  # two digits: RFC 2822's rule
        ("Fri, 01 Jan 99 12:00:00 GMT", 1999),
    ],
)
def test_a_year_written_with_four_digits_is_that_year(written: str, year: int) -> None:
    """ "0001" is the year 1: only a two-digit year ("01") is read as 2001 or 1999."""
    found = parse_datetime(written)
    assert found is not None and found.year == year


@pytest.mark.parametrize(
    "written",
    [
        "Mon, 01 Jan 0001 00:00:00 +0100",  # 31 Dec of the year 0 in UTC
        "01 Jan 0001 00:30:00 +0100",
        "Sat, 01 Jan 0000 12:00:00 GMT",  # no year 0 in the calendar
    ],
)
def test_a_four_digit_year_with_no_utc_time_is_no_date(written: str) -> None:
    assert parse_datetime(written) is None


# --- media and third parties -------------------------------------------------------------------


def test_media_credit_naming_an_agency_makes_the_image_not_syndicatable() -> None:
    draft = feed("guardian-us.rss")[0]
    [image] = draft.assets  # the 140px and 460px copies are one picture
    assert image.credit == "Photograph: Networ/Sipa USA/REX/Shutterstock" and "w=460" in image.url
    # The leftmost agency is the picture's source: Sipa's, distributed by REX/Shutterstock.
    assert image.syndicatable is False and image.rights_holder == "SIPA"
    assert [(f.kind, f.detail) for f in draft.findings if f.kind == "third_party_asset"] == [
        ("third_party_asset", "SIPA")
    ]


def test_media_under_both_spellings_of_the_namespace_keeps_one_order_in_every_process() -> None:
    # The namespaces were a set, whose order follows string hashing (PYTHONHASHSEED): the
    # item's pictures came out in another order in another process.
    item = (
        "<item><title>Two</title><link>https://example.org/two</link><guid>two</guid>"
        "<description>&lt;p&gt;Text.&lt;/p&gt;</description>"
        '<m1:content xmlns:m1="http://search.yahoo.com/mrss" url="https://example.org/a.jpg"'
        ' medium="image" type="image/jpeg"/>'
        '<media:content url="https://example.org/b.jpg" medium="image" type="image/jpeg"/>'
        "</item>"
    )
    script = (
        "import sys; from syndication.ingest.feeds import parse_feed; "
        "print([a.url for a in parse_feed(sys.stdin.buffer.read())[0].assets])"
    )
    orders = {
        subprocess.run(
            [sys.executable, "-c", script],
            input=rss(item),
            capture_output=True,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in range(6)
    }
    # In the document's order, whichever spelling comes first.
    assert orders == {b"['https://example.org/a.jpg', 'https://example.org/b.jpg']\n"}


def test_media_under_both_spellings_comes_in_document_order() -> None:
    def item(first: tuple[str, str], second: tuple[str, str]) -> bytes:
        pictures = "".join(
            f'<{prefix}:content xmlns:{prefix}="{namespace}" url="https://example.org/{name}.jpg"'
            ' medium="image" type="image/jpeg"/>'
            for (prefix, namespace), name in ((first, "one"), (second, "two"))
        )
        return rss(
            "<item><title>Two</title><link>https://example.org/two</link><guid>two</guid>"
            f"<description>&lt;p&gt;Text.&lt;/p&gt;</description>{pictures}</item>"
        )

    slash = ("m", "http://search.yahoo.com/mrss/")
    bare = ("n", "http://search.yahoo.com/mrss")
    for first, second in ((slash, bare), (bare, slash)):
        assert [a.url.rsplit("/", 1)[1] for a in parse_feed(item(first, second))[0].assets] == [
            "one.jpg",
            "two.jpg",
        ]


def test_enclosures_become_assets() -> None:
    assert all(
        d.assets and d.assets[0].mime_type.startswith("image/") for d in feed("macworld.rss")
    )


def test_scripts_iframes_and_tracking_pixels_are_gone() -> None:
    bodies = [
        d.body_html
        for name in (
            "tpm-talkingpointsmemo.atom",
            "medium-hodlhodl.rss",
            "huffpost-canada.xml",
            "techcrunch-2011.xml",
        )
        for d in feed(name)
    ]
    assert not any(
        re.search(r"<script|<iframe|medium\.com/_/stat|feedsportal|doubleclick", b) for b in bodies
    )


# --- footers and promos -------------------------------------------------------------------------


def test_footer_at_the_end_of_an_item_is_removed_and_reported() -> None:
    body = f"<p>Kuleba met Lavrov, Axios reported.</p><p>{DCNF_FOOTER}</p>"
    [draft] = parse_feed(
        rss(f"<item><title>A</title><content:encoded><![CDATA[{body}]]></content:encoded></item>")
    )
    assert draft.body_html == "<p>Kuleba met Lavrov, Axios reported.</p>"
    kinds = {f.kind: f.detail for f in draft.findings}
    assert kinds == {"footer": "The Daily Caller News Foundation", "cited_outlet": "Axios"}


def test_a_known_footer_is_removed_too() -> None:
    item = (
        "<item><title>A</title>"
        "<description>One.&lt;br&gt;&lt;br&gt;Reprint freely.</description></item>"
    )
    [draft] = parse_feed(rss(item), known_footers=["Reprint freely."])
    assert draft.body_html == "<p>One.</p>"
    assert draft.findings[0].kind == "footer"


def test_inline_promo_is_marked_and_reported() -> None:
    item = (
        "<item><title>A</title><description>&lt;p&gt;Talks failed. (RELATED: Why talks fail)"
        "&lt;/p&gt;</description></item>"
    )
    [draft] = parse_feed(rss(item))
    assert '<span class="promo">(RELATED: Why talks fail)</span>' in draft.body_html
    assert [f.kind for f in draft.findings] == ["promo"]


# --- broken input ------------------------------------------------------------------------------


def test_a_sloppy_feed_that_still_has_items_is_imported() -> None:
    broken = rss("<item><title>A &amp; B</title><description>x</description></item><item><title>C")
    drafts = parse_feed(broken)
    assert [d.headline for d in drafts][:1] == ["A & B"]


def test_a_broken_feed_without_items_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="not well-formed"):
        parse_feed(b"<rss><channel><title>unclosed</channel>")


def test_xml_that_is_not_a_feed_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="root element is <html>"):
        parse_feed(b"<html><body>hi</body></html>")


def test_bytes_that_are_not_xml_are_refused() -> None:
    with pytest.raises(ImportFormatError, match="not XML"):
        parse_feed(b"hello")
