"""Catalogue search: the same answers from SQLite FTS5 and PostgreSQL full text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from syndication.extensions import db
from syndication.ingest.drafts import ArticleDraft
from syndication.models import Article, SyndicationPolicy
from syndication.services import articles, importing, search
from syndication.services.errors import DomainError
from syndication.services.pagination import BadCursor, Keyset
from syndication.services.search import search_articles

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


def ids(page: Keyset) -> list[int]:
    return [article.id for article in page.items]


def walk(query: str = "", **kw) -> list[Keyset]:
    """Every page of a search, following each page's Next cursor."""
    pages = [search_articles(query, **kw)]
    while pages[-1].has_next:
        pages.append(search_articles(query, cursor=pages[-1].next_cursor, **kw))
    return pages


def walk_back(last: Keyset, query: str = "", **kw) -> list[Keyset]:
    """From a page back to the first, following each page's Previous cursor (first first)."""
    pages = [last]
    while pages[-1].has_prev:
        pages.append(search_articles(query, cursor=pages[-1].prev_cursor, **kw))
    return pages[::-1]


@pytest.fixture
def catalogue(make_article) -> dict[str, Article]:
    """A small desk's worth of stories, each findable through one field."""
    return {
        "headline": make_article(
            headline="Glacier retreat speeds up in the Alps",
            dek="Scientists measured the ice for a decade.",
            body_html="<p>Researchers from Zurich published new figures.</p>",
            bylines=["Marta Keller"],
            section="science",
            tags=["climate", "europe"],
            published_at=datetime(2024, 5, 20, 9, tzinfo=UTC),
        ),
        "dek": make_article(
            headline="Mountain towns count the cost",
            dek="A glacier that fed three valleys is gone.",
            body_html="<p>Hoteliers say bookings fell.</p>",
            bylines=["Jonas Berg"],
            section="business",
            tags=["europe"],
            published_at=datetime(2024, 5, 10, 9, tzinfo=UTC),
        ),
        "body": make_article(
            headline="What the summer will bring",
            body_html=(
                "<p>Forecasters expect heat.</p>"
                '<p>The <a href="https://example.org/glacier">last glacier</a> survey '
                "was <strong>inconclusive</strong> &amp; late.</p>"
            ),
            bylines=["Priya Natarajan"],
            section="science",
            tags=["climate"],
            policy=SyndicationPolicy.LICENSED,
            published_at=datetime(2024, 4, 2, 9, tzinfo=UTC),
        ),
        "byline": make_article(
            headline="Council approves the new tram line",
            body_html="<p>The vote was close.</p>",
            bylines=["Oksana Glacierowicz", "Tom Reed"],
            section="politics",
            tags=["transport"],
            policy=SyndicationPolicy.NOT_SYNDICATED,
            published_at=datetime(2024, 3, 1, 9, tzinfo=UTC),
        ),
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("alps", "headline"),
        ("valleys", "dek"),
        ("forecasters", "body"),
        ("inconclusive", "body"),
        ("natarajan", "body"),
        ("oksana glacierowicz", "byline"),
    ],
)
def test_a_word_finds_the_article_through_any_field(catalogue, query, field):
    assert ids(search_articles(query)) == [catalogue[field].id]


def test_markup_is_not_indexed_only_the_text(catalogue):
    assert search_articles("href").total == 0
    assert search_articles("strong").total == 0
    assert search_articles("amp").total == 0
    # The link's address is markup; its text is not.
    assert search_articles("example").total == 0
    assert ids(search_articles("last glacier survey")) == [catalogue["body"].id]


def test_search_ignores_case_and_the_last_word_matches_as_a_prefix(catalogue):
    assert ids(search_articles("ZURICH")) == [catalogue["headline"].id]
    assert ids(search_articles("zur")) == [catalogue["headline"].id]
    # A finished word (followed by a space) is matched whole.
    assert search_articles("zur ").total == 0
    # Only the last word is a prefix; earlier words are whole words.
    assert search_articles("zur figures").total == 0


def test_ranking_puts_headline_matches_before_dek_then_body(catalogue):
    # The trailing space asks for the whole word (no byline "Glacierowicz").
    found = ids(search_articles("glacier "))
    assert found == [catalogue["headline"].id, catalogue["dek"].id, catalogue["body"].id]
    assert catalogue["byline"].id in ids(search_articles("glacier"))


