"""A partner's system reads one ninjs version: the partner (or staff for it) chooses it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from syndication import packaging
from syndication.extensions import db
from syndication.models import AuditEvent, Role
from syndication.services import packages, partners
from syndication.services.errors import DomainError
from tests.factories import PASSWORD, source_of
from tests.packaging import ninjs_errors, ninjs_reader


@pytest.fixture
def holder(make_partner, make_user, make_article, make_grant):
    partner = make_partner()
    admin = make_user(Role.PARTNER, partner=partner, partner_admin=True, email="it@p.example")
    grant = make_grant(
        partner, make_article(headline="Caf\u00e9 owners \u2014 \u201cwe stay\u201d")
    )
    return partner, admin, grant


def _ninjs(client, grant) -> bytes:
    response = client.get(f"/portal/grants/{grant.id}/download/article.ninjs.json")
    assert response.status_code == 200
    return response.data


def test_packages_carry_ninjs_2_2_until_the_partner_chooses_another_version(holder) -> None:
    partner, admin, grant = holder
    assert partner.ninjs_version == "2.2"
    before = packages.build(source_of(grant), "article.ninjs.json")
    assert ninjs_reader.read(before.data).version_of_standard == "2.2"
    partners.set_ninjs_version(partner, "1.6", actor=admin)
    after = packages.build(source_of(grant), "article.ninjs.json")
    # Another profile, another package: the cache key includes it.
    assert after.key != before.key
    assert after.data.isascii() and ninjs_errors(after.data, "1.6") == []
    story = ninjs_reader.read(after.data)
    assert story.version_of_standard == "1.6"
    assert story.headline == "Caf\u00e9 owners \u2014 \u201cwe stay\u201d"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "ninjs_version_set"))
    assert event.data == {"previous": "2.2", "version": "1.6"}


def test_only_known_versions_and_only_the_partners_admin_or_staff_may_choose(
    holder, make_user, make_partner
) -> None:
    partner, admin, _ = holder
    with pytest.raises(DomainError, match=r"1\.6, 2\.2, 3\.1"):
        partners.set_ninjs_version(partner, "4.0", actor=admin)
    member = make_user(Role.PARTNER, partner=partner)
    outsider = make_user(Role.PARTNER, partner=make_partner(), partner_admin=True)
    for who in (member, outsider):
        with pytest.raises(DomainError):
            partners.set_ninjs_version(partner, "3.1", actor=who)
    partners.set_ninjs_version(partner, "3.1", actor=make_user(Role.STAFF))
    assert partner.ninjs_version == "3.1"


def test_a_partner_admin_switches_the_portal_downloads_to_ninjs_3_1(client, auth, holder) -> None:
    _, _, grant = holder
    auth.login("it@p.example", PASSWORD)
    assert ninjs_reader.read(_ninjs(client, grant)).version_of_standard == "2.2"
    assert "ninjs 2.2" in client.get("/portal/keys").text
    response = client.post("/portal/keys/profile", data={"ninjs_version": "3.1"})
    assert response.status_code == 302
    # The worker remembered the 2.2 package: the profile is part of its fingerprint.
    data = _ninjs(client, grant)
    assert ninjs_reader.read(data).version_of_standard == "3.1"
    assert ninjs_errors(data, "3.1") == []
    refused = client.post("/portal/keys/profile", data={"ninjs_version": "9.9"})
    assert refused.status_code == 302
    assert ninjs_reader.read(_ninjs(client, grant)).version_of_standard == "3.1"


def test_staff_choose_the_version_for_a_partner_on_its_page(
    client, auth, holder, make_user
) -> None:
    partner, _, grant = holder
    make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    assert "Package format" in client.get(f"/staff/partners/{partner.id}").text
    response = client.post(f"/staff/partners/{partner.id}/profile", data={"ninjs_version": "1.6"})
    assert response.status_code == 302
    db.session.refresh(partner)
    assert partner.ninjs_version == "1.6"
    assert source_of(grant).package_input().profile == "1.6"
    assert packaging.FILES["article.ninjs.json"].build(source_of(grant).package_input()).isascii()
