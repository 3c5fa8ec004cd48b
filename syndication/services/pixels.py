"""The tracking pixel in republished copies: a signed URL per grant, hits counted."""

from __future__ import annotations

import base64
import hashlib

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from syndication.extensions import db
from syndication.models import PixelHit
from syndication.services import mail

PIXEL_SALT = "tracking-pixel"
# The smallest transparent GIF: 1x1, one colour.
PIXEL_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=PIXEL_SALT)


def pixel_url(grant_id: int) -> str:
    """The absolute URL of a grant's pixel; signed, so hits cannot be forged per grant id."""
    return mail.external_url("public.pixel", token=_serializer().dumps(grant_id))


def record_hit(token: str, *, referrer: str, remote_addr: str, user_agent: str) -> bool:
    """Count one view of a republished copy; False for a forged or unknown token."""
    try:
        grant_id = _serializer().loads(token)
    except BadSignature:
        return False
    # Enough to tell visitors apart for counting, nothing that identifies a reader.
    visitor = hashlib.sha256(
        f"{current_app.config['SECRET_KEY']}|{remote_addr}|{user_agent}".encode()
    ).hexdigest()
    # A single INSERT (no read first): pixels are the busiest write there is.
    db.session.add(PixelHit(grant_id=grant_id, referrer=referrer[:1000], visitor_hash=visitor))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # A validly signed token for a grant that was deleted since.
        db.session.rollback()
        return False
    return True