def test_all_words_must_match_and_quotes_ask_for_a_phrase(catalogue):
    assert ids(search_articles("glacier hoteliers")) == [catalogue["dek"].id]
    assert ids(search_articles('"new figures"')) == [catalogue["headline"].id]
    assert search_articles('"figures new"').total == 0


def test_or_and_minus_work_as_in_a_web_search(catalogue):
    either = search_articles("hoteliers or forecasters")
    assert set(ids(either)) == {catalogue["dek"].id, catalogue["body"].id}
    without = search_articles("glacier -hoteliers")
    assert catalogue["dek"].id not in ids(without)
    assert catalogue["headline"].id in ids(without)


def test_without_a_query_the_newest_published_come_first(catalogue):
    expected = [catalogue[k].id for k in ("headline", "dek", "body", "byline")]
    assert ids(search_articles()) == expected
    assert ids(search_articles("   ")) == expected


def test_articles_published_at_the_same_moment_keep_a_stable_order(make_article):
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    made = [make_article(headline=f"Twin report {n}", published_at=moment) for n in range(3)]
    expected = sorted((a.id for a in made), reverse=True)
    assert ids(search_articles()) == expected
    assert ids(search_articles("twin report")) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"policy": "licensed"}, ["body"]),
        ({"policy": SyndicationPolicy.NOT_SYNDICATED}, ["byline"]),
        ({"section": "science"}, ["headline", "body"]),
        ({"tag": "europe"}, ["headline", "dek"]),
        ({"published_from": date(2024, 5, 10)}, ["headline", "dek"]),
        ({"published_to": date(2024, 4, 2)}, ["body", "byline"]),
        (
            {"published_from": date(2024, 4, 1), "published_to": date(2024, 5, 10)},
            ["dek", "body"],
        ),
        ({"section": "science", "tag": "europe"}, ["headline"]),
        ({"section": "science", "policy": "free_eligible", "tag": "climate"}, ["headline"]),
        ({"section": "sport"}, []),
    ],
)
def test_each_filter_alone_and_combined(catalogue, filters, expected):
    assert ids(search_articles(**filters)) == [catalogue[k].id for k in expected]


def test_filters_combine_with_the_text_query(catalogue):
    assert ids(search_articles("glacier", section="science")) == [
        catalogue["headline"].id,
        catalogue["body"].id,
    ]
    assert ids(search_articles("glacier", tag="europe", policy="free_eligible")) == [
        catalogue["headline"].id,
        catalogue["dek"].id,
    ]
    assert search_articles("glacier", published_to=date(2024, 1, 1)).total == 0


def test_embargoed_means_embargo_until_is_still_ahead(catalogue):
    catalogue["dek"].embargo_until = NOW + timedelta(hours=1)
    catalogue["body"].embargo_until = NOW - timedelta(hours=1)
    db.session.commit()
    assert ids(search_articles(embargoed=True, now=NOW)) == [catalogue["dek"].id]
    assert catalogue["dek"].id not in ids(search_articles(embargoed=False, now=NOW))
    assert catalogue["body"].id in ids(search_articles(embargoed=False, now=NOW))
    # Once the embargo has passed the article is no longer embargoed.
    later = NOW + timedelta(hours=2)
    assert search_articles("glacier", embargoed=True, now=later).total == 0
    assert ids(search_articles("valleys", embargoed=True, now=NOW)) == [catalogue["dek"].id]


def test_broad_filters_with_a_text_query_keep_exactly_what_they_keep_without_one(catalogue):
    """ "Offered" and "not embargoed" keep nearly every article, so text search tests
    matches against the few they drop: the same articles must come out either way."""
    catalogue["dek"].embargo_until = NOW + timedelta(hours=1)
    catalogue["body"].embargo_until = NOW - timedelta(hours=1)
    db.session.commit()
    every_glacier = set(ids(search_articles("glacier", now=NOW)))
    assert every_glacier == {a.id for a in catalogue.values()}
    offered = ids(search_articles("glacier", offered_only=True, now=NOW))
    assert set(offered) == every_glacier - {catalogue["byline"].id}
    not_embargoed = ids(search_articles("glacier", embargoed=False, now=NOW))
    assert set(not_embargoed) == every_glacier - {catalogue["dek"].id}
    both = ids(search_articles("glacier", embargoed=False, offered_only=True, now=NOW))
    assert set(both) == {catalogue["headline"].id, catalogue["body"].id}
    # The same filters without a query (the plain listing) agree.
    listed = ids(search_articles(embargoed=False, offered_only=True, now=NOW))
    assert set(listed) == set(both)


