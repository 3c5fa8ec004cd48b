"""Each step of finish_draft alone: plain values in, plain values out."""

from __future__ import annotations

from syndication.ingest.drafts import ArticleDraft, AssetDraft
from syndication.ingest.enrich import (
    _REFERENCE,
    SUMMARY_MAX_CHARS,
    Block,
    _possible,
    credit_assets,
    credit_findings,
    drop_footer,
    drop_headline,
    drop_impossible_references,
    fill_texts,
    finish_draft,
    mark_promo_blocks,
    render_body,
    split_body,
    unique_texts,
)

FOOTER = "Content created by The Daily Caller News Foundation is available without charge."


def _texts(blocks: list[Block]) -> list[str]:
    return [b.text for b in blocks]


# --- impossible references -----------------------------------------------------------------


def test_only_references_to_impossible_code_points_are_dropped() -> None:
    # The search that spares most bodies the rewrite misses none that it would change.
    edges = [0, 1, 9, 10, 0xD7FF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xE000, 0xFFFF, 0x10000]
    edges += [0x1D800, 0xFFFFF, 0x100000, 0x10FFFF, 0x110000, 0xFFFFFF, 10**7, 10**12]
    for code in edges:
        for reference in (f"&#{code};", f"&#00{code}", f"&#x{code:x};", f"&#X00{code:X}"):
            markup = f"<p>a{reference}b &#8217; &#x2014;</p>"
            assert drop_impossible_references(markup) == _REFERENCE.sub(_possible, markup)
    assert drop_impossible_references("a&#xD800;b&#0;c&#1114112;d&#8217;") == "abcd&#8217;"
    assert drop_impossible_references("a &#; &#x; b") == "a &#; &#x; b"


# --- split_body -----------------------------------------------------------------------------


def test_split_body_gives_one_block_per_paragraph_and_the_captions() -> None:
    blocks, captions = split_body(
        "<div><p>One.</p>Loose <b>text</b>.<br><br>After breaks."
        "<figure><img src='a.jpg'><figcaption>A photo. AP Photo</figcaption></figure></div>"
    )
    assert _texts(blocks)[:3] == ["One.", "Loose text.", "After breaks."]
    assert blocks[-1].element is not None and blocks[-1].element.tag == "figure"
    assert captions == ["A photo. AP Photo"]


def test_split_body_drops_scripts_and_has_nothing_for_an_empty_body() -> None:
    blocks, _ = split_body("<p>Kept.</p><script>var x = 1;</script><style>p {}</style>")
    assert _texts(blocks) == ["Kept."]
    assert split_body("") == ([], [])
    assert split_body("  \n ") == ([], [])


def test_split_body_renames_a_second_h1_so_the_headline_stays_the_only_one() -> None:
    blocks, _ = split_body("<h1>Section</h1><p>Text.</p>")
    assert blocks[0].element is not None and blocks[0].element.tag == "h2"


# --- drop_headline --------------------------------------------------------------------------


def test_drop_headline_removes_a_first_block_repeating_it_despite_quotes_and_case() -> None:
    blocks, _ = split_body("<p>It’s a “Headline”</p><p>Body.</p>")
    assert _texts(drop_headline(blocks, 'it\'s a "headline"')) == ["Body."]


def test_drop_headline_keeps_everything_else() -> None:
    blocks, _ = split_body("<p>Body.</p><p>Headline</p>")
    assert drop_headline(blocks, "Headline") == blocks
    assert drop_headline(blocks, "") == blocks
    assert drop_headline([], "Headline") == []


# --- drop_footer ----------------------------------------------------------------------------


def test_drop_footer_removes_the_footer_and_what_follows_it() -> None:
    blocks, _ = split_body(f"<p>Body.</p><p>{FOOTER}</p><p><img src='photo.jpg'></p>")
    kept, footer = drop_footer(blocks)
    assert _texts(kept) == ["Body."]
    assert footer is not None and footer.kind == "footer" and footer.text == FOOTER
    assert len(blocks) == 3  # the input list is left as it was


def test_drop_footer_knows_the_organisations_own_footer() -> None:
    blocks, _ = split_body("<p>Body.</p><p>Licensed by Example News.</p>")
    kept, footer = drop_footer(blocks, ["Licensed by Example News."])
    assert _texts(kept) == ["Body."]
    assert footer is not None


def test_drop_footer_without_a_footer_returns_the_blocks_as_they_are() -> None:
    blocks, _ = split_body("<p>Body.</p><p>The end.</p>")
    assert drop_footer(blocks) == (blocks, None)


# --- mark_promo_blocks ----------------------------------------------------------------------


def test_mark_promo_blocks_marks_promos_inside_a_plain_paragraph() -> None:
    blocks, _ = split_body("<p>Text (RELATED: Other story) more.</p><p>No promo here.</p>")
    marked, findings = mark_promo_blocks(blocks)
    assert [f.kind for f in findings] == ["promo"]
    assert '<span class="promo">' in marked[0].serialise()
    assert marked[1] is blocks[1]
    assert blocks[0].html == ""  # the input block is not rewritten


