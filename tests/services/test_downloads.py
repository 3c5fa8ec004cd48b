"""Remembered downloads: the session and the grant are checked on every request,
and a remembered package is never served once anything it is built from changed."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import Asset, Download, Role, User
from syndication.models.base import utcnow
from syndication.policy.lifecycle import Status
from syndication.services import downloads, settings
from syndication.services.worker_memory import WorkerMemory
from tests.factories import PASSWORD


@pytest.fixture
def download(client, auth, seed_grant):
    """Log the seed grant's partner user in; a function fetching one format of the grant."""
    downloads.memory_of(client.application).clear()
    auth.login("ed@p.example", PASSWORD)

    def get(fmt: str = "bundle"):
        return client.get(f"/portal/grants/{seed_grant.id}/download/{fmt}")

    return get


def _manifest(response) -> dict:
    return json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("manifest.json"))


def test_a_repeat_download_is_remembered_and_still_logged(download, source_loads):
    first = download()
    source_loads.clear()
    again = download()
    assert again.status_code == 200 and again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    assert source_loads == []  # served from memory: nothing rebuilt or re-read
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Download)) == 2


def test_a_correction_reaches_the_next_download(download, seed_article, correct):
    before = download()
    correct(seed_article, "<p>A corrected body.</p>")
    after = download("article.txt")
    assert b"A corrected body." in after.data
    assert download().headers["ETag"] != before.headers["ETag"]


def test_an_asset_flag_change_reaches_the_next_download(
    client, auth, make_article, make_partner, make_user, make_grant
):
    image = "https://img.example/own.jpg"
    article = make_article(
        body_html=f'<p>Text.</p><figure><img src="{image}" alt="A photo"></figure><p>More.</p>'
    )
    article.assets.append(Asset(url=image, caption="Our photo", credit="Staff", syndicatable=True))
    db.session.commit()
    partner = make_partner()
    make_user(Role.PARTNER, partner=partner, email="pics@p.example")
    grant = make_grant(partner, article)
    auth.login("pics@p.example", PASSWORD)
    url = f"/portal/grants/{grant.id}/download/article.html"
    assert image.encode() in client.get(url).data
    article.assets[0].syndicatable = False
    db.session.commit()
    assert image.encode() not in client.get(url).data


def test_partner_and_organisation_changes_reach_the_next_download(download, seed_grant):
    first = _manifest(download())
    seed_grant.partner.name = "Renamed Gazette"
    db.session.commit()
    renamed = download()
    assert _manifest(renamed) != first
    org = settings.stored_organisation()
    org.name = "Renamed Newsroom"
    db.session.commit()
    assert b"Renamed Newsroom" in download("LICENSE.txt").data


def test_revoking_after_a_remembered_download_refuses_at_once(download, seed_grant):
    assert download().status_code == 200
    seed_grant.status = seed_grant.status.REVOKED
    db.session.commit()
    refused = download()
    assert refused.status_code == 410 and "revoked" in refused.text


def test_a_remembered_download_checks_the_session_and_the_grant_and_logs_who_and_what(
    download, seed_grant, statements
):
    first = download()
    statements.clear()
    again = download()
    assert again.status_code == 200 and again.data == first.data
    # One statement checks the session and the grant with its fingerprint and writes
    # the log row: no user loaded, nothing rebuilt or re-read.
    assert len(statements) == 1
    assert statements[0].startswith("INSERT INTO downloads") and "FROM grants" in statements[0]
    assert "login_sessions" in statements[0]
    rows = db.session.scalars(sa.select(Download).order_by(Download.id)).all()
    assert len(rows) == 2
    user = db.session.scalar(sa.select(User).where(User.email == "ed@p.example"))
    for row in rows:
        assert (row.grant_id, row.partner_id, row.user_id) == (
            seed_grant.id,
            seed_grant.partner_id,
            user.id,
        )
        assert row.package_hash == again.headers["ETag"].strip('"')[:64]
        assert (row.format, row.size, row.api_key_id) == ("bundle", len(again.data), None)


def test_another_user_of_the_partner_is_logged_as_themselves(
    client, auth, download, seed_grant, make_user
):
    download()
    colleague = make_user(Role.PARTNER, partner=seed_grant.partner, email="co@p.example")
    auth.logout()
    auth.login("co@p.example", PASSWORD)
    assert client.get(f"/portal/grants/{seed_grant.id}/download/bundle").status_code == 200
    latest = db.session.scalar(sa.select(Download).order_by(Download.id.desc()).limit(1))
    assert latest.user_id == colleague.id


