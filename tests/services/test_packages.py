"""Downloading packages: only with a usable grant, cached, conditional, logged, signed links."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import Download, GrantStatus, Role
from syndication.rules.snapshot import snapshot_hash
from syndication.services import packages
from tests.factories import PASSWORD, source_of


def test_seed_package_unzipped_shows_the_footer_no_promo_and_matching_hashes(
    seed_grant, seed_footer
):
    built = packages.build(source_of(seed_grant))
    archive = zipfile.ZipFile(io.BytesIO(built.data))
    files = {name: archive.read(name) for name in archive.namelist()}
    assert files["article.txt"].rstrip(b"\n").endswith(seed_footer.encode())
    for name, data in files.items():
        assert b"(RELATED:" not in data, name
    manifest = json.loads(files["manifest.json"])
    listed = {
        entry["path"] if "path" in entry else entry["name"]: entry for entry in manifest["files"]
    }
    for name, entry in listed.items():
        assert hashlib.sha256(files[name]).hexdigest() == entry["sha256"], name
        assert len(files[name]) == entry["size"]
    assert manifest["grant"]["id"] == str(seed_grant.id)
    assert manifest["rule_set_version"] == seed_grant.rule_set.version
    # The hash the grant stored when it froze its terms is the hash of those terms.
    assert manifest["terms_sha256"] == seed_grant.terms_hash == snapshot_hash(seed_grant.terms)


def test_second_build_reuses_the_cached_bytes(seed_grant, app):
    first = packages.build(source_of(seed_grant))
    cached = sorted(
        p.name
        for p in __import__("pathlib").Path(app.config["PACKAGE_CACHE_DIR"]).glob(f"{first.key}*")
    )
    assert cached == [f"{first.key}.bin"]
    assert packages.build(source_of(seed_grant)).data == first.data


def test_partner_downloads_with_etag_and_gets_304_next_time(client, auth, seed_grant):
    auth.login("ed@p.example", PASSWORD)
    url = f"/portal/grants/{seed_grant.id}/download/bundle"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Length"] == str(len(response.data))
    assert "attachment; filename=" in response.headers["Content-Disposition"]
    etag = response.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    logged = db.session.scalars(sa.select(Download)).all()
    assert {d.format for d in logged} == {"bundle"}
    assert logged[0].user_id is not None and logged[0].package_hash


def test_single_file_download(client, auth, seed_grant, seed_footer):
    auth.login("ed@p.example", PASSWORD)
    response = client.get(f"/portal/grants/{seed_grant.id}/download/article.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.data.rstrip(b"\n").endswith(seed_footer.encode())


def test_another_partners_grant_is_not_found(client, auth, seed_grant, make_partner, make_user):
    other = make_partner()
    make_user(Role.PARTNER, partner=other, email="them@o.example")
    auth.login("them@o.example", PASSWORD)
    assert client.get(f"/portal/grants/{seed_grant.id}/download/bundle").status_code == 404


def test_revoked_and_expired_grants_are_refused_with_a_message(client, auth, seed_grant):
    auth.login("ed@p.example", PASSWORD)
    url = f"/portal/grants/{seed_grant.id}/download/bundle"
    seed_grant.valid_until = datetime.now(UTC) - timedelta(days=1)
    seed_grant.valid_from = seed_grant.valid_until - timedelta(days=10)
    db.session.commit()
    expired = client.get(url)
    assert expired.status_code == 403 and "expired" in expired.text
    seed_grant.valid_until = None
    seed_grant.status = GrantStatus.REVOKED
    db.session.commit()
    revoked = client.get(url)
    assert revoked.status_code == 410 and "revoked" in revoked.text


def test_api_download_with_a_key(client, seed_grant, make_api_key):
    _, secret = make_api_key(seed_grant.partner)
    response = client.get(
        f"/api/v1/grants/{seed_grant.id}/package?format=article.ninjs.json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    assert "Kuleba and Lavrov" in json.dumps(json.loads(response.data))
    download = db.session.scalar(sa.select(Download))
    assert download.api_key_id is not None and download.format == "article.ninjs.json"


def test_emailed_signed_link_downloads_without_login_and_expires(
    app, client, auth, seed_grant, mailbox
):
    auth.login("ed@p.example", PASSWORD)
    assert client.post(f"/portal/grants/{seed_grant.id}/email-link").status_code == 302
    body = mailbox.to("ed@p.example")[0].get_body(("plain",)).get_content()
    path = "/download/" + body.split("/download/", 1)[1].split()[0]
    client.post("/logout")
    assert client.get(path).status_code == 200
    app.config["DOWNLOAD_LINK_MAX_AGE"] = -1
    try:
        assert client.get(path).status_code == 403
    finally:
        app.config["DOWNLOAD_LINK_MAX_AGE"] = 3 * 24 * 3600
    assert client.get("/download/forged-token").status_code == 404


def test_multi_article_bundle_streams_one_folder_per_article(
    client, auth, seed_grant, make_article, make_grant
):
    second = make_grant(seed_grant.partner, make_article())
    auth.login("ed@p.example", PASSWORD)
    response = client.post("/portal/bundle", data={"grant_id": [seed_grant.id, second.id]})
    assert response.status_code == 200
    assert response.is_streamed
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    folders = {name.split("/")[0] for name in archive.namelist() if "/" in name}
    assert len(folders) == 2
    assert "manifest.json" in archive.namelist()
    assert "multi-bundle" in client.get("/portal/downloads").text


def test_cli_builds_a_package(runner, seed_grant, tmp_path):
    result = runner.invoke(
        args=[
            "packages",
            "build",
            str(seed_grant.article_id),
            "--partner",
            str(seed_grant.partner_id),
            "--out",
            str(tmp_path),
        ]
    )
    assert result.exit_code == 0, result.output
    (written,) = tmp_path.glob("*.zip")
    assert zipfile.is_zipfile(written)


def test_cli_refuses_without_a_grant(runner, make_article, make_partner):
    result = runner.invoke(
        args=["packages", "build", str(make_article().id), "--partner", str(make_partner().id)]
    )
    assert result.exit_code != 0
    assert "holds no active grant" in result.output
