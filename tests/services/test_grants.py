"""Requests, grants with frozen terms, the rules editor and the preview."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import (
    Article,
    ArticleRequest,
    Grant,
    IntakeState,
    Job,
    Partner,
    PartnerStatus,
    PartnerTier,
    RequestStatus,
    Role,
    RuleSet,
    SyndicationPolicy,
)
from syndication.policy.jobs import JobState
from syndication.services import grants, jobs, rulesets, settings
from syndication.services.errors import Conflict, DomainError, NotFound
from syndication.tasks import JOB_KINDS
from tests.factories import PASSWORD


@pytest.fixture
def partner_user(make_partner, make_user):
    partner = make_partner()
    return make_user(Role.PARTNER, partner=partner, email="ed@p.example", partner_admin=True)


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF, email="desk@example.org")


def test_free_article_is_granted_at_once_with_the_seed_footer(
    partner_user, seed_article, seed_footer
):
    (result,) = grants.request_articles(partner_user.partner, [seed_article.id])
    assert result.request.status is RequestStatus.GRANTED
    grant = result.grant
    assert grant.terms["formats"]["text"]["footer"] == seed_footer
    html = grant.terms["formats"]["html"]["footer"]
    assert 'href="mailto:licensing@dailycallernewsfoundation.org"' in html
    assert grant.rule_set.version == rulesets.current().version
    assert grant.revision_number == seed_article.current_revision
    assert grant.odrl["@context"] == "http://www.w3.org/ns/odrl.jsonld"
    assert grant.odrl["assignee"]
    assert len(grant.terms_hash) == 64


def test_one_request_many_articles_each_decided(partner_user, make_article):
    free = make_article()
    licensed = make_article(SyndicationPolicy.LICENSED)
    results = grants.request_articles(partner_user.partner, [free.id, licensed.id])
    assert [r.request.status for r in results] == [RequestStatus.GRANTED, RequestStatus.PENDING]
    assert len({r.request.batch for r in results}) == 1


@pytest.mark.parametrize("why", ["not_syndicated", "awaiting_review"])
def test_a_request_for_an_article_not_offered_reveals_nothing(partner_user, make_article, why):
    barred = make_article(SyndicationPolicy.NOT_SYNDICATED, headline="Secret story")
    if why == "awaiting_review":
        barred = make_article(headline="Secret story too")
        barred.intake = IntakeState.AWAITING_REVIEW
        db.session.commit()
    with pytest.raises(NotFound) as refused:
        grants.request_articles(partner_user.partner, [make_article().id, barred.id])
    assert "Secret" not in str(refused.value)
    assert str(barred.id) in str(refused.value)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArticleRequest)) == 0


def test_an_embargoed_free_article_waits_and_is_granted_once_the_embargo_lifts(
    partner_user, make_article, worker, mailbox
):
    article = make_article()
    lifts = datetime.now(UTC) + timedelta(hours=5)
    article.embargo_until = lifts
    db.session.commit()
    (result,) = grants.request_articles(partner_user.partner, [article.id])
    assert result.request.status is RequestStatus.PENDING and result.grant is None
    assert "granted to you automatically when the embargo lifts" in result.request.reason
    job = db.session.scalar(sa.select(Job).where(Job.kind == grants.EMBARGO_JOB))
    assert job.run_at == lifts and job.payload == {"request_id": result.request.id}

    # Before the embargo lifts the job is not due; at the time (frozen), it grants.
    assert jobs.run(job.id, JOB_KINDS, now=lifts - timedelta(minutes=1)) is None
    assert jobs.run(job.id, JOB_KINDS, now=lifts + timedelta(seconds=1)) is JobState.DONE
    db.session.refresh(result.request)
    assert result.request.status is RequestStatus.GRANTED
    assert "embargo lifted" in result.request.reason
    assert len(mailbox.to("ed@p.example")) == 1
    # A second delivery of the same work grants nothing more.
    assert grants.grant_when_embargo_lifts(result.request.id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Grant)) == 1


def test_an_embargo_moved_later_keeps_the_request_waiting(partner_user, make_article):
    article = make_article()
    article.embargo_until = datetime.now(UTC) + timedelta(hours=1)
    db.session.commit()
    (result,) = grants.request_articles(partner_user.partner, [article.id])
    article.embargo_until = datetime.now(UTC) + timedelta(days=2)
    db.session.commit()
    assert grants.grant_when_embargo_lifts(result.request.id) is None
    assert result.request.status is RequestStatus.PENDING
    due = db.session.scalars(sa.select(Job.run_at).where(Job.kind == grants.EMBARGO_JOB)).all()
    assert article.embargo_until in due


def test_beyond_the_monthly_quota_a_free_request_waits_for_staff(
    partner_user, make_article, make_user
):
    admin = make_user(Role.ADMIN)
    settings.update_tier_terms(actor=admin, terms={PartnerTier.STANDARD: settings.TierTerms(2)})
    picks = [make_article().id for _ in range(3)]
    results = grants.request_articles(partner_user.partner, picks)
    assert [r.request.status for r in results] == [
        RequestStatus.GRANTED,
        RequestStatus.GRANTED,
        RequestStatus.PENDING,
    ]
    assert "monthly quota of 2" in results[2].request.reason
    settings.update_tier_terms(actor=admin, terms={PartnerTier.STANDARD: settings.TierTerms(None)})
    (unlimited,) = grants.request_articles(partner_user.partner, [make_article().id])
    assert unlimited.request.status is RequestStatus.GRANTED


def test_asking_again_while_a_request_waits_opens_no_second_one(partner_user, make_article):
    article = make_article(SyndicationPolicy.LICENSED)
    (first,) = grants.request_articles(partner_user.partner, [article.id])
    (again,) = grants.request_articles(partner_user.partner, [article.id])
    assert again.request.id == first.request.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArticleRequest)) == 1


def test_a_partner_withdraws_its_waiting_request_and_not_anothers(
    partner_user, make_article, make_partner
):
    (result,) = grants.request_articles(
        partner_user.partner, [make_article(SyndicationPolicy.LICENSED).id]
    )
    with pytest.raises(NotFound):
        grants.withdraw_request(result.request.id, partner_id=make_partner().id, actor=None)
    grants.withdraw_request(result.request.id, partner_id=partner_user.partner_id, actor=None)
    assert result.request.status is RequestStatus.WITHDRAWN
    with pytest.raises(Conflict):
        grants.withdraw_request(result.request.id, partner_id=partner_user.partner_id, actor=None)


def test_asking_again_for_a_held_article_is_refused(partner_user, make_article):
    article = make_article()
    grants.request_articles(partner_user.partner, [article.id])
    (again,) = grants.request_articles(partner_user.partner, [article.id])
    assert again.request.status is RequestStatus.REFUSED
    assert "already hold grant" in again.request.reason
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Grant)) == 1


def test_suspended_partner_is_refused(partner_user, make_article):
    partner_user.partner.status = PartnerStatus.SUSPENDED
    db.session.commit()
    (result,) = grants.request_articles(partner_user.partner, [make_article().id])
    assert result.request.status is RequestStatus.REFUSED
    assert "suspended" in result.request.reason


def test_staff_grant_a_queued_request_and_the_partner_is_emailed(
    partner_user, staff, make_article, mailbox
):
    (result,) = grants.request_articles(
        partner_user.partner, [make_article(SyndicationPolicy.LICENSED).id]
    )
    grant = grants.grant_request(result.request.id, actor=staff)
    assert grant.licence_id.startswith("SD-")
    assert "granted" in mailbox.to("ed@p.example")[0]["Subject"]
    with pytest.raises(Conflict, match="already granted"):
        grants.grant_request(result.request.id, actor=staff)


def test_staff_refusal_needs_a_reason_and_is_emailed(partner_user, staff, make_article, mailbox):
    (result,) = grants.request_articles(
        partner_user.partner, [make_article(SyndicationPolicy.LICENSED).id]
    )
    with pytest.raises(DomainError, match="Say why"):
        grants.refuse_request(result.request.id, actor=staff, reason=" ")
    grants.refuse_request(result.request.id, actor=staff, reason="Exclusive to print partners")
    body = mailbox.to("ed@p.example")[0].get_body(("plain",)).get_content()
    assert "Exclusive to print partners" in body


def test_editing_a_rule_after_a_grant_leaves_its_snapshot_untouched(
    partner_user, staff, make_article
):
    (first,) = grants.request_articles(partner_user.partner, [make_article().id])
    frozen = dict(first.grant.terms)
    frozen_hash = first.grant.terms_hash
    footer_rule = next(
        r
        for r in rulesets.current().rules
        if r.actions.get("footer") and "without charge" in r.actions["footer"]
    )
    data = rulesets.to_engine(footer_rule)
    from syndication.rules import rule_to_dict

    changed = rule_to_dict(data)
    changed["actions"]["footer"] = "Republished from {{ organisation }} under licence."
    rulesets.save_rule(staff, changed, key=footer_rule.key)

    db.session.expire_all()
    grant = db.session.get(Grant, first.grant.id)
    assert grant.terms == frozen and grant.terms_hash == frozen_hash
    (second,) = grants.request_articles(partner_user.partner, [make_article().id])
    assert second.grant.terms["formats"]["text"]["footer"] == (
        "Republished from The Daily Caller News Foundation under licence."
    )
    assert second.grant.rule_set.version == grant.rule_set.version + 1


def test_partner_cannot_change_a_grants_terms(client, auth, partner_user, make_article):
    (result,) = grants.request_articles(partner_user.partner, [make_article().id])
    auth.login("ed@p.example", PASSWORD)
    url = f"/portal/grants/{result.grant.id}"
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.open(url, method=method).status_code == 405


# --- pages -----------------------------------------------------------------------------


def test_partner_requests_three_articles_from_the_catalogue(
    client, auth, partner_user, make_article
):
    picks = [
        make_article(headline="Free story"),
        make_article(SyndicationPolicy.LICENSED, headline="Licensed story"),
        make_article(headline="Another free story"),
    ]
    make_article(SyndicationPolicy.NOT_SYNDICATED, headline="Barred story")
    auth.login("ed@p.example", PASSWORD)
    catalogue = client.get("/portal/catalogue").text
    assert "Free story" in catalogue and "Licensed story" in catalogue
    assert "Barred story" not in catalogue
    response = client.post("/portal/requests", data={"article_id": [a.id for a in picks]})
    assert response.status_code == 302
    page = client.get("/portal/requests").text
    assert "2 granted, 1 waiting (the reasons are below), 0 refused" in page


def test_staff_queue_grants_and_refuses(client, auth, partner_user, staff, make_article):
    first, second = (make_article(SyndicationPolicy.LICENSED) for _ in range(2))
    grants.request_articles(partner_user.partner, [first.id, second.id])
    auth.login("desk@example.org", PASSWORD)
    queue = client.get("/staff/requests").text
    assert first.headline in queue and second.headline in queue
    ids = db.session.scalars(sa.select(ArticleRequest.id).order_by(ArticleRequest.id)).all()
    assert client.post(f"/staff/requests/{ids[0]}/grant").status_code == 302
    refused = client.post(
        f"/staff/requests/{ids[1]}/refuse", data={"reason": "", "confirmed": "yes"}
    )
    assert refused.status_code == 302
    assert "Say why" in client.get("/staff/requests").text
    client.post(
        f"/staff/requests/{ids[1]}/refuse",
        data={"reason": "Not for resale sites", "confirmed": "yes"},
    )
    statuses = db.session.scalars(
        sa.select(ArticleRequest.status).order_by(ArticleRequest.id)
    ).all()
    assert statuses == [RequestStatus.GRANTED, RequestStatus.REFUSED]


def _rule_form(**overrides) -> dict:
    data = {
        "name": "Premium footer",
        "priority": "5",
        "active": "y",
        "partner_tiers": ["premium"],
        "footer": "Premium partner {{ partner_name }}: courtesy of {{ organisation }}.",
        "credit_line": "",
        "originally_appeared": "",
        "strip_promos": "",
        "strip_third_party_assets": "",
        "tracking_pixel": "",
        "noindex": "",
        "canonical_link": "",
    }
    data.update(overrides)
    return data


def test_rule_with_a_bad_template_is_refused_with_line_and_reason(client, auth, staff):
    auth.login("desk@example.org", PASSWORD)
    before = rulesets.current().version
    db.session.commit()
    response = client.post("/staff/rules/new", data=_rule_form(footer="Thanks\n{{ organisaton }}"))
    assert response.status_code == 422
    assert "line 2" in response.text and "organisaton" in response.text
    response = client.post("/staff/rules/new", data=_rule_form(footer="{% if %}"))
    assert response.status_code == 422
    assert rulesets.current().version == before


def test_rule_changes_make_new_versions(client, auth, staff):
    auth.login("desk@example.org", PASSWORD)
    start = rulesets.current().version
    db.session.commit()
    assert client.post("/staff/rules/new", data=_rule_form()).status_code == 302
    key = max(int(r.key) for r in rulesets.current().rules)
    assert client.post(f"/staff/rules/{key}/up").status_code == 302
    assert client.post(f"/staff/rules/{key}/deactivate").status_code == 302
    db.session.expire_all()
    latest = rulesets.current()
    assert latest.version == start + 3
    rule = next(r for r in latest.rules if r.key == str(key))
    assert rule.active is False
    versions = db.session.scalars(sa.select(RuleSet.version)).all()
    assert sorted(versions)[-4:] == [start, start + 1, start + 2, start + 3]
    assert "Premium footer" in client.get("/staff/rules").text


def test_preview_shows_the_rendered_footer_and_why(client, auth, staff, seed_article):
    auth.login("desk@example.org", PASSWORD)
    page = client.get(
        f"/staff/rules/preview?article_id={seed_article.id}&tier=standard&format=html"
    ).text
    assert "mailto:licensing@dailycallernewsfoundation.org" in page
    assert "Free-to-eligible" in page or "footer" in page
    assert "(RELATED:" not in page.split('class="body"')[1].split("</div>")[0]
    text = client.get(
        f"/staff/rules/preview?article_id={seed_article.id}&tier=standard&format=text"
    ).text
    assert "please contact licensing@dailycallernewsfoundation.org." in text


def test_preview_takes_the_partner_typed_not_a_list_of_every_partner(
    client, auth, staff, make_partner, make_article, monkeypatch
):
    from syndication.views.staff import licensing

    make_partner(name="Harbour Gazette").tier = PartnerTier.PREMIUM
    db.session.commit()
    times = make_partner(name="Harbour Times")
    make_partner(PartnerStatus.SUSPENDED, name="Harbour Closed")
    make_partner(name="Hilltop 100% News")
    older = make_article(headline="An older story", published_at=datetime.now(UTC) - timedelta(9))
    newest = make_article(headline="The newest story")
    auth.login("desk@example.org", PASSWORD)

    def preview(**query):
        return client.get("/staff/rules/preview", query_string={"format": "text", **query})

    blank = preview().text
    assert 'type="search"' in blank and 'name="partner_id"' not in blank
    assert "Harbour Gazette" not in blank  # no option per partner
    # One partner: its whole name in any case, or a beginning only it has.
    for typed in ("harbour gazette", "Harbour G"):
        page = preview(article_id=newest.id, partner=typed)
        assert page.status_code == 200
        assert 'value="Harbour Gazette"' in page.text and "tier premium" in page.text
    # Several: the approved ones are offered, each a link that previews for it.
    several = preview(article_id=newest.id, partner="HARBOUR").text
    assert "Harbour Gazette" in several and "Harbour Times" in several
    assert "Harbour Closed" not in several and "tier standard" in several
    link = f"partner_id={times.id}"
    assert link in several
    chosen = preview(article_id=newest.id, partner_id=times.id).text
    assert 'value="Harbour Times"' in chosen and "Rule-set version" in chosen
    # A name no approved partner begins with says so; "%" is a letter, not a wildcard.
    for typed in ("Harbour Closed", "%"):
        refused = preview(article_id=newest.id, partner=typed)
        assert refused.status_code == 422
        assert f"name begins with “{typed}”." in refused.text
    assert "Hilltop 100% News" in preview(partner="Hilltop 100%").text
    # The articles offered are the newest; an older one named by its page's link is too.
    monkeypatch.setattr(licensing, "ARTICLE_CHOICES", 1)
    offered = preview(article_id=older.id).text
    assert "An older story" in offered and "The newest story" in offered
    assert "An older story" not in preview().text


def test_the_embargo_grant_happens_once_when_two_workers_run_it_at_once(separate_app):
    """Two runs load the same waiting request; one conditional UPDATE lets one grant."""
    from tests.services.test_request_races import committed_partner_and_article

    partner_id, article_id = committed_partner_and_article(separate_app, headline="Embargoed")
    with separate_app.app_context():
        article = db.session.get(Article, article_id)
        lifts = datetime.now(UTC) + timedelta(hours=1)
        article.embargo_until = lifts
        db.session.commit()
        (result,) = grants.request_articles(db.session.get(Partner, partner_id), [article.id])
        request_id, article_id = result.request.id, article.id

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def lift() -> None:
        with separate_app.app_context():
            barrier.wait()
            try:
                grant = grants.grant_when_embargo_lifts(
                    request_id, now=lifts + timedelta(seconds=1)
                )
                outcomes.append("granted" if grant else "nothing")
            except Exception as exc:
                outcomes.append(f"error: {exc!r}")

    threads = [threading.Thread(target=lift) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["granted", "nothing"]
    with separate_app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(Grant).where(Grant.article_id == article_id)
        )
        assert count == 1


def test_a_partner_withdraws_a_waiting_request_from_the_requests_page(
    client, auth, partner_user, make_article
):
    (result,) = grants.request_articles(
        partner_user.partner, [make_article(SyndicationPolicy.LICENSED).id]
    )
    auth.login("ed@p.example", PASSWORD)
    assert "Withdraw" in client.get("/portal/requests").text
    asked = client.post(f"/portal/requests/{result.request.id}/withdraw")
    assert "Please confirm" in asked.text
    response = client.post(
        f"/portal/requests/{result.request.id}/withdraw", data={"confirmed": "yes"}
    )
    assert response.status_code == 302
    db.session.refresh(result.request)
    assert result.request.status is RequestStatus.WITHDRAWN


def test_staff_see_the_partners_note_and_that_a_refusal_is_emailed(
    client, auth, partner_user, staff, make_article
):
    article = make_article(SyndicationPolicy.LICENSED)
    grants.request_articles(partner_user.partner, [article.id], note="For our weekend edition")
    auth.login("desk@example.org", PASSWORD)
    queue = client.get("/staff/requests").text
    assert "note: “For our weekend edition”" in queue
    assert "will be emailed to the partner" in queue
