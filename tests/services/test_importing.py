"""Every import ends with a report, is all or nothing, and stores only what may be stored."""

from __future__ import annotations

import gzip
import io
import json

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.ingest.detect import Reading
from syndication.ingest.drafts import ArticleDraft, FileNotes, Finding
from syndication.ingest.errors import ImportFormatError
from syndication.models import Article, AuditEvent, FindingKind, Role
from syndication.services import importing
from tests.factories import PASSWORD


def rss(items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Wire</title>'
        f"<link>https://wire.example/</link>{items}</channel></rss>"
    ).encode()


def item(title: str, link: str = "", guid: str = "", text: str = "") -> str:
    parts = [f"<title>{title}</title>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if guid:
        parts.append(f"<guid>{guid}</guid>")
    parts.append(f"<description>{text or 'Text of ' + title + '.'}</description>")
    return "<item>" + "".join(parts) + "</item>"


def _articles() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Article))


def test_the_javascript_link_probe_is_never_stored_as_the_canonical_url() -> None:
    report = importing.import_file(rss(item("Probe", link="javascript:alert(1)")), "probe.xml")
    [outcome] = report.items
    article = db.session.get(Article, outcome.article_id)
    assert article.canonical_url == "" and "javascript" not in (article.source_id or "")
    assert [(f.kind, f.detail, f.text) for f in article.findings] == [
        (FindingKind.DROPPED_URL, "canonical URL", "javascript:alert(1)")
    ]
    assert report.findings == {"dropped_url": 1}


def test_a_category_with_a_comma_is_stored_as_one_tag_and_a_keywords_list_split() -> None:
    feed = rss(
        "<item><title>Deal</title><guid>deal</guid><category>Mayer, Marissa</category>"
        '<media:keywords xmlns:media="http://search.yahoo.com/mrss/">tech, Yahoo</media:keywords>'
        "<description>Verizon buys Yahoo.</description></item>"
    )
    [outcome] = importing.import_file(feed, "deal.xml").items
    assert db.session.get(Article, outcome.article_id).tags == ["Mayer, Marissa", "Yahoo", "tech"]


def test_the_report_counts_what_was_created_revised_unchanged_and_skipped() -> None:
    first = rss(item("One", "https://wire.example/1") + item("Two", "https://wire.example/2"))
    report = importing.import_file(first, "wire.xml")
    assert (report.found, report.created, report.revised, report.unchanged) == (2, 2, 0, 0)
    changed = rss(
        item("One", "https://wire.example/1", text="A corrected text of One.")
        + item("Two", "https://wire.example/2")
        + "<item><title></title><description></description></item>"
    )
    again = importing.import_file(changed, "wire.xml")
    assert again.summary() == "3 found: 0 created, 1 revised, 1 unchanged, 1 skipped"
    assert again.as_dict()["skipped"] == [
        {"item": "item 3", "reason": "no title and no text: not an article"}
    ]
    assert again.encoding == "utf-8" and again.encoding_reason == "declared UTF-8"


def test_items_without_guid_or_link_are_not_duplicated_by_a_re_import() -> None:
    feed = rss(item("Note one") + item("Note two"))
    importing.import_file(feed, "notes.xml")
    count = _articles()
    again = importing.import_file(feed, "notes.xml")
    assert _articles() == count and again.unchanged == 2


def test_entries_of_one_page_with_their_own_guids_are_articles_of_their_own() -> None:
    entries = "".join(
        item(f"Update {n}", f"https://wire.example/live#entry-{n}", guid=f"live-{n}")
        for n in (1, 2, 3)
    )
    report = importing.import_file(rss(entries), "live.xml")
    assert report.created == 3 and _articles() == 3
    assert importing.import_file(rss(entries), "live.xml").unchanged == 3


