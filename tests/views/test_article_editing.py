"""Staff edit rights, correct articles as revisions, read diffs and import files."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import Article, AuditEvent, Role, SyndicationPolicy
from syndication.services import articles
from tests.factories import PASSWORD


@pytest.fixture
def desk(make_user, auth):
    user = make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    return user


def _rights(**overrides) -> dict:
    data = {
        "origin": "original",
        "policy": "licensed",
        "embargo_until": "",
        "expires_at": "",
        "territory": "US",
        "reason": "Sold to a print partner",
    }
    data.update(overrides)
    return data


def test_staff_change_rights_and_it_is_audited(client, desk, make_article):
    article = make_article()
    response = client.post(f"/staff/articles/{article.id}/rights", data=_rights())
    assert response.status_code == 302
    db.session.expire_all()
    assert article.policy is SyndicationPolicy.LICENSED and article.territory == "US"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "rights_changed"))
    assert (event.from_status, event.to_status) == ("free_eligible", "licensed")
    assert event.reason == "Sold to a print partner"


def test_expiry_before_embargo_is_refused_in_the_page(client, desk, make_article):
    article = make_article()
    response = client.post(
        f"/staff/articles/{article.id}/rights",
        data=_rights(embargo_until="2026-12-10T09:00", expires_at="2026-12-01T09:00"),
    )
    assert response.status_code == 422
    assert "must come after the embargo" in response.text
    db.session.expire_all()
    assert article.policy is SyndicationPolicy.FREE_ELIGIBLE


def test_asset_syndicatable_flags_are_edited(client, desk, make_article):
    from syndication.ingest.drafts import AssetDraft

    article = make_article(
        assets=[
            AssetDraft(url="https://x.example/a.jpg", credit="Own"),
            AssetDraft(url="https://x.example/b.jpg", credit="Own"),
        ]
    )
    first, second = article.assets
    client.post(
        f"/staff/articles/{article.id}/rights", data={**_rights(), "syndicatable": [str(second.id)]}
    )
    db.session.expire_all()
    assert (first.syndicatable, second.syndicatable) == (False, True)


def test_a_correction_is_a_new_revision_with_a_readable_diff(client, desk, make_article):
    article = make_article(body_html="<p>The talks were on Tuesday.</p><p>Both sides met.</p>")
    response = client.post(
        f"/staff/articles/{article.id}/revise",
        data={
            "headline": article.headline,
            "dek": "",
            "body_html": "<p>The talks were on Thursday.</p><p>Both sides met.</p>"
            "<script>alert(1)</script>",
            "note": "Corrected the day of the talks.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert article.current_revision == 2
    assert [r.note for r in article.revisions][-1] == "Corrected the day of the talks."
    assert "<script" not in article.body_html
    assert "Tuesday" in article.revisions[0].body_html  # nothing is overwritten
    diff = client.get(f"/staff/articles/{article.id}/revisions/2").text
    assert "<del>The talks were on Tuesday.</del>" in diff
    assert "<ins>The talks were on Thursday.</ins>" in diff
    assert "Corrected the day of the talks." in client.get(f"/staff/articles/{article.id}").text


def test_a_revision_needs_a_note_and_a_change(client, desk, make_article):
    article = make_article()
    same = {"headline": article.headline, "dek": article.dek, "body_html": article.body_html}
    assert (
        client.post(f"/staff/articles/{article.id}/revise", data={**same, "note": ""}).status_code
        == 422
    )
    response = client.post(f"/staff/articles/{article.id}/revise", data={**same, "note": "x"})
    assert response.status_code == 422
    assert "Nothing changed" in response.text


def test_diff_lines_mark_added_and_removed_paragraphs(make_article, make_user):
    article = make_article(body_html="<p>One.</p><p>Two.</p>")
    articles.edit_content(
        article,
        actor=make_user(),
        headline=article.headline,
        dek="",
        body_html="<p>One.</p><p>Three.</p>",
        note="Update",
    )
    old, new = article.revisions
    kinds = [(line.kind, line.text) for line in articles.diff_revisions(old, new)]
    assert ("removed", "Two.") in kinds and ("added", "Three.") in kinds
    assert ("same", "One.") in kinds


def test_upload_imports_the_seed_then_recognises_it_unchanged(client, desk, shared_dir):
    seed = (shared_dir / "corpus" / "seed" / "dcnf-2022-03-10-kuleba-lavrov.txt").read_bytes()

    def upload():
        return client.post(
            "/staff/articles/import",
            data={"file": (io.BytesIO(seed), "kuleba.txt"), "headline": "Kuleba and Lavrov"},
            content_type="multipart/form-data",
            follow_redirects=True,
        )

    first = upload()
    # POST, redirect, GET: the page lists what was imported, and a reload imports nothing.
    assert "1 created, 0 revised, 0 unchanged" in first.text and "Kuleba" in first.text
    assert "Kuleba" not in client.get("/staff/articles/import").text
    assert "0 created, 0 revised, 1 unchanged" in upload().text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 1


def test_upload_of_an_unreadable_file_is_explained(client, desk):
    response = client.post(
        "/staff/articles/import",
        data={"file": (io.BytesIO(b"\x00\x01binary"), "photo.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "photo.jpg" in response.text


def test_word_count_does_not_glue_paragraphs_together():
    from syndication.services.articles import word_count

    assert word_count("<p>One two.</p><p>Three four.</p>") == 4
    assert word_count("<ul><li>a</li><li>b</li></ul><p>c&amp;d e</p>") == 4
    assert word_count("<p>Some <em>emphasised</em> words</p>") == 3
