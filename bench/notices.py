"""A takedown fanned out to many holders: the time to write every delivery.

Run from the project root: ``python bench/notices.py`` (``--holders N`` changes the
10,000; ``--postgresql URL`` uses that database, dropped and re-migrated, instead of a
SQLite file). Redis db 5 holds the queue (``--redis``), emptied before and after.

Setup: N approved partners, each holding a grant on one article (rows copied in
bulk from one real grant). Then, each measured in the same run:

1. the floor: one INSERT of N bare notice_deliveries rows (what writing the
   deliveries must cost at least);
2. ``services.notices.create(..., "takedown")``: the notice, every grant revoked,
   one delivery per holder, its email job and (where a webhook is set, here none)
   its webhook event, committed in one transaction; then, apart, the time until
   every job id has been handed to the queue (after the commit).

Target (issue 18): under 2 s for 10,000 holders, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # bench/http.py must not shadow the standard library's http

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.orm import Session

from config import TestingConfig
from syndication import create_app
from syndication.extensions import db
from syndication.ingest.drafts import ArticleDraft
from syndication.models import (
    ArticleRequest,
    Grant,
    Notice,
    NoticeDelivery,
    NoticeKind,
    OutletType,
    Partner,
    PartnerStatus,
    PartnerTier,
    RequestStatus,
    Role,
    SyndicationPolicy,
)
from syndication.models.base import utcnow
from syndication.services import articles, grants, notices, users
from syndication.tasks import queue_of

TARGET_SECONDS = 2.0


def make_app(database_url: str, queue_url: str):
    config = type(
        "BenchConfig",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TASK_QUEUE_URL": queue_url,
            "TASK_QUEUE_NAME": "bench-notices",
        },
    )
    app = create_app(config)
    queue_of(app).flush()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
    return app


def holders(n: int):
    """N partners holding a grant on one article; returns (article id, staff user)."""
    staff = users.create_user("bench@example.org", Role.STAFF, password="bench-password-1")
    article = articles.import_draft(
        ArticleDraft(headline="A story every partner took", body_html="<p>Text.</p>"),
        policy=SyndicationPolicy.FREE_ELIGIBLE,
        release=True,
    ).article
    now = utcnow()
    db.session.execute(
        sa.insert(Partner),
        [
            {
                "name": f"Outlet {i}",
                "website": f"https://outlet{i}.example",
                "outlet_type": OutletType.NEWSPAPER,
                "contact_name": "Editor",
                "contact_email": f"editor@outlet{i}.example",
                "monthly_unique_visitors": 100_000,
                "status": PartnerStatus.APPROVED,
                "tier": PartnerTier.STANDARD,
                "created_at": now,
            }
            for i in range(n)
        ],
    )
    ids = db.session.scalars(sa.select(Partner.id).order_by(Partner.id)).all()
    request = ArticleRequest(
        batch="bench", partner_id=ids[0], article=article, status=RequestStatus.GRANTED
    )
    db.session.add(request)
    db.session.flush()
    model = grants.issue_grant(request, actor=None)
    db.session.flush()
    columns = {c.name: getattr(model, c.key) for c in Grant.__table__.columns}
    db.session.execute(
        sa.insert(Grant),
        [
            {
                **columns,
                "id": None,
                "partner_id": pid,
                "licence_id": f"SD-B-{pid}",
                "request_id": None,
            }
            for pid in ids[1:]
        ],
    )
    db.session.commit()
    return article.id, staff


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=10_000)
    parser.add_argument("--postgresql", default="")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgresql or f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = make_app(url, args.redis)
        with app.app_context():
            article_id, staff = holders(args.holders)
            # The floor: the deliveries alone, in one INSERT.
            floor_notice = Notice(article_id=article_id, kind=NoticeKind.UPDATE, title="floor")
            db.session.add(floor_notice)
            db.session.flush()
            partner_ids = db.session.scalars(sa.select(Partner.id)).all()
            started = time.perf_counter()
            db.session.execute(
                sa.insert(NoticeDelivery),
                [
                    {"notice_id": floor_notice.id, "partner_id": p, "created_at": utcnow()}
                    for p in partner_ids
                ],
            )
            db.session.commit()
            floor = time.perf_counter() - started

            # The deliveries are written when the transaction commits; handing their ids
            # to the queue comes after (the after-commit hook), timed apart.
            committed: list[float] = []

            def at_commit(session) -> None:
                committed.append(time.perf_counter())

            sa.event.listen(Session, "after_commit", at_commit, insert=True)
            started = time.perf_counter()
            notice = notices.create(
                article_id,
                "takedown",
                actor=staff,
                note="Withdrawn after a legal complaint.",
                record_reason="Bench.",
            )
            took = time.perf_counter() - started
            sa.event.remove(Session, "after_commit", at_commit)
            written = committed[-1] - started
            reached = db.session.scalar(
                sa.select(sa.func.count()).where(NoticeDelivery.notice_id == notice.id)
            )
            revoked = db.session.scalar(
                sa.select(sa.func.count()).where(Grant.revoked_notice_id == notice.id)
            )
        queue_of(app).flush()
    print(f"database: {sa.make_url(url).get_backend_name()}, holders: {args.holders:,}")
    print(f"floor (one INSERT of bare deliveries): {floor:.3f} s")
    counts = f"{reached:,} deliveries, {revoked:,} grants revoked"
    print(f"takedown written to every holder (committed): {written:.3f} s ({counts})")
    print(f"  and every job handed to the queue: {took:.3f} s")
    verdict = "met" if written < TARGET_SECONDS else "NOT met"
    print(
        f"ratio to the floor: {written / floor:.1f}x; "
        f"target under {TARGET_SECONDS:.0f} s to write: {verdict}"
    )


if __name__ == "__main__":
    main()
