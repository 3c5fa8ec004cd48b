"""WordPress exports: posts with their authors, categories, dates, images and paragraphs."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from syndication.ingest.drafts import ArticleDraft, FileNotes
from syndication.ingest.errors import ImportFormatError
from syndication.ingest.wxr import autop, parse_wxr

WXR = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "wxr"


@cache
def export(name: str) -> list[ArticleDraft]:
    return parse_wxr((WXR / name).read_bytes())


def by_headline(name: str, headline: str) -> ArticleDraft:
    return next(d for d in export(name) if d.headline == headline)


def test_blank_lines_in_post_content_become_paragraphs() -> None:
    [draft] = export("importer-post-content-blank-lines.xml")
    assert draft.body_html == (
        "<p>This is an example of a WordPress post.<br>\n"
        "It has lines with text (and one blank line).</p>\n"
        "<p>And more lines with text.</p>"
    )


def test_only_published_posts_become_drafts_the_others_are_listed_as_skipped() -> None:
    notes = FileNotes()
    drafts = parse_wxr((WXR / "importer-small-export.xml").read_bytes(), notes=notes)
    assert [d.headline for d in drafts][:2] == ["Hello world!", "Foo-child"]
    assert "Private Post" not in {d.headline for d in drafts}
    assert [(s.item, s.reason) for s in notes.skipped] == [
        ("post 13 “Private Post”", "private: not public")
    ]
    assert len(drafts) == 5  # of six posts; the export's five pages are not articles either
    assert any("5 page" in note for note in notes.notes)
    hello = by_headline("importer-small-export.xml", "Hello world!")
    assert hello.section == "Uncategorized"
    assert hello.source_id == "http://localhost/?p=1"


def test_drafts_pending_scheduled_and_password_protected_posts_are_skipped_with_reasons() -> None:
    notes = FileNotes()
    drafts = parse_wxr((WXR / "theme-unit-test-data.xml").read_bytes(), notes=notes)
    reasons = {s.item: s.reason for s in notes.skipped}
    headlines = {d.headline for d in drafts}
    assert len(drafts) == 55
    assert any(r.startswith("scheduled for 20") for r in reasons.values())
    assert any(r == "a draft: not published" for r in reasons.values())
    assert any(r == "password-protected: not public" for r in reasons.values())
    assert not any("Password Protected" in h or "Scheduled" in h for h in headlines)


def test_every_published_post_of_the_theme_test_data_has_an_identity_of_its_own() -> None:
    ids = [d.source_id for d in export("theme-unit-test-data.xml")]
    assert all(ids) and len(set(ids)) == len(ids)


def _wxr(items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:wp="http://wordpress.org/export/1.2/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<channel><title>Blog</title><link>https://blog.example</link>"
        f"<wp:base_blog_url>https://blog.example</wp:base_blog_url>{items}</channel></rss>"
    ).encode()


def _post(post_id: int, title: str, guid: str, status: str = "publish") -> str:
    return (
        f"<item><title>{title}</title><guid>{guid}</guid><wp:post_id>{post_id}</wp:post_id>"
        f"<wp:status>{status}</wp:status><wp:post_type>post</wp:post_type>"
        f"<content:encoded>Text of {title}.</content:encoded></item>"
    )


def test_two_posts_sharing_a_guid_are_two_articles_known_by_post_id() -> None:
    shared = "https://blog.example/?p=1"
    drafts = parse_wxr(_wxr(_post(1, "First", shared) + _post(2, "Second", shared)))
    assert [(d.headline, d.source_id) for d in drafts] == [
        ("First", "https://blog.example/?p=1"),
        ("Second", "https://blog.example/?p=2"),
    ]


def test_a_post_tag_term_with_a_comma_is_one_tag() -> None:
    terms = (
        '<category domain="post_tag" nicename="mayer-marissa"><![CDATA[Mayer, Marissa]]></category>'
        '<category domain="post_tag" nicename="yahoo">Yahoo</category>'
        '<category domain="category" nicename="tech">Tech, Media</category></item>'
    )
    [draft] = parse_wxr(_wxr(_post(1, "Deal", "g1").replace("</item>", terms)))
    assert draft.tags == ["Mayer, Marissa", "Yahoo"]
    assert draft.section == "Tech, Media"


def test_an_export_with_no_posts_is_refused_saying_so() -> None:
    page = _post(1, "About", "g1").replace("<wp:post_type>post", "<wp:post_type>page")
    with pytest.raises(ImportFormatError, match=r"no posts to import \(1 page\)"):
        parse_wxr(_wxr(page))
    with pytest.raises(ImportFormatError, match="no posts"):
        parse_wxr(_wxr(""))


def test_dc_creator_login_is_resolved_to_the_authors_display_name() -> None:
    [draft] = export("importer-valid-wxr-1.1.xml")
    assert draft.bylines == ["John Doe"]
    assert draft.section == "alpha" and draft.tags == ["Clippable"]


def test_co_authors_plus_terms_are_all_bylines_once() -> None:
    drafts = {d.headline: d.bylines for d in export("ghost-co-authors-plus.xml")}
    assert drafts["Three Author Post"] == ["Alice Smith", "Bob Jones", "Carol White"]
    assert drafts["Duplicate Author Entries Post"] == ["Alice Smith", "Bob Jones"]


def test_attachments_become_the_posts_assets() -> None:
    gallery = by_headline("theme-unit-test-data.xml", "Post Format: Gallery")
    assert len(gallery.assets) > 3
    assert all(
        a.url.startswith("https://wpthemetestdata.files.wordpress.com/") for a in gallery.assets
    )
    assert gallery.assets[0].mime_type == "image/jpeg"
    featured = by_headline("theme-unit-test-data.xml", "Template: Featured Image (Vertical)")
    assert featured.assets[0].url.endswith("featured-image-vertical.jpg")


def test_caption_shortcode_becomes_a_figure() -> None:
    drafts = export("theme-unit-test-data.xml")
    assert not any("[caption" in d.body_html or "[/caption]" in d.body_html for d in drafts)
    assert any("<figcaption>" in d.body_html for d in drafts)


def test_block_editor_comments_do_not_leak_into_the_body() -> None:
    drafts = export("block-test-data-wp64.xml")
    assert len(drafts) > 50
    assert not any("<!--" in d.body_html or "wp:paragraph" in d.body_html for d in drafts)
    paragraph = by_headline("block-test-data-wp64.xml", "Paragraph")
    assert paragraph.body_html.startswith("<p>A paragraph.</p>")


def test_excerpt_is_the_dek_and_summary() -> None:
    draft = next(d for d in export("theme-unit-test-data.xml") if d.dek)
    assert draft.summary == draft.dek


def test_slashes_are_kept_as_written() -> None:
    [draft] = export("importer-slashes.xml")
    assert draft.section == 'a \\"great\\" category'
    assert 'Slashes aren\\\'t \\"cool\\"' in draft.body_html.replace("&quot;", '"')


def test_namespaces_are_matched_by_uri_not_prefix() -> None:
    drafts = export("importer-namespace-edge-cases.xml")
    assert [d.headline for d in drafts][:3] == ["Mixed Namespaces", "No Prefix", "Empty Namespace"]
    no_prefix = drafts[1]
    assert no_prefix.source_id == ""  # no guid, no link and no site to build one from
    assert all(d.bylines == [] for d in drafts)  # the only author is in a fake namespace


def test_nested_cdata_is_read_leniently_like_wordpress_does() -> None:
    [draft] = export("importer-crazy-cdata.xml")
    assert draft.headline == "Hello world!"
    assert draft.body_html.startswith("<p>Content with nested")


def test_unicode_hazards_survive() -> None:
    [draft] = export("importer-utf-8-challenges.xml")
    assert "\u202e" in draft.headline and "🌲" in draft.headline


def test_malformed_export_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ImportFormatError, match=r"no <rss><channel>.*tag mismatch"):
        parse_wxr((WXR / "importer-malformed.xml").read_bytes())


def test_rss_without_wordpress_data_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="no WordPress export data"):
        parse_wxr(b"<rss><channel><item><title>A</title></item></channel></rss>")


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("One.\n\nTwo.", "<p>One.</p>\n<p>Two.</p>"),
        ("Line one\nline two", "<p>Line one<br>\nline two</p>"),
        ("<h2>Title</h2>\n\nText", "<h2>Title</h2>\n<p>Text</p>"),
        ("<pre>a\n\nb</pre>\n\nAfter", "<pre>a\n\nb</pre>\n<p>After</p>"),
        (
            "<!-- wp:paragraph --><p>x</p><!-- /wp:paragraph -->",
            "<!-- wp:paragraph --><p>x</p><!-- /wp:paragraph -->",
        ),
    ],
)
def test_autop_makes_paragraphs_like_wordpress(stored: str, shown: str) -> None:
    assert autop(stored) == shown
