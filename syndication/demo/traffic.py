"""Demo readership: a few partners' grants and three weeks of pixel hits on their copies,
so the reports, copies and flags of a fresh demo show something.

The hits take the pixel's own way in: each is buffered by ``pixels.record_hit`` with
its time in the past, then written by the hit flush, which classifies it (bots,
prefetches, editor previews and repeats do not count), adds it to the roll-ups, finds
the copy from its page address and flags a copy on a domain that is not the
partner's. Ended months are then folded as the hourly task folds them. Kept apart
from the catalogue (loader.py), which the browser tests start from.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from syndication.extensions import db
from syndication.models import (
    Article,
    ArticleRequest,
    DailyGrantViews,
    IntakeState,
    Partner,
    PartnerStatus,
    RequestStatus,
    SyndicationPolicy,
)
from syndication.models.base import utcnow
from syndication.services import grants, pixels, view_months
from syndication.templating import plural

PARTNERS = 3
ARTICLES_EACH = 4
DAYS = 21
READER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _grants(now: datetime) -> list:
    """Grants of a few free articles to the first approved partners, issued DAYS ago."""
    partners = db.session.scalars(
        sa.select(Partner)
        .where(Partner.status == PartnerStatus.APPROVED)
        .order_by(Partner.id)
        .limit(PARTNERS)
    ).all()
    stories = db.session.scalars(
        sa.select(Article)
        .where(
            Article.policy == SyndicationPolicy.FREE_ELIGIBLE,
            Article.intake == IntakeState.RELEASED,
            Article.embargo_until.is_(None),
        )
        .order_by(Article.id)
        .limit(ARTICLES_EACH + PARTNERS)
    ).all()
    issued = now - timedelta(days=DAYS)
    made = []
    for n, partner in enumerate(partners):
        for article in stories[n : n + ARTICLES_EACH]:
            request = ArticleRequest(
                batch=str(uuid.uuid4()),
                partner=partner,
                article=article,
                status=RequestStatus.GRANTED,
                created_at=issued,
            )
            db.session.add(request)
            db.session.flush()
            made.append(grants.issue_grant(request, actor=None, now=issued))
    return made


def load_traffic(now: datetime | None = None) -> list[str]:
    """Grants and DAYS of hits on their copies, once; what was added."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(DailyGrantViews)):
        return ["demo readership already loaded"]
    now = now or utcnow()
    made = _grants(now)
    db.session.commit()
    rng = random.Random(19)
    hits = 0
    # The flush below writes what is buffered; no flusher thread of this process races it.
    interval = current_app.config["PIXEL_FLUSH_INTERVAL"]
    current_app.config["PIXEL_FLUSH_INTERVAL"] = 0
    try:
        for rank, grant in enumerate(made):
            token = pixels.pixel_url(grant.id).rsplit("/", 1)[-1].removesuffix(".gif")
            domain = grant.partner.domains[0].domain
            page = f"https://{domain}/news/{grant.article.slug}"
            for age in range(DAYS, 0, -1):
                # A story is read most in its first days, and some stories more than others.
                readers = int(60 / (rank % ARTICLES_EACH + 1) / (1 + (DAYS - age) / 3))
                for _ in range(rng.randint(readers // 2, readers + 1)):
                    at = now - timedelta(days=age, seconds=rng.randint(0, 86_399))
                    agent, referrer, purpose = READER, page, ""
                    roll = rng.random()
                    if roll < 0.15:
                        agent = CRAWLER
                    elif roll < 0.20:
                        purpose = "prefetch"
                    elif roll < 0.23 and rank % 5 == 0:
                        referrer = f"https://mirror-news.example/copy/{grant.article.slug}"
                    pixels.record_hit(
                        token,
                        referrer=referrer,
                        remote_addr=f"203.0.113.{rng.randint(1, 254)}",
                        user_agent=agent,
                        sec_purpose=purpose,
                        now=at,
                    )
                    hits += 1
        pixels.flush(now=now)
    finally:
        current_app.config["PIXEL_FLUSH_INTERVAL"] = interval
    view_months.fold(now=now)
    return [f"{plural(len(made), 'grant')} read {plural(hits, 'time')} over {DAYS} days"]
