"""The tracking pixel counts views of republished copies, per grant."""

from __future__ import annotations

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import PixelHit
from syndication.services import pixels


def test_pixel_counts_a_view_of_the_grant(client, make_partner, make_article, make_grant):
    grant = make_grant(make_partner(), make_article())
    url = pixels.pixel_url(grant.id)
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, headers={"Referer": "https://outlet.example/story"})
    assert response.status_code == 200
    assert response.mimetype == "image/gif"
    assert response.headers["Cache-Control"].startswith("no-store")
    hit = db.session.scalar(sa.select(PixelHit))
    assert hit.grant_id == grant.id
    assert hit.referrer == "https://outlet.example/story"
    assert len(hit.visitor_hash) == 64


def test_forged_pixel_is_served_but_not_counted(client):
    response = client.get("/px/not-a-real-token.gif")
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PixelHit)) == 0
