"""Photos that really ship: stored by content hash, in the zip with their credit, or flagged."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.ingest.drafts import AssetDraft
from syndication.models import Job, Role
from syndication.policy.jobs import JobState
from syndication.services import assets, jobs, packages
from syndication.tasks import JOB_KINDS
from tests.factories import PASSWORD
from tests.ingest.test_images import image_bytes
from tests.packaging import newsml_errors, ninjs_errors
from tests.receivers import Answer

PHOTO = AssetDraft(
    url="https://ourpaper.example/photos/harbour.png",
    caption="The harbour at dawn",
    credit="Photo: Ada Lens / Our Paper",
    rights_holder="Our Paper",
    mime_type="image/png",
    syndicatable=True,
)


def _article_with_photo(make_article):
    body = '<p>Text.</p><img src="https://ourpaper.example/photos/harbour.png" alt="Harbour">'
    return make_article(body_html=body, assets=[PHOTO])


def _staff(client, auth, make_user):
    make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)


def test_a_syndicatable_photo_without_its_file_is_flagged_on_the_article_page(
    client, auth, make_user, make_article
):
    _staff(client, auth, make_user)
    article = _article_with_photo(make_article)
    page = client.get(f"/staff/articles/{article.id}").text
    assert "No file stored: this image cannot ship" in page


def test_an_uploaded_photo_ships_in_the_zip_with_its_credit_everywhere(
    client, auth, make_user, make_article, make_partner, make_grant
):
    _staff(client, auth, make_user)
    article = _article_with_photo(make_article)
    (asset,) = article.assets
    png = image_bytes("PNG", (16, 9))
    response = client.post(
        f"/staff/articles/{article.id}/assets/{asset.id}/file",
        data={"file": (io.BytesIO(png), "harbour.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(asset)
    assert assets.read(asset.sha256) == png
    assert "No file stored" not in client.get(f"/staff/articles/{article.id}").text

    grant = make_grant(make_partner(), article)
    built = packages.build(packages.usable(grant.id, grant.partner_id))
    files = zipfile.ZipFile(io.BytesIO(built.data))
    assert files.read("images/harbour.png") == png
    assert PHOTO.credit in files.read("images/CREDITS.txt").decode()
    manifest = json.loads(files.read("manifest.json"))
    assert "images/harbour.png" in json.dumps(manifest)
    # The manifest names the photo by the hash it was stored under: its bytes' own.
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert listed["images/harbour.png"]["sha256"] == hashlib.sha256(png).hexdigest()
    ninjs, newsml = files.read("article.ninjs.json"), files.read("article.newsml.xml")
    assert ninjs_errors(ninjs, files=files.namelist()) == [] and newsml_errors(newsml) == []
    assert PHOTO.credit in ninjs.decode(), "ninjs"
    assert PHOTO.credit in newsml.decode(), "newsml"


def test_a_file_that_is_not_the_image_it_claims_is_refused_in_the_form(
    client, auth, make_user, make_article
):
    _staff(client, auth, make_user)
    article = _article_with_photo(make_article)
    (asset,) = article.assets
    response = client.post(
        f"/staff/articles/{article.id}/assets/{asset.id}/file",
        data={"file": (io.BytesIO(b"<script>alert(1)</script>"), "x.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "not an image Pillow can read" in response.text
    db.session.refresh(asset)
    assert not asset.sha256


def test_an_asset_of_another_article_is_not_found(client, auth, make_user, make_article):
    _staff(client, auth, make_user)
    article, other = _article_with_photo(make_article), _article_with_photo(make_article)
    response = client.post(
        f"/staff/articles/{article.id}/assets/{other.assets[0].id}/file",
        data={"file": (io.BytesIO(image_bytes()), "x.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404


# --- images fetched from their URL by a worker, through the outbound client ---------


def _photo_at(make_article, url: str):
    photo = AssetDraft(url=url, credit="Photo: Ada Lens", mime_type="image/png", syndicatable=True)
    article = make_article(body_html=f'<p>Text.</p><img src="{url}" alt="Harbour">', assets=[photo])
    return article, article.assets[0]


def _fetch_job(asset_id: int) -> Job:
    return next(
        job
        for job in db.session.scalars(sa.select(Job).where(Job.kind == assets.FETCH_JOB))
        if job.payload["asset_id"] == asset_id
    )


@pytest.fixture
def strict_outbound(app):
    """The production rule for this test: loopback refused like any private address."""
    app.config["OUTBOUND_ALLOW_LOOPBACK"] = False
    app.extensions.pop("syndication.outbound", None)
    yield
    app.config["OUTBOUND_ALLOW_LOOPBACK"] = True
    app.extensions.pop("syndication.outbound", None)


def test_an_imported_photo_is_fetched_by_the_worker_and_ships(
    http_receiver, worker, make_article, make_partner, make_grant
):
    png = image_bytes("PNG", (16, 9))
    http_receiver.answers = [Answer(200, png, {"Content-Type": "image/png"})]
    article, asset = _photo_at(make_article, http_receiver.url("/photos/harbour.png"))
    assert asset.sha256 is None
    worker.drain()
    db.session.refresh(asset)
    assert assets.read(asset.sha256) == png
    assert http_receiver.received[0].path == "/photos/harbour.png"
    assert http_receiver.received[0].headers["accept"] == "image/*"
    grant = make_grant(make_partner(), article)
    files = zipfile.ZipFile(
        io.BytesIO(packages.build(packages.usable(grant.id, grant.partner_id)).data)
    )
    assert files.read("images/harbour.png") == png


def test_a_photo_url_on_a_private_address_is_refused_and_staff_see_why(
    client, auth, make_user, strict_outbound, http_receiver, worker, make_article
):
    article, asset = _photo_at(make_article, http_receiver.url("/photo.png"))
    worker.drain()
    assert http_receiver.received == []
    db.session.refresh(asset)
    assert asset.sha256 is None and "not a public address" in asset.fetch_error
    assert _fetch_job(asset.id).state is JobState.FAILED  # no retry can fix it
    _staff(client, auth, make_user)
    page = client.get(f"/staff/articles/{article.id}").text
    assert "No file stored: this image cannot ship" in page
    assert "not a public address" in page


def test_a_page_that_is_not_an_image_is_refused_without_retrying(
    http_receiver, worker, make_article
):
    http_receiver.answers = [Answer(200, b"<html>login</html>", {"Content-Type": "image/png"})]
    _, asset = _photo_at(make_article, http_receiver.url("/photo.png"))
    worker.drain()
    db.session.refresh(asset)
    assert asset.sha256 is None and asset.fetch_error
    assert _fetch_job(asset.id).state is JobState.FAILED


def test_a_busy_image_host_is_tried_again_after_its_retry_after(
    http_receiver, worker, make_article
):
    png = image_bytes("PNG", (8, 8))
    http_receiver.answers = [
        Answer(503, b"busy", {"Retry-After": "600"}),
        Answer(200, png, {"Content-Type": "image/png"}),
    ]
    _, asset = _photo_at(make_article, http_receiver.url("/photo.png"))
    job = _fetch_job(asset.id)
    first = job.run_at
    assert jobs.run(job.id, JOB_KINDS, now=first) is JobState.QUEUED
    db.session.refresh(job)
    # The host asked for ten minutes; the policy's first backoff is shorter.
    assert job.run_at - first >= timedelta(seconds=600)
    assert jobs.run(job.id, JOB_KINDS, now=job.run_at) is JobState.DONE
    db.session.refresh(asset)
    assert assets.read(asset.sha256) == png
    assert len(http_receiver.received) == 2


def test_staff_can_ask_for_a_failed_fetch_again(
    client, auth, make_user, http_receiver, worker, make_article
):
    http_receiver.answers = [Answer(404, b"gone")]
    article, asset = _photo_at(make_article, http_receiver.url("/photo.png"))
    worker.drain()
    db.session.refresh(asset)
    assert "404" in asset.fetch_error
    _staff(client, auth, make_user)
    http_receiver.answers = [Answer(200, image_bytes("PNG", (4, 4)), {"Content-Type": "image/png"})]
    response = client.post(f"/staff/articles/{article.id}/assets/{asset.id}/fetch")
    assert response.status_code == 302
    worker.drain()
    db.session.refresh(asset)
    assert asset.sha256 and asset.fetch_error == ""


def test_a_stored_file_survives_a_reimport_of_its_article(http_receiver, worker, make_article):
    png = image_bytes("PNG", (16, 9))
    http_receiver.answers = [Answer(200, png, {"Content-Type": "image/png"})]
    article, asset = _photo_at(make_article, http_receiver.url("/photo.png"))
    worker.drain()
    db.session.refresh(asset)  # the worker stored the file in a session of its own
    from syndication.ingest.drafts import ArticleDraft
    from syndication.services import articles

    url = asset.url
    draft = ArticleDraft(
        headline=article.headline + " (updated)",
        body_html=article.body_html + "<p>More.</p>",
        source_id=article.source_id,
        assets=[AssetDraft(url=url, mime_type="image/png", syndicatable=True)],
    )
    result = articles.import_draft(draft)
    assert result.revised
    (again,) = result.article.assets
    assert assets.read(again.sha256) == png
    assert len(http_receiver.received) == 1  # not fetched again
