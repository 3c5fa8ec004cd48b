"""Concurrent requests for one article by one partner make one grant and no error.

Runs on the separate database (real commits, real concurrent connections), on
SQLite and on PostgreSQL alike: the unique indexes decide, the loser is answered
with the winner's grant, and SQLite writers wait their turn instead of failing.
"""

from __future__ import annotations

import threading
import uuid

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import ApiKey, Grant, Origin, Partner, Role, SyndicationPolicy, User
from syndication.security import new_api_key
from syndication.services import articles, importing, partners


def committed_partner_and_article(app, *, headline: str = "Contested story") -> tuple[int, int]:
    """An approved partner and a released free article, committed: (partner id, article id)."""
    from tests.services.test_partners import _application

    with app.app_context():
        staff = User(email=f"desk-{uuid.uuid4().hex[:8]}@example.org", role=Role.STAFF)
        db.session.add(staff)
        db.session.commit()
        name = f"Racing Outlet {uuid.uuid4().hex[:8]}"
        partner = partners.apply(_application(name, [f"{name.split()[-1]}.example"], 900_000))
        partners.decide(partner.id, "approve", actor=staff, expected_version=partner.version)
        draft = importing.ArticleDraft(
            headline=f"{headline} {uuid.uuid4().hex}", body_html="<p>Everyone wants it.</p>"
        )
        article = articles.import_draft(
            draft, origin=Origin.ORIGINAL, policy=SyndicationPolicy.FREE_ELIGIBLE, release=True
        ).article
        return partner.id, article.id


def _partner_and_article(app) -> tuple[str, int]:
    partner_id, article_id = committed_partner_and_article(app)
    with app.app_context():
        secret, prefix, digest = new_api_key()
        db.session.add(ApiKey(partner_id=partner_id, label="CMS", prefix=prefix, key_hash=digest))
        db.session.commit()
        return secret, article_id


def test_twenty_concurrent_requests_make_one_grant_and_no_server_error(separate_app):
    secret, article_id = _partner_and_article(separate_app)
    barrier = threading.Barrier(20)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def ask() -> None:
        client = separate_app.test_client()
        barrier.wait()
        response = client.post(
            "/api/v1/requests",
            json={"article_ids": [article_id]},
            headers={"Authorization": f"Bearer {secret}"},
        )
        with lock:
            answers.append((response.status_code, response.get_json(silent=True) or {}))

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _ in answers)
    assert len(answers) == 20
    assert all(status == 201 for status in statuses), statuses
    granted = {body["items"][0]["grant_id"] for _, body in answers}
    with separate_app.app_context():
        rows = db.session.scalars(sa.select(Grant).where(Grant.article_id == article_id)).all()
        assert len(rows) == 1
        # Every answer, the winner's and the losers', names the one grant.
        assert granted == {rows[0].id}
        partner = db.session.get(Partner, rows[0].partner_id)
        assert partner is not None