def test_article_ids_scope_the_search(catalogue):
    allowed = [catalogue["dek"].id, catalogue["byline"].id]
    assert ids(search_articles("glacier", article_ids=allowed)) == allowed
    assert search_articles("glacier", article_ids=[]).total == 0


def test_an_unknown_policy_is_refused_with_a_message(catalogue):
    with pytest.raises(DomainError, match="Unknown syndication policy"):
        search_articles(policy="public_domain")


def test_pages_split_the_results_and_the_total_counts_them_all(make_article):
    for n in range(7):
        make_article(
            headline=f"Budget hearing day {n}",
            published_at=datetime(2024, 2, 1, tzinfo=UTC) + timedelta(days=n),
        )
    make_article(headline="Unrelated story")
    pages = walk("budget", per_page=3)
    first, last = pages[0], pages[-1]
    assert (first.total, len(pages), first.has_prev, first.has_next) == (7, 3, False, True)
    assert (len(last.items), last.total, last.has_prev, last.has_next) == (1, 7, True, False)
    everything = [i for p in pages for i in ids(p)]
    assert len(set(everything)) == 7
    back = walk_back(last, "budget", per_page=3)
    assert [ids(p) for p in back] == [ids(p) for p in pages]
    browse = walk(section="", per_page=5)
    assert [(p.total, len(p.items)) for p in browse] == [(8, 5), (8, 3)]
    assert [ids(p) for p in walk_back(browse[-1], section="", per_page=5)] == [
        ids(p) for p in browse
    ]
    # A cursor of the text search is not one of browsing, nor of another search.
    with pytest.raises(BadCursor):
        search_articles(cursor=first.next_cursor, per_page=3)
    with pytest.raises(BadCursor):
        search_articles("hearing", cursor=first.next_cursor, per_page=3)
    with pytest.raises(BadCursor):
        search_articles("budget", cursor=first.next_cursor + "x", per_page=3)


def test_a_cursor_belongs_to_whoever_asked(make_article):
    for n in range(3):
        make_article(headline=f"Ferry timetable {n}")
    mine = search_articles("ferry", per_page=2, scope=1)
    assert len(search_articles("ferry", per_page=2, scope=1, cursor=mine.next_cursor).items) == 1
    with pytest.raises(BadCursor):
        search_articles("ferry", per_page=2, scope=2, cursor=mine.next_cursor)


def test_articles_published_while_paging_are_neither_skipped_nor_repeated(make_article):
    canal = [
        make_article(headline=f"Canal works {n}", published_at=datetime(2024, 3, n + 1, tzinfo=UTC))
        for n in range(5)
    ]
    for query in ("", "canal"):
        first = search_articles(query, per_page=2, section="")
        # Newer than the first page: it belongs before it, so the walk on never shows it.
        make_article(headline=f"Canal works later {query}")
        seen = ids(first)
        page = first
        while page.has_next:
            page = search_articles(query, per_page=2, section="", cursor=page.next_cursor)
            seen += ids(page)
        # Offset pages would show the first page's second article again.
        assert len(seen) == len(set(seen))
        assert {a.id for a in canal} <= set(seen)


def test_a_text_walk_counts_its_matches_once_and_keeps_that_total(make_article, statements):
    for n in range(5):
        make_article(headline=f"Tramway extension {n}")
    first = search_articles("tramway", per_page=2)
    make_article(headline="Tramway extension opens")  # after the walk began
    statements.clear()
    second = search_articles("tramway", per_page=2, cursor=first.next_cursor)
    last = search_articles("tramway", per_page=2, cursor=second.next_cursor)
    assert [p.total for p in (first, second, last)] == [5, 5, 5]
    assert not any("count(" in s.lower() for s in statements), statements
    # A new walk counts again.
    assert search_articles("tramway", per_page=2).total == 6


