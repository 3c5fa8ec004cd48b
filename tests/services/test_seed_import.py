"""The seed article end to end: file → CLI/service → database → staff page."""

from __future__ import annotations

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import Article, FindingKind, Role
from syndication.services import articles, importing
from tests.factories import PASSWORD

FOOTER_START = "Content created by The Daily Caller News Foundation"


def _seed_path(shared_dir):
    return shared_dir / "corpus" / "seed" / "dcnf-2022-03-10-kuleba-lavrov.txt"


def _import_seed(shared_dir) -> Article:
    (draft,) = importing.drafts_from_file(_seed_path(shared_dir), headline="Kuleba and Lavrov")
    return articles.import_draft(draft).article


def test_seed_body_is_stored_without_the_footer(shared_dir):
    article = _import_seed(shared_dir)
    assert FOOTER_START not in article.body_html
    assert article.body_html.count("<p>") == 7
    assert FOOTER_START not in article.revisions[0].body_html


def test_seed_footer_is_recorded_once_as_a_finding(shared_dir):
    article = _import_seed(shared_dir)
    footers = [f for f in article.findings if f.kind is FindingKind.FOOTER]
    last_paragraph = _seed_path(shared_dir).read_text("utf-8").split("\n\n")[-1]
    assert [f.text for f in footers] == [last_paragraph]


def test_seed_related_promo_is_found_and_marked(shared_dir):
    article = _import_seed(shared_dir)
    promos = [f.text for f in article.findings if f.kind is FindingKind.PROMO]
    assert len(promos) == 1 and promos[0].startswith("(RELATED: ‘Decisive")
    assert '<span class="promo">(RELATED:' in article.body_html


def test_seed_lists_axios_as_the_cited_source(shared_dir):
    article = _import_seed(shared_dir)
    cited = [f.detail for f in article.findings if f.kind is FindingKind.CITED_OUTLET]
    assert cited == ["Axios"]


def test_seed_date_header_becomes_the_publish_date(shared_dir):
    article = _import_seed(shared_dir)
    assert article.published_at.date().isoformat() == "2022-03-10"


def test_importing_the_seed_twice_changes_nothing(shared_dir):
    first = _import_seed(shared_dir)
    (draft,) = importing.drafts_from_file(_seed_path(shared_dir), headline="Kuleba and Lavrov")
    again = articles.import_draft(draft)
    assert again.article.id == first.id
    assert not again.created and not again.revised
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 1
    assert len(first.revisions) == 1


def test_cli_imports_the_seed(runner, shared_dir):
    result = runner.invoke(args=["articles", "import", str(_seed_path(shared_dir))])
    assert result.exit_code == 0, result.output
    # New imports wait for staff in the intake queue, and the command says so.
    assert result.output.startswith("created (awaiting review): #")


def test_cli_rejects_an_unknown_format_clearly(runner, tmp_path):
    bogus = tmp_path / "notes.docx"
    bogus.write_bytes(b"PK\x03\x04")
    result = runner.invoke(args=["articles", "import", str(bogus)])
    assert result.exit_code != 0
    assert "is not a format we can import" in result.output


def test_staff_article_page_shows_the_findings(client, auth, make_user, shared_dir):
    article = _import_seed(shared_dir)
    make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    page = client.get(f"/staff/articles/{article.id}").get_data(as_text=True)
    assert "Axios" in page
    assert "(RELATED:" in page
    assert "Existing footer" in page


def test_packaged_demo_seed_is_the_shared_seed(shared_dir):
    from importlib import resources

    packaged = resources.files("syndication.demo").joinpath("seed-article.txt").read_bytes()
    assert packaged == _seed_path(shared_dir).read_bytes()
