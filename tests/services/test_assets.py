"""Photos that really ship: stored by content hash, in the zip with their credit, or flagged."""

from __future__ import annotations

import io
import json
import zipfile

from syndication.extensions import db
from syndication.ingest.drafts import AssetDraft
from syndication.models import Role
from syndication.services import assets, packages
from tests.factories import PASSWORD
from tests.ingest.test_images import image_bytes
from tests.packaging import newsml_errors, ninjs_errors

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
    ninjs, newsml = files.read("article.ninjs.json"), files.read("article.newsml.xml")
    assert ninjs_errors(ninjs) == [] and newsml_errors(newsml) == []
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