def test_past_the_ranking_window_pages_go_on_newest_first(make_article, monkeypatch):
    # Only the newest matches are ranked on a large catalogue; shrink the window to see it.
    monkeypatch.setattr(search, "RANK_WINDOW", 4)
    made = [make_article(headline=f"Regatta day {n}") for n in range(3)]
    made += [make_article(headline=f"Story {n}", body_html="<p>A regatta.</p>") for n in range(3)]
    made.append(make_article(headline="Regatta regatta regatta"))
    newest = sorted((a.id for a in made), reverse=True)
    window = newest[:4]  # the last three body matches and the triple headline
    walked = walk("regatta ", per_page=3)
    pages = [ids(p) for p in walked]
    assert len(pages) == 3
    assert [ids(p) for p in walk_back(walked[-1], "regatta ", per_page=3)] == pages
    assert pages[0][0] == made[-1].id  # best headline match, ranked within the window
    assert set(pages[0] + pages[1][:1]) == set(window)
    assert pages[1][1:] + pages[2] == newest[4:]
    assert search_articles("regatta ", per_page=3).total == 7


def test_a_short_first_page_reports_its_own_length_as_the_total(catalogue):
    page = search_articles("glacier", per_page=25)
    assert (page.total, page.has_prev, page.has_next) == (4, False, False)
    empty = search_articles("zzzyzzx")
    assert (empty.items, empty.total, empty.has_next) == ([], 0, False)


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"glacier',
        "glacier\"'",
        "(glacier",
        "glacier)",
        "NEAR(glacier alps, 2)",
        "glacier NEAR alps",
        "AND",
        "glacier OR",
        "OR glacier",
        "NOT glacier",
        "*",
        "glac*",
        "-",
        "-glacier",
        "glacier - alps",
        "headline:glacier",
        ":",
        "^glacier",
        "glacier & alps | !x <-> y",
        "'; DROP TABLE articles; --",
        "1' OR '1'='1",
        "%_\\",
        "🏔️ glacier 🧊",
        "🏔️",
        "\x00glacier",
        "glacier " * 300,
        "",
    ],
)
def test_hostile_input_never_breaks_the_search(catalogue, query):
    page = search_articles(query)
    assert page.total == len(page.items) or page.total > len(page.items) > 0
    assert all(isinstance(article, Article) for article in page.items)


def test_operators_typed_by_people_are_searched_as_words(catalogue):
    assert ids(search_articles("headline:alps")) == []  # both words must match
    assert ids(search_articles("alps)")) == [catalogue["headline"].id]
    assert ids(search_articles("NEAR(alps")) == []
    assert search_articles("-glacier").total == 0  # nothing left to look for
    assert search_articles("🏔️").total == 0


def test_an_edited_article_is_found_by_its_new_words_not_its_old(make_article):
    article = make_article(headline="Harbour plan", body_html="<p>The ferry will stop.</p>")
    assert ids(search_articles("ferry")) == [article.id]
    result = articles.import_draft(
        ArticleDraft(
            headline="Harbour plan revised",
            body_html="<p>The hovercraft will stop.</p>",
            source_id=article.source_id,
            published_at=article.published_at,
        )
    )
    assert result.revised and result.article.id == article.id
    assert search_articles("ferry").total == 0
    assert ids(search_articles("hovercraft")) == [article.id]
    assert ids(search_articles("revised")) == [article.id]


def test_rights_changes_keep_the_article_findable(make_article):
    article = make_article(headline="Orchard harvest")
    article.policy = SyndicationPolicy.LICENSED
    article.embargo_until = NOW
    db.session.commit()
    assert ids(search_articles("orchard", policy="licensed")) == [article.id]


def test_a_deleted_article_disappears(make_article):
    kept = make_article(headline="Lighthouse keeper retires")
    gone = make_article(headline="Lighthouse sold at auction")
    db.session.delete(gone)
    db.session.commit()
    assert ids(search_articles("lighthouse")) == [kept.id]
    assert search_articles("auction").total == 0