def test_the_same_page_from_another_source_is_still_the_same_story() -> None:
    importing.import_file(rss(item("Dam opens", "https://wire.example/dam", guid="g-dam")), "a.xml")
    other = rss(item("Dam opens", "https://www.wire.example/dam/", guid="other-feed-7"))
    report = importing.import_file(
        other.replace(b"wire.example/</link>", b"mirror.example/</link>"), "b.xml"
    )
    assert report.created == 0 and _articles() == 1


def test_an_export_of_drafts_reports_them_skipped_and_stores_nothing(shared_dir) -> None:
    data = (shared_dir / "corpus" / "wxr" / "importer-serialized-postmeta-cdata.xml").read_bytes()
    report = importing.import_file(data, "export.xml")
    assert report.items == [] and _articles() == 0
    assert [s.reason for s in report.skipped] == ["a draft: not published"]


def test_an_import_is_all_or_nothing() -> None:
    """An item that cannot be stored (here: a finding of no known kind) undoes the whole file."""
    good = ArticleDraft(headline="Stored first", body_html="<p>Fine.</p>", source_id="a-1")
    bad = ArticleDraft(
        headline="Cannot be stored",
        body_html="<p>Broken.</p>",
        source_id="a-2",
        findings=[Finding(kind="no-such-kind", text="x")],
    )
    with pytest.raises(ValueError):
        importing.store(Reading([good, bad], "feed", FileNotes()), "feed.xml")
    assert _articles() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_each_created_article_is_audited_with_its_file(make_user) -> None:
    staff = make_user(Role.STAFF)
    report = importing.import_file(
        rss(item("Audited", "https://wire.example/a")), "w.xml", actor=staff
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "imported"))
    assert event.object_id == report.items[0].article_id and event.actor_id == staff.id
    assert event.data == {"file": "w.xml", "importer": "feed", "state": "created"}


def test_a_file_with_no_items_is_refused_and_stores_nothing() -> None:
    with pytest.raises(ImportFormatError, match="has no items"):
        importing.import_file(rss(""), "empty.xml")
    assert _articles() == 0


# --- the CLI ----------------------------------------------------------------------------------


