"""Rights-safe intake: nothing is offered until staff release it, and nobody else's work is ours."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa
from lxml import etree

from syndication.extensions import db
from syndication.ingest.detect import ImportFormatError
from syndication.models import (
    Article,
    ArticleRevision,
    AuditEvent,
    IntakeState,
    OrganisationSettings,
    Origin,
    Role,
    SyndicationPolicy,
)
from syndication.services import articles, grants, importing, intake, packages, search, settings
from syndication.services.errors import DomainError, NotFound
from tests.factories import PASSWORD
from tests.ingest.test_corpus import FILES
from tests.packaging import newsml_errors, ninjs_errors

GUARDIAN = "guardian-us.rss"


@pytest.fixture
def partner_user(make_partner, make_user):
    return make_user(Role.PARTNER, partner=make_partner(), email="ed@p.example", partner_admin=True)


def _import_file(path, **kwargs) -> list[Article]:
    drafts = importing.drafts_from_file(path, **kwargs)
    return [articles.import_draft(d, note=f"Imported from {path.name}").article for d in drafts]


def _offered_ids() -> set[int]:
    page = search.search_articles("", offered_only=True, per_page=10_000)
    return {a.id for a in page.items}


def test_nothing_imported_from_the_corpus_is_offered_until_released(app, partner_user):
    imported: list[Article] = []
    for path in FILES:
        try:
            imported += _import_file(path)
        except (ImportFormatError, ValueError):
            continue  # refused files are the corpus test's business
    assert len(imported) > 400
    assert all(a.intake is IntakeState.AWAITING_REVIEW for a in imported)
    ids = {a.id for a in imported}
    assert not ids & _offered_ids(), "listed in the catalogue or the API"
    assert not set(search.sections(offered_only=True))
    for article in imported[:25]:
        with pytest.raises(NotFound):
            articles.offered(article.id)
    with pytest.raises(NotFound):
        grants.request_articles(partner_user.partner, [imported[0].id])


def test_another_publishers_feed_is_third_party_and_never_ours(shared_dir):
    imported = _import_file(shared_dir / "corpus" / "feeds" / GUARDIAN)
    assert imported
    for article in imported:
        assert article.origin is Origin.THIRD_PARTY
        assert article.policy is SyndicationPolicy.NOT_SYNDICATED
        assert "theguardian.com" in article.intake_reason
        assert article.importer == "feed" and article.import_source == GUARDIAN
        assert article.source_title


def test_third_party_content_needs_a_recorded_licence_to_be_syndicated(make_user, shared_dir):
    staff = make_user(Role.STAFF)
    article = _import_file(shared_dir / "corpus" / "feeds" / GUARDIAN)[0]
    free = intake.Rights(policy=SyndicationPolicy.FREE_ELIGIBLE)
    with pytest.raises(DomainError, match="record the rights holder"):
        intake.release([article.id], actor=staff, rights=free)
    db.session.refresh(article)
    assert article.intake is IntakeState.AWAITING_REVIEW


def test_a_licensed_third_party_article_credits_its_rights_holder_never_us(
    make_user, partner_user, shared_dir
):
    staff = make_user(Role.STAFF)
    article = _import_file(shared_dir / "corpus" / "feeds" / GUARDIAN)[0]
    licence = intake.Licence("Guardian News & Media", "GNM-SYN-2026-17", "Syndication deal")
    rights = intake.Rights(policy=SyndicationPolicy.FREE_ELIGIBLE, licence=licence)
    assert intake.release([article.id], actor=staff, rights=rights) == 1
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "released"))
    assert event.data["rights_holder"] == "Guardian News & Media"

    (result,) = grants.request_articles(partner_user.partner, [article.id])
    built = packages.build(packages.usable(result.grant.id, partner_user.partner_id))
    files = zipfile.ZipFile(io.BytesIO(built.data))
    org = settings.organisation().name
    for name in files.namelist():
        if name.endswith((".txt", ".md", ".html", ".json", ".xml", ".jsonld")):
            text = files.read(name).decode()
            if "LICENSE" in name or "manifest" in name:
                continue
            assert f", {org}" not in text, f"{name} credits the organisation"
    assert "Guardian News &amp; Media" in files.read("article.html").decode()
    assert "Guardian News & Media" in files.read("article.txt").decode()
    # The copyright fields of the structured formats name the rights holder too.
    ninjs = json.loads(files.read("article.ninjs.json"))
    assert ninjs["copyrightholder"] == "Guardian News & Media"
    assert ninjs_errors(files.read("article.ninjs.json")) == []
    newsml = files.read("article.newsml.xml")
    assert newsml_errors(newsml) == []
    holder = etree.fromstring(newsml).find(".//{*}rightsInfo/{*}copyrightHolder/{*}name")
    assert holder.text == "Guardian News & Media"
    jsonld = json.loads(files.read("article.jsonld"))
    assert jsonld["copyrightHolder"]["name"] == "Guardian News & Media"


def test_the_seed_file_under_three_names_is_one_article_and_a_changed_copy_revises_it(
    seed_path, tmp_path
):
    data = seed_path.read_bytes()
    found = set()
    for name in ("seed.txt", "kuleba-lavrov-final.txt", "copy (2).txt"):
        (tmp_path / name).write_bytes(data)
        (article,) = _import_file(tmp_path / name, headline="Kuleba and Lavrov")
        found.add(article.id)
    assert len(found) == 1
    changed = data.replace(b"Ukraine", b"Ukraine's", 1)
    (tmp_path / "corrected.txt").write_bytes(changed)
    (article,) = _import_file(tmp_path / "corrected.txt", headline="Kuleba and Lavrov")
    assert article.id in found
    numbers = db.session.scalars(
        sa.select(ArticleRevision.number).where(ArticleRevision.article_id == article.id)
    ).all()
    assert sorted(numbers) == [1, 2]


def test_a_similar_story_from_another_source_is_flagged_not_merged(make_article):
    body = "<p>" + " ".join(f"word{i}" for i in range(60)) + "</p>"
    first = make_article(headline="Same headline", body_html=body)
    draft = importing.ArticleDraft(
        headline="Same headline",
        body_html=body.replace("word30", "changed"),
        canonical_url="https://elsewhere.example/story",
        source_site_url="https://elsewhere.example/",
        importer="page",
    )
    second = articles.import_draft(draft).article
    assert second.id != first.id
    assert second.possible_duplicate_of_id == first.id


def test_a_changed_byline_on_reimport_puts_a_released_article_back_in_review(make_article):
    article = make_article(bylines=["Jane Doe"])
    assert article.intake is IntakeState.RELEASED
    draft = importing.ArticleDraft(
        headline=article.headline,
        body_html=article.body_html + "<p>More.</p>",
        bylines=["John Roe"],
        source_id=article.source_id,
    )
    result = articles.import_draft(draft)
    assert result.revised and result.article.id == article.id
    assert result.article.intake is IntakeState.AWAITING_REVIEW
    assert "byline changed" in result.article.intake_reason


def test_a_changed_body_on_reimport_stays_released(make_article):
    article = make_article(bylines=["Jane Doe"])
    draft = importing.ArticleDraft(
        headline=article.headline,
        body_html=article.body_html + "<p>More.</p>",
        bylines=["Jane Doe"],
        source_id=article.source_id,
    )
    assert articles.import_draft(draft).article.intake is IntakeState.RELEASED


def test_own_clean_content_is_released_automatically_only_when_an_admin_turned_it_on(make_user):
    admin = make_user(Role.ADMIN)
    body = "<p>" + " ".join(f"own{i}" for i in range(40)) + "</p>"

    def imported(n: int) -> Article:
        draft = importing.ArticleDraft(
            headline=f"Our story {n}",
            body_html=body.replace("own1 ", f"own1-{n} "),
            canonical_url=f"https://news.ourpaper.example/story-{n}",
        )
        return articles.import_draft(draft).article

    settings.update_own_sources(
        actor=admin, domains=["ourpaper.example"], feed_urls=[], auto_release=False
    )
    waiting = imported(1)
    assert waiting.origin is Origin.ORIGINAL and waiting.intake is IntakeState.AWAITING_REVIEW
    settings.update_own_sources(
        actor=admin, domains=["ourpaper.example"], feed_urls=[], auto_release=True
    )
    assert imported(2).intake is IntakeState.RELEASED


# The pages


def test_staff_release_in_bulk_from_the_intake_page(client, auth, make_user, shared_dir):
    make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    imported = _import_file(shared_dir / "corpus" / "feeds" / GUARDIAN)
    page = client.get("/staff/intake").text
    assert imported[0].headline.split("&")[0][:30] in page
    picks = [imported[0].id, imported[1].id]
    response = client.post("/staff/intake/release", data={"article_id": picks})
    assert response.status_code == 302
    for article in imported[:2]:
        db.session.refresh(article)
        assert article.intake is IntakeState.RELEASED
        # Released as suggested: someone else's, not syndicated.
        assert article.policy is SyndicationPolicy.NOT_SYNDICATED
    assert imported[2].intake is IntakeState.AWAITING_REVIEW


def test_only_admins_edit_our_sources(client, auth, make_user):
    make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    assert client.get("/staff/settings/sources").status_code == 403
    auth.logout()
    make_user(Role.ADMIN, email="boss@example.org")
    auth.login("boss@example.org", PASSWORD)
    response = client.post(
        "/staff/settings/sources",
        data={"domains": "ourpaper.example\nwww.other-own.example", "feed_urls": ""},
    )
    assert response.status_code == 302
    assert settings.organisation().own_domains == ["other-own.example", "ourpaper.example"]


def test_reading_the_default_organisation_writes_nothing_until_an_admin_saves(
    client, auth, make_user
):
    db.session.execute(sa.delete(OrganisationSettings))
    make_user(Role.ADMIN, email="boss@example.org")
    auth.login("boss@example.org", PASSWORD)
    assert client.get("/staff/settings/sources").status_code == 200
    org = settings.organisation()
    assert org.name == settings.DEFAULT_ORGANISATION["name"] and org not in db.session
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrganisationSettings)) == 0
    response = client.post(
        "/staff/settings/sources", data={"domains": "ourpaper.example", "feed_urls": ""}
    )
    assert response.status_code == 302
    assert db.session.get(OrganisationSettings, 1).own_domains == ["ourpaper.example"]


def test_admins_set_tier_quotas_and_empty_means_unlimited(client, auth, make_user):
    from syndication.models import PartnerTier

    make_user(Role.ADMIN, email="boss@example.org")
    auth.login("boss@example.org", PASSWORD)
    assert client.get("/staff/settings/quotas").status_code == 200
    response = client.post("/staff/settings/quotas", data={"standard": "10", "premium": ""})
    assert response.status_code == 302
    terms = settings.tier_terms()
    assert terms[PartnerTier.STANDARD].monthly_quota == 10
    assert terms[PartnerTier.PREMIUM].monthly_quota is None
    bad = client.post("/staff/settings/quotas", data={"standard": "-1"})
    assert bad.status_code == 422