def test_mark_promo_blocks_wraps_a_paragraph_with_markup_that_is_only_the_promo() -> None:
    blocks, _ = split_body('<p>READ MORE: <a href="https://x.example/">Other story</a></p>')
    marked, findings = mark_promo_blocks(blocks)
    assert len(findings) == 1
    assert marked[0].serialise() == (
        '<p><span class="promo">READ MORE: <a href="https://x.example/">Other story</a></span></p>'
    )


def test_mark_promo_blocks_finds_but_does_not_mark_promos_in_lists() -> None:
    blocks, _ = split_body("<ul><li>RELATED: Other story</li></ul>")
    marked, findings = mark_promo_blocks(blocks)
    assert len(findings) == 1
    assert marked == blocks


# --- render_body ----------------------------------------------------------------------------


def test_render_body_sanitises_resolves_links_and_drops_what_is_left_empty() -> None:
    blocks, _ = split_body(
        "<p onclick='x()'>See <a href='/more'>more</a>.</p><p><a href='/ad'></a></p><p><br></p>"
    )
    assert render_body(blocks, "https://news.example/story") == (
        '<p>See <a href="https://news.example/more" rel="noopener">more</a>.</p>'
    )


def test_render_body_keeps_relative_links_when_the_base_is_no_url() -> None:
    blocks, _ = split_body("<p><a href='/more'>more</a></p>")
    assert 'href="/more"' in render_body(blocks, "not a url")
    assert render_body([]) == ""


# --- credit_assets and credit_findings ------------------------------------------------------


def test_credit_assets_keeps_one_per_url_and_marks_agency_material_on_a_copy() -> None:
    ours = AssetDraft(url="https://x.example/a.jpg", credit="Staff photo")
    wire = AssetDraft(url="https://x.example/b.jpg", credit="AP Photo/Evan Vucci")
    assets = credit_assets([ours, AssetDraft(url=ours.url), AssetDraft(url=""), wire])
    assert [a.url for a in assets] == [ours.url, wire.url]
    assert assets[0] is ours and ours.syndicatable
    assert not assets[1].syndicatable and assets[1].rights_holder == "Associated Press"
    assert wire.syndicatable and wire.rights_holder == ""


def test_credit_assets_keeps_a_known_rights_holder() -> None:
    asset = AssetDraft(url="https://x.example/a.jpg", credit="Reuters", rights_holder="Pool")
    assert credit_assets([asset])[0].rights_holder == "Pool"


def test_credit_findings_reads_asset_credits_extra_credits_and_captions_once_each() -> None:
    assets = [AssetDraft(url="https://x.example/a.jpg", credit="AP Photo/Evan Vucci")]
    findings = credit_findings(assets, ["AP Photo/Evan Vucci", "REUTERS/Someone"], ["Staff"])
    assert [(f.kind, f.detail) for f in findings] == [
        ("third_party_asset", "Associated Press"),
        ("third_party_asset", "Reuters"),
    ]
    assert credit_findings([]) == []


# --- unique_texts and fill_texts ------------------------------------------------------------


def test_unique_texts_collapses_whitespace_drops_blanks_and_repeats() -> None:
    assert unique_texts(["  Jane  Doe ", "Jane Doe", "", " ", "John\nRoe"]) == [
        "Jane Doe",
        "John Roe",
    ]


def test_fill_texts_keeps_what_the_draft_has_as_text() -> None:
    texts = fill_texts("Headline", "A <b>dek</b>", "The &amp; summary", ["First. Second."])
    assert texts == ("Headline", "A dek", "The & summary")


def test_fill_texts_takes_a_missing_headline_and_summary_from_the_first_sentence() -> None:
    texts = fill_texts("", "", "", ["First sentence here. Second one."])
    assert texts.headline == "First sentence here"  # trimmed as a headline
    assert texts.summary == "First sentence here."
    assert fill_texts("", "Dek", "", ["First."]).summary == "Dek"
    assert fill_texts("", "", "", []) == ("", "", "")


def test_fill_texts_shortens_a_long_first_sentence_for_the_summary() -> None:
    sentence = "word " * 100
    summary = fill_texts("Headline", "", "", [sentence.strip() + "."]).summary
    assert len(summary) <= SUMMARY_MAX_CHARS and summary.endswith("…")


# --- the pipeline ---------------------------------------------------------------------------


def test_finish_draft_runs_the_steps_in_order_and_keeps_the_findings_order() -> None:
    draft = ArticleDraft(
        headline="The headline",
        body_html="",
        bylines=["Reuters staff", " Reuters  staff "],
        tags=["a", " a ", "b"],
        assets=[AssetDraft(url="https://x.example/a.jpg", credit="AP Photo")],
    )
    finished = finish_draft(
        draft,
        f"<p>The headline</p><p>Axios reported it (RELATED: More) today.</p><p>{FOOTER}</p>",
        base_url="https://x.example/",
    )
    assert finished is draft
    assert [f.kind for f in draft.findings] == [
        "footer",
        "promo",
        "cited_outlet",
        "third_party_asset",
        "wire_byline",
    ]
    assert draft.body_html.startswith('<p>Axios reported it <span class="promo">(RELATED')
    assert draft.bylines == ["Reuters staff"] and draft.tags == ["a", "b"]
    assert not draft.assets[0].syndicatable
    assert draft.summary == "Axios reported it (RELATED: More) today."