def test_the_seed_article_is_found_by_its_people_and_its_promo_text(shared_dir):
    path = shared_dir / "corpus" / "seed" / "dcnf-2022-03-10-kuleba-lavrov.txt"
    (draft,) = importing.drafts_from_file(path, headline="Kuleba and Lavrov")
    article = articles.import_draft(draft).article
    assert ids(search_articles("kuleba")) == [article.id]
    assert ids(search_articles("lavrov kuleba", published_from=date(2022, 3, 10))) == [article.id]
    assert search_articles("promo").total == 0  # a class name, not text


def test_text_matches_are_counted_up_to_the_cap(make_article, monkeypatch):
    from syndication.services import search as search_module

    monkeypatch.setattr(search_module, "COUNT_CAP", 3)
    for n in range(5):
        make_article(headline=f"Lighthouse keeper number {n}")
    first = search_module.search_articles("lighthouse", per_page=2)
    assert first.total == 3 and first.more and first.has_next
    pages = walk("lighthouse", per_page=2)
    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert all(p.total == 3 and p.more for p in pages)


def test_filtered_and_unfiltered_lists_are_counted_up_to_the_cap(make_article, monkeypatch):
    # Counting a million articles for a page of 25 is most of the page's time.
    from syndication.services import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    for n in range(5):
        make_article(headline=f"Harbour story {n}", section="world")
    make_article(headline="Alone in its section", section="science")
    for filters, pages in (({}, [2, 2, 2]), ({"section": "world"}, [2, 2, 1])):
        walked = walk(per_page=2, **filters)
        assert [len(p.items) for p in walked] == pages
        assert walked[0].total == 3 and walked[0].more and walked[0].has_next
    alone = search_articles(section="science", per_page=2)
    assert alone.total == 1 and not alone.more and not alone.has_next


def test_sections_lists_each_section_once_and_offered_ones_for_partners(make_article):
    make_article(section="world")
    make_article(section="world")
    make_article(section="")
    make_article(section="business")
    make_article(SyndicationPolicy.NOT_SYNDICATED, section="opinion")
    assert search.sections() == ["business", "opinion", "world"]
    assert search.sections(offered_only=True) == ["business", "world"]


@pytest.mark.parametrize("gin_first_max_rows", [0, 10**9])
def test_a_phrase_finds_the_same_pages_whichever_index_path(
    make_article, monkeypatch, gin_first_max_rows
):
    # PostgreSQL collects a rare phrase's matches from the GIN index, a common
    # one newest first by the primary key; the pages must not differ.
    monkeypatch.setattr(search, "GIN_FIRST_MAX_ROWS", gin_first_max_rows)
    monkeypatch.setattr(search, "RANK_WINDOW", 4)
    made = [make_article(headline=f"Harbour master report {n}") for n in range(4)]
    made += [
        make_article(headline=f"Note {n}", body_html="<p>The harbour master.</p>") for n in range(3)
    ]
    make_article(headline="Master of the harbour")
    newest = sorted((a.id for a in made), reverse=True)
    pages = walk('"harbour master"', per_page=3)
    assert len(pages) == 3
    assert [p.total for p in pages] == [7, 7, 7]
    found = [i for p in pages for i in ids(p)]
    assert sorted(found, reverse=True) == newest
    assert set(found[:4]) == set(newest[:4]) and found[4:] == newest[4:]
    assert found[0] == made[3].id  # the headline match ranks first in the window


@pytest.mark.parametrize("gin_first_max_rows", [0, 10**9])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"harbour master" report', {"report"}),  # a phrase and a word
        ('"harbour master" rep', {"report"}),  # a phrase and a half-typed word
        ('"harbour master" -report', {"note"}),  # an exclusion: no loosened superset
        ('"harbour master" or "master mariner"', {"report", "note", "mariner"}),
    ],
)
def test_phrases_with_words_exclusions_and_alternatives_on_either_path(
    make_article, monkeypatch, gin_first_max_rows, query, expected
):
    monkeypatch.setattr(search, "GIN_FIRST_MAX_ROWS", gin_first_max_rows)
    kinds = {
        make_article(headline="Harbour master report").id: "report",
        make_article(headline="Note", body_html="<p>The harbour master.</p>").id: "note",
        make_article(headline="A master mariner").id: "mariner",
        make_article(headline="Master of the harbour").id: "neither",
    }
    assert {kinds[i] for i in ids(search_articles(query))} == expected