def test_cli_prints_the_report(runner, tmp_path) -> None:
    path = tmp_path / "wire.xml"
    path.write_bytes(rss(item("One", "https://wire.example/1") + item("Empty", "javascript:x")))
    result = runner.invoke(args=["articles", "import", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("created (awaiting review): #") and lines[0].endswith(" One")
    assert "encoding: utf-8 (declared UTF-8)" in lines
    assert "findings: dropped_url 1" in lines
    assert lines[-1] == "wire.xml (feed): 2 found: 2 created, 0 revised, 0 unchanged, 0 skipped"


def test_cli_json_gives_the_report_to_scripts(runner, tmp_path) -> None:
    path = tmp_path / "wire.xml"
    path.write_bytes(rss(item("One", "https://wire.example/1")))
    result = runner.invoke(args=["articles", "import", "--json", str(path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["created"] == 1 and report["importer"] == "feed"
    assert report["items"][0]["state"] == "created"


# A WordPress export of a site with nothing in it: a channel, its author, no items.
EMPTY_EXPORT = (
    b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
    b'xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Blog</title>'
    b"<link>https://blog.example</link><wp:wxr_version>1.2</wp:wxr_version>"
    b"<wp:author><wp:author_login>ana</wp:author_login></wp:author></channel></rss>"
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (rss(""), "has no items"),
        (EMPTY_EXPORT, "The WordPress export has no posts to import"),
        (gzip.compress(rss(item("x")))[:30], "is gzip-compressed but"),
    ],
    ids=["no-items", "empty-wordpress-export", "broken-gzip"],
)
def test_cli_says_why_and_exits_non_zero(runner, tmp_path, content, message) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(content)
    result = runner.invoke(args=["articles", "import", str(path)])
    assert result.exit_code != 0 and message in result.output
    as_json = runner.invoke(args=["articles", "import", "--json", str(path)])
    assert as_json.exit_code == 1 and message in json.loads(as_json.output)["error"]


def test_cli_exits_non_zero_when_every_item_was_skipped(runner, shared_dir) -> None:
    path = shared_dir / "corpus" / "wxr" / "importer-serialized-postmeta-cdata.xml"
    result = runner.invoke(args=["articles", "import", str(path)])
    assert result.exit_code == 1
    assert "skipped: post 10 “My Entry with Postmeta”: a draft: not published" in result.output
    assert "Nothing imported: every item was skipped." in result.output


def test_cli_imports_a_page_with_its_url(runner, tmp_path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(
        b"<html><head><title>Dam | Gazette</title></head><body><article><h1>Dam</h1>"
        + b"".join(
            f"<p>Paragraph {n}: the new dam opened on Monday, officials said, after {n} years "
            f"of building work on the river above the town.</p>".encode()
            for n in range(1, 6)
        )
        + b"<p>The dam holds enough water for the whole valley, and the <a href='/maps'>maps "
        b"of the reservoir</a> show how far the lake will reach next spring.</p>"
        + b"</article></body></html>"
    )
    result = runner.invoke(
        args=["articles", "import", str(page), "--url", "https://gazette.example/dam"]
    )
    assert result.exit_code == 0, result.output
    article = db.session.scalar(sa.select(Article))
    assert article.canonical_url == "https://gazette.example/dam"
    assert 'href="https://gazette.example/maps"' in article.body_html


def test_cli_refuses_a_url_that_is_not_http(runner, tmp_path) -> None:
    path = tmp_path / "wire.xml"
    path.write_bytes(rss(item("One")))
    result = runner.invoke(args=["articles", "import", str(path), "--url", "javascript:alert(1)"])
    assert result.exit_code == 2 and "http://" in result.output
    assert _articles() == 0


# --- the upload form --------------------------------------------------------------------------


@pytest.fixture
def desk(make_user, auth):
    user = make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    return user


def _upload(client, data: bytes, name: str, **fields):
    # The page redirects after an import (a reload imports nothing again) and shows
    # the report on the page it lands on.
    return client.post(
        "/staff/articles/import",
        data={"file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_the_upload_page_shows_the_report(client, desk, shared_dir) -> None:
    data = (shared_dir / "corpus" / "wxr" / "importer-small-export.xml").read_bytes()
    page = _upload(client, data, "export.xml").text
    assert "Import report: export.xml" in page
    assert "6 found: 5 created, 0 revised, 0 unchanged, 1 skipped" in page
    assert "post 13 “Private Post”: private: not public" in page
    assert "Not posts, so not imported: 5 page." in page


def test_a_gzip_upload_is_imported(client, desk) -> None:
    page = _upload(client, gzip.compress(rss(item("Zipped", "https://wire.example/z"))), "f.xml.gz")
    assert "1 found: 1 created" in page.text
    assert "The file is gzip-compressed" in page.text


def test_the_upload_url_field_refuses_other_schemes(client, desk) -> None:
    response = _upload(client, rss(item("One")), "f.xml", canonical_url="javascript:alert(1)")
    assert response.status_code == 422
    assert _articles() == 0


def test_the_upload_url_field_resolves_a_pages_links_and_records_its_url(client, desk) -> None:
    page = (
        b"<html><head><title>Dam | Gazette</title></head><body><article><h1>Dam</h1>"
        + b"".join(
            f"<p>Paragraph {n}: the new dam opened on Monday, officials said, after {n} years "
            f"of building work on the river above the town.</p>".encode()
            for n in range(1, 6)
        )
        + b"<p>The dam holds water for the whole valley; the <a href='/maps'>maps of the "
        b"reservoir</a> show how far the lake will reach by next spring.</p>"
        b"</article></body></html>"
    )
    response = _upload(client, page, "dam.html", canonical_url="https://gazette.example/dam")
    assert "1 found: 1 created" in response.text
    article = db.session.scalar(sa.select(Article))
    assert article.canonical_url == "https://gazette.example/dam"
    assert 'href="https://gazette.example/maps"' in article.body_html