def test_an_expired_grant_is_refused_after_a_remembered_download(download, seed_grant):
    assert download().status_code == 200
    seed_grant.valid_from = utcnow() - timedelta(days=2)
    seed_grant.valid_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    refused = download()
    assert refused.status_code == 403 and "expired" in refused.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Download)) == 1


def test_staff_are_refused_a_package_a_partner_had_remembered(
    client, auth, download, seed_grant, make_user
):
    assert download().status_code == 200
    make_user(Role.STAFF, email="desk@example.org")
    auth.logout()
    auth.login("desk@example.org", PASSWORD)
    assert client.get(f"/portal/grants/{seed_grant.id}/download/bundle").status_code == 403


@pytest.mark.parametrize("change", ["suspend", "session_version", "deactivate"])
def test_an_ended_session_is_sent_to_log_in(download, seed_grant, change):
    assert download().status_code == 200
    user = db.session.scalar(sa.select(User).where(User.email == "ed@p.example"))
    if change == "suspend":
        seed_grant.partner.status = Status.SUSPENDED
    elif change == "session_version":
        user.session_version += 1
    else:
        user.active = False
    db.session.commit()
    response = download()
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Download)) == 1


def test_staff_get_403_and_anonymous_visitors_go_to_log_in(client, auth, seed_grant, make_user):
    url = f"/portal/grants/{seed_grant.id}/download/bundle"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    assert client.get(url).status_code == 403


def test_an_unknown_format_is_refused_before_anything_else(download):
    response = download("article.exe")
    assert response.status_code == 400 and "Unknown format" in response.text


def test_the_memory_is_bounded_by_bytes():
    memory = WorkerMemory(max_bytes=1000, size_of=len)
    memory.put("a", b"x" * 600)
    memory.put("b", b"y" * 600)  # evicts "a": both do not fit
    assert memory.get("a") is None and memory.get("b") == b"y" * 600
    memory.put("huge", b"x" * 5000)
    assert memory.get("huge") is None


def test_api_downloads_share_the_memory_and_see_changes(
    client, seed_grant, seed_article, make_api_key, correct, source_loads
):
    downloads.memory_of(client.application).clear()
    key, secret = make_api_key(seed_grant.partner)
    url = f"/api/v1/grants/{seed_grant.id}/package?format=article.txt"
    headers = {"Authorization": f"Bearer {secret}"}
    first = client.get(url, headers=headers)
    source_loads.clear()
    assert client.get(url, headers=headers).data == first.data
    assert source_loads == []
    correct(seed_article, "<p>Corrected through the API.</p>", headline="Kuleba and Lavrov")
    assert b"Corrected through the API." in client.get(url, headers=headers).data
    logged = db.session.scalars(sa.select(Download)).all()
    assert len(logged) == 3 and {d.api_key_id for d in logged} == {key.id}


def test_api_download_of_another_partners_grant_is_not_found(
    client, seed_grant, make_partner, make_api_key
):
    _, secret = make_api_key(make_partner())
    response = client.get(
        f"/api/v1/grants/{seed_grant.id}/package", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_a_remember_me_cookie_alone_still_downloads(client, seed_grant):
    response = client.post(
        "/login", data={"email": "ed@p.example", "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    client.delete_cookie("session")  # the browser was closed: only remember_token is left
    assert client.get_cookie("remember_token") is not None
    download = client.get(f"/portal/grants/{seed_grant.id}/download/bundle")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert db.session.scalar(sa.select(Download.user_id)) is not None


@pytest.mark.parametrize("action", ["take down the article", "suspend the partner"])
def test_a_remembered_api_download_is_refused_once_staff_act(
    client, seed_grant, make_api_key, make_user, action
):
    # What `make loadtest` measures across two servers: the memory holds the package, the
    # database says no, and the database wins at the very next request.
    from syndication.services import notices, partners

    downloads.memory_of(client.application).clear()
    _, secret = make_api_key(seed_grant.partner)
    url = f"/api/v1/grants/{seed_grant.id}/package"
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(url, headers=headers).status_code == 200
    assert client.get(url, headers=headers).status_code == 200  # answered from memory
    staff = make_user(Role.STAFF)
    if action == "take down the article":
        notices.create(
            seed_grant.article_id, "takedown", actor=staff, note="Gone.", record_reason="Legal."
        )
        expected = 410
    else:
        partner = seed_grant.partner
        partners.decide(
            partner.id, "suspend", actor=staff, expected_version=partner.version, reason="Terms."
        )
        expected = 403
    refused = client.get(url, headers=headers)
    assert refused.status_code == expected
    assert refused.mimetype == "application/problem+json"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Download)) == 2
