"""Partners: application, recommendation, staff decisions, invitations, users, keys."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import (
    ApiKey,
    AuditEvent,
    EligibilityPolicy,
    Partner,
    PartnerStatus,
    Role,
    User,
)
from syndication.services import apikeys, feeds, partners, settings
from syndication.services.errors import Conflict, DomainError, Forbidden
from tests.factories import PASSWORD


def _form(**overrides) -> dict:
    terms = partners.current_terms()
    db.session.commit()
    data = {
        "name": "The Riverside Courier",
        "website": "https://www.riversidecourier.example",
        "domains": "riversidecourier.example\nnews.riversidecourier.example",
        "outlet_type": "newspaper",
        "region": "US-OR",
        "contact_name": "Rita Rivers",
        "contact_email": "rita@riversidecourier.example",
        "monthly_unique_visitors": "40000",
        "newsletter_subscribers": "",
        "print_circulation": "",
        "intended_use": "Republish national politics coverage on our site.",
        "terms_version_id": str(terms.id),
        "accept_terms": "y",
    }
    data.update(overrides)
    return data


def _application(
    name: str, domains: list[str], visitors: int, **overrides
) -> partners.ApplicationData:
    """A service-level application (the form-level ones use _form)."""
    slug = domains[0].split(".")[-2]
    data = {
        "name": name,
        "website": f"https://{domains[0]}",
        "domains": domains,
        "outlet_type": "digital",
        "contact_name": name,
        "contact_email": f"editor@{slug}.example",
        "monthly_unique_visitors": visitors,
        "terms_version_id": partners.current_terms().id,
    }
    data.update(overrides)
    return partners.ApplicationData(**data)


def _partner(name="The Riverside Courier") -> Partner:
    return db.session.scalar(sa.select(Partner).where(Partner.name == name))


# --- application -----------------------------------------------------------------------


def test_application_without_audience_figure_shows_the_error_and_saves_nothing(client):
    response = client.post("/apply", data=_form(monthly_unique_visitors=""))
    assert response.status_code == 422
    assert "Give at least one audience figure" in response.get_data(as_text=True)
    assert _partner() is None


def test_application_without_accepting_terms_is_refused(client):
    response = client.post("/apply", data=_form(accept_terms=""))
    assert response.status_code == 422
    assert "You must accept the terms" in response.get_data(as_text=True)


def test_negative_audience_is_refused(client):
    response = client.post("/apply", data=_form(monthly_unique_visitors="-5"))
    assert response.status_code == 422
    assert "zero or more" in response.get_data(as_text=True)


def test_application_is_stored_with_recommendation_terms_and_confirmation(client, mailbox):
    page = client.get("/apply").get_data(as_text=True)
    assert partners.current_terms().text.splitlines()[0] in page
    response = client.post("/apply", data=_form())
    assert response.status_code == 302
    partner = _partner()
    assert partner.status is PartnerStatus.APPLIED
    assert [d.domain for d in partner.domains] == [
        "news.riversidecourier.example",
        "riversidecourier.example",
    ]
    assert partner.terms_version_id == partners.current_terms().id
    assert partner.terms_accepted_at is not None
    assert partner.recommendation == {
        "decision": "reject",
        "reasons": [
            "monthly unique visitors 40,000 is below the 100,000 threshold",
            "newsletter subscribers not given (threshold 50,000)",
            "print circulation not given (threshold 25,000)",
        ],
    }
    (confirmation,) = mailbox.to("rita@riversidecourier.example")
    assert "We received your syndication application" in confirmation["Subject"]
    assert "The Riverside Courier" in confirmation.get_body(("plain",)).get_content()


def test_duplicate_application_for_a_held_domain_is_refused_with_a_message(client):
    client.post("/apply", data=_form())
    again = client.post(
        "/apply", data=_form(name="Riverside Again", domains="https://riversidecourier.example/")
    )
    assert again.status_code == 422
    assert "riversidecourier.example already belongs to a partner" in again.get_data(as_text=True)
    assert _partner("Riverside Again") is None


def test_a_rejected_partners_domain_may_apply_again(make_partner, make_user):
    old = make_partner(status=PartnerStatus.REJECTED)
    data = _application("Second try", [old.domains[0].domain], 500_000)
    assert partners.apply(data).status is PartnerStatus.APPLIED


def test_invalid_domain_is_explained(client):
    response = client.post("/apply", data=_form(domains="not a domain"))
    assert response.status_code == 422
    assert "is not a domain name" in response.get_data(as_text=True)


# --- staff decisions -------------------------------------------------------------------


@pytest.fixture
def applied(client) -> Partner:
    client.post("/apply", data=_form(monthly_unique_visitors="250000"))
    return _partner()


@pytest.fixture
def staff(make_user, auth) -> User:
    user = make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    return user


def _decide(client, partner: Partner, action: str, reason: str = "", tier: str = "standard"):
    """A decision as the page sends it: a rejection, suspension or termination confirmed."""
    return client.post(
        f"/staff/partners/{partner.id}/decide",
        data={
            "action": action,
            "version": partner.version,
            "reason": reason,
            "tier": tier,
            "confirmed": "yes",
        },
    )


def test_a_suspension_asks_first_and_changes_nothing_until_confirmed(client, staff, make_partner):
    partner = make_partner()
    asked = client.post(
        f"/staff/partners/{partner.id}/decide",
        data={"action": "suspend", "version": partner.version, "reason": "Missing footers"},
    )
    assert asked.status_code == 200 and "Please confirm" in asked.text
    assert f"Suspend {partner.name}?" in asked.text
    # The confirmation page sends the same fields again, with the answer.
    assert 'name="reason" value="Missing footers"' in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    db.session.refresh(partner)
    assert partner.status is PartnerStatus.APPROVED


def test_staff_see_the_recommendation_with_reasons(client, applied, staff):
    page = client.get(f"/staff/partners/{applied.id}").get_data(as_text=True)
    assert "monthly unique visitors 250,000 meets the 100,000 threshold" in page
    listing = client.get("/staff/partners?recommendation=approve").get_data(as_text=True)
    assert "The Riverside Courier" in listing
    assert "The Riverside Courier" not in client.get(
        "/staff/partners?recommendation=reject"
    ).get_data(as_text=True)


def test_queue_filters_by_status_search_and_date(client, applied, staff, make_partner):
    make_partner(name="Other Gazette")
    assert "Other Gazette" not in client.get("/staff/partners?status=applied").text
    assert "The Riverside Courier" in client.get("/staff/partners?q=riversidecourier").text
    assert "The Riverside Courier" not in client.get("/staff/partners?q=nomatch").text
    assert "The Riverside Courier" not in client.get("/staff/partners?to=2000-01-01").text


def test_approval_creates_the_first_user_and_emails_a_single_use_invitation(
    client, applied, staff, mailbox
):
    mailbox.clear()
    response = _decide(client, applied, "approve", tier="premium")
    assert response.status_code == 302
    db.session.expire_all()
    assert applied.status is PartnerStatus.APPROVED
    assert applied.tier.value == "premium"
    (user,) = applied.users
    assert user.email == "rita@riversidecourier.example" and user.is_partner_admin
    assert user.password_hash is None

    subjects = [m["Subject"] for m in mailbox.to(user.email)]
    assert any("approved" in s for s in subjects)
    invitation = next(m for m in mailbox.to(user.email) if "account" in m["Subject"])
    link = re.search(r"http://\S+/invitation/\S+", invitation.get_body(("plain",)).get_content())
    path = link.group().split("localhost", 1)[-1]

    client.post("/logout")
    response = client.post(path, data={"password": "a good password", "confirm": "a good password"})
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200
    client.post("/logout")
    # Single use: the same link is spent.
    assert client.get(path).status_code == 410


def test_expired_invitation_is_refused(app, client, applied, staff):
    _decide(client, applied, "approve")
    db.session.expire_all()
    from syndication.services.tokens import invitation_token

    token = invitation_token(applied.users[0])
    app.config["INVITATION_MAX_AGE"] = -1
    try:
        response = client.get(f"/invitation/{token}")
    finally:
        app.config["INVITATION_MAX_AGE"] = 7 * 24 * 3600
    assert response.status_code == 410
    assert "expired" in response.text


def test_decision_against_the_recommendation_needs_a_reason(client, staff):
    client.post("/apply", data=_form())  # 40,000 visitors: recommended for rejection
    partner = _partner()
    response = _decide(client, partner, "approve")
    assert response.status_code == 422
    assert "goes against the recommendation" in response.text
    db.session.expire_all()
    assert partner.status is PartnerStatus.APPLIED
    assert _decide(client, partner, "approve", reason="Strong regional reach").status_code == 302


def test_rejection_needs_a_reason(client, applied, staff):
    assert _decide(client, applied, "reject").status_code == 422
    db.session.expire_all()
    assert applied.status is PartnerStatus.APPLIED


def test_invalid_transition_is_refused_and_not_applied(client, applied, staff):
    response = _decide(client, applied, "suspend", reason="x")
    assert response.status_code == 422
    assert "cannot be suspended" in response.text
    db.session.expire_all()
    assert applied.status is PartnerStatus.APPLIED


def test_every_decision_is_audited_and_emailed(client, applied, staff, mailbox):
    steps = [
        ("approve", ""),
        ("suspend", "Missing footers"),
        ("reinstate", ""),
        ("terminate", "Resold our articles"),
    ]
    for action, reason in steps:
        db.session.expire_all()
        assert _decide(client, applied, action, reason=reason).status_code == 302, action
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "partners", AuditEvent.object_id == applied.id)
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("applied", None, "applied"),
        ("approve", "applied", "approved"),
        ("suspend", "approved", "suspended"),
        ("reinstate", "suspended", "approved"),
        ("terminate", "approved", "terminated"),
    ]
    assert events[2].reason == "Missing footers" and events[2].actor_id == staff.id
    subjects = " | ".join(m["Subject"] for m in mailbox.to("rita@riversidecourier.example"))
    for word in ("approved", "suspended", "reinstated", "terminated"):
        assert word in subjects


def test_stale_form_is_refused(client, applied, staff):
    version = applied.version
    assert _decide(client, applied, "approve").status_code == 302
    response = client.post(
        f"/staff/partners/{applied.id}/decide",
        data={"action": "reject", "version": version, "reason": "late", "confirmed": "yes"},
    )
    assert response.status_code == 409
    assert "Someone else changed this partner" in response.text


def test_suspension_disables_keys_and_sessions_at_once(
    client, auth, make_partner, make_user, make_api_key
):
    partner = make_partner()
    make_user(Role.PARTNER, partner=partner, email="ed@p.example")
    _, secret = make_api_key(partner)
    boss = make_user(Role.STAFF, email="boss@example.org")
    auth.login("ed@p.example", PASSWORD)
    assert client.get("/portal/").status_code == 200
    partners.decide(
        partner.id,
        "suspend",
        actor=boss,
        expected_version=partner.version,
        reason="Unpaid invoices",
    )
    assert client.get("/portal/").status_code == 302
    api = client.get("/api/v1/", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 403
    assert "suspended" in api.json["detail"]


# --- concurrency -----------------------------------------------------------------------


def test_two_staff_approving_at_once_cannot_both_succeed(separate_app):
    """Both load version 1; the conditional UPDATE lets exactly one commit."""
    with separate_app.app_context():
        boss = User(email="a@example.org", role=Role.STAFF)
        other = User(email="b@example.org", role=Role.STAFF)
        db.session.add_all([boss, other])
        db.session.commit()
        partner = partners.apply(_application("Race Outlet", ["race.example"], 900_000))
        ids = (partner.id, partner.version, boss.id, other.id)

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(actor_id: int, tier: str) -> None:
        with separate_app.app_context():
            actor = db.session.get(User, actor_id)
            target = db.session.get(Partner, ids[0])
            assert target.version == ids[1]
            barrier.wait()  # both have loaded the same version before either writes
            try:
                partners.decide(ids[0], "approve", actor=actor, expected_version=ids[1], tier=tier)
                outcomes.append("ok")
            except Conflict:
                outcomes.append("conflict")
            except Exception as exc:  # a lock timeout would be a failure of the test
                outcomes.append(f"error: {exc!r}")

    threads = [
        threading.Thread(target=approve, args=(ids[2], "standard")),
        threading.Thread(target=approve, args=(ids[3], "premium")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "ok"]
    with separate_app.app_context():
        approvals = db.session.scalar(
            sa.select(sa.func.count()).where(
                AuditEvent.action == "approve", AuditEvent.object_id == ids[0]
            )
        )
        assert approvals == 1
        assert db.session.get(Partner, ids[0]).version == ids[1] + 1


# --- partner users and API keys --------------------------------------------------------


@pytest.fixture
def partner_admin(make_partner, make_user, auth) -> User:
    partner = make_partner()
    user = make_user(Role.PARTNER, partner=partner, email="admin@p.example", partner_admin=True)
    auth.login("admin@p.example", PASSWORD)
    return user


def test_partner_admin_invites_a_colleague(client, partner_admin, mailbox):
    response = client.post("/portal/users", data={"email": "new@p.example"})
    assert response.status_code == 302
    invited = db.session.scalar(sa.select(User).where(User.email == "new@p.example"))
    assert invited.partner_id == partner_admin.partner_id
    assert invited.role is Role.PARTNER
    assert "/invitation/" in mailbox.to("new@p.example")[0].get_body(("plain",)).get_content()


def test_partner_admin_removes_a_colleague_and_ends_their_session(client, partner_admin, make_user):
    colleague = make_user(Role.PARTNER, partner=partner_admin.partner, email="c@p.example")
    assert "Please confirm" in client.post(f"/portal/users/{colleague.id}/remove").text
    removed = client.post(f"/portal/users/{colleague.id}/remove", data={"confirmed": "yes"})
    assert removed.status_code == 302
    db.session.expire_all()
    assert colleague.active is False
    client.post("/logout")
    assert (
        client.post("/login", data={"email": "c@p.example", "password": PASSWORD}).status_code
        == 422
    )


def test_member_cannot_invite_or_remove(client, auth, make_partner, make_user):
    partner = make_partner()
    make_user(Role.PARTNER, partner=partner, email="m@p.example")
    other = make_user(Role.PARTNER, partner=partner, email="o@p.example")
    auth.login("m@p.example", PASSWORD)
    assert client.post("/portal/users", data={"email": "x@p.example"}).status_code == 403
    assert client.post(f"/portal/users/{other.id}/remove").status_code == 403


def test_api_key_is_shown_once_stored_as_hash_and_revocable(client, partner_admin):
    made = client.post("/portal/keys", data={"label": "WordPress importer"})
    # POST, redirect, GET: the key is on the page the redirect leads to, that once.
    assert made.status_code == 302
    page = client.get("/portal/keys")
    assert page.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="new-key">([^<]+)</code>', page.text).group(1)
    key = db.session.scalar(sa.select(ApiKey).where(ApiKey.label == "WordPress importer"))
    assert secret not in key.key_hash and len(key.key_hash) == 64
    assert secret not in client.get("/portal/keys").text

    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/", headers=headers).status_code == 200
    db.session.expire_all()
    assert key.last_used_at is not None

    asked = client.post(f"/portal/keys/{key.id}/revoke")
    assert "Revoke the key “WordPress importer”?" in asked.text
    assert client.get("/api/v1/", headers=headers).status_code == 200
    assert (
        client.post(f"/portal/keys/{key.id}/revoke", data={"confirmed": "yes"}).status_code == 302
    )
    refused = client.get("/api/v1/", headers=headers)
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"


def test_key_without_label_is_refused(client, partner_admin):
    response = client.post("/portal/keys", data={"label": ""})
    assert response.status_code == 422


# --- eligibility policy ----------------------------------------------------------------


def test_admin_edits_the_eligibility_policy(client, auth, make_user):
    make_user(Role.ADMIN, email="admin@example.org")
    auth.login("admin@example.org", PASSWORD)
    response = client.post(
        "/staff/settings/eligibility",
        data={
            "min_monthly_unique_visitors": "30000",
            "min_newsletter_subscribers": "",
            "min_print_circulation": "10000",
            "blocked_domains": "https://www.spam.example/\ncontent-farm.example",
            "required_fields": ["region"],
        },
    )
    assert response.status_code == 302
    policy = settings.eligibility_policy()
    assert policy.min_monthly_unique_visitors == 30_000
    assert policy.min_newsletter_subscribers is None
    assert policy.blocked_domains == ["content-farm.example", "spam.example"]
    assert policy.required_fields == ["region"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EligibilityPolicy)) >= 1


def test_reading_the_default_eligibility_policy_writes_nothing(client, auth, make_user):
    make_user(Role.ADMIN, email="admin@example.org")
    auth.login("admin@example.org", PASSWORD)
    response = client.get("/staff/settings/eligibility")
    assert response.status_code == 200
    assert b"no admin has saved a policy yet" in response.data
    policy = settings.eligibility_policy()
    assert policy.min_monthly_unique_visitors == 100_000
    assert policy not in db.session
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EligibilityPolicy)) == 0


def test_new_policy_changes_the_next_recommendation(make_user):
    admin = make_user(Role.ADMIN)
    settings.update_eligibility_policy(
        actor=admin,
        min_monthly_unique_visitors=10_000,
        min_newsletter_subscribers=None,
        min_print_circulation=None,
        blocked_domains=["blocked.example"],
        required_fields=[],
    )
    data = _application("Blocked", ["www.blocked.example"], 50_000)
    partner = partners.apply(data)
    assert partner.recommendation["decision"] == "reject"
    assert partner.recommendation["reasons"][0].startswith("domain blocked.example is blocked")


def test_service_refuses_changed_terms():
    with pytest.raises(DomainError, match="terms changed"):
        partners.apply(_application("T", ["t.example"], 1, terms_version_id=-1))


def test_members_see_keys_but_only_administrators_manage_them(
    client, auth, make_partner, make_user, make_api_key
):
    partner = make_partner()
    make_user(Role.PARTNER, partner=partner, email="member@p.example")
    key, _ = make_api_key(partner)
    auth.login("member@p.example", PASSWORD)
    page = client.get("/portal/keys")
    assert page.status_code == 200 and key.label in page.text
    assert "Create key" not in page.text and "an administrator of your account" in page.text
    assert client.post("/portal/keys", data={"label": "Mine"}).status_code == 403
    assert client.post(f"/portal/keys/{key.id}/revoke").status_code == 403
    db.session.refresh(key)
    assert key.revoked_at is None


def test_members_cannot_issue_or_revoke_the_feed_token(client, auth, make_partner, make_user):
    partner = make_partner()
    member = make_user(Role.PARTNER, partner=partner, email="member@p.example")
    auth.login("member@p.example", PASSWORD)
    assert "An administrator of your account issues" in client.get("/portal/feeds").text
    assert client.post("/portal/feeds/token").status_code == 403
    assert client.post("/portal/feeds/token/revoke").status_code == 403
    with pytest.raises(Forbidden):
        feeds.issue_feed_token(partner, actor=member)
    with pytest.raises(Forbidden):
        apikeys.create_key(member, "Scripted")
