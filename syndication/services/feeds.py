"""Partner feeds: RSS 2.0, Atom and JSON Feed 1.1 of the articles a partner holds grants for.

The writers are pure and live in :mod:`syndication.packaging.feeds`. Here a
partner's live grants are gathered, each item's HTML is built with the grant's
frozen terms, and the revocable feed token that lets feed readers in without
a header is kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import Flask

from syndication import packaging
from syndication.extensions import db
from syndication.models import (
    Article,
    Grant,
    GrantStatus,
    Partner,
    PartnerStatus,
    User,
)
from syndication.models.base import utcnow
from syndication.packaging import fields
from syndication.packaging.feeds import FORMATS, Feed, FeedItem, Tombstone
from syndication.security import hash_api_key
from syndication.services import audit, package_sources, packages, settings, worker_memory
from syndication.services.errors import DomainError, Forbidden, write_conflicts_as
from syndication.services.worker_memory import WorkerMemory

FEED_LIMIT = 50
# Megabytes of rendered feeds one worker keeps (FEED_MEMORY_MB overrides).
DEFAULT_FEED_MEMORY_MB = 16
TOKEN_PREFIX = "sdf_"


# --- gathering a partner's feed ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderedFeed:
    data: bytes
    media_type: str
    etag: str
    last_modified: datetime


def live_grants(partner_id: int, *, now: datetime, limit: int | None = None) -> list[sa.Row]:
    """The partner's active, unexpired grants, one per article (its newest), newest first.

    Each row is a grant's id with what its item is made from: the licence id,
    the frozen terms' hash and the article's content version.
    """
    newest_per_article = (
        sa.select(sa.func.max(Grant.id))
        .where(
            Grant.partner_id == partner_id,
            Grant.valid_from <= now,
            *Grant.live_at(now),
        )
        .group_by(Grant.article_id)
    )
    return list(
        db.session.execute(
            sa.select(Grant.id, Grant.licence_id, Grant.terms_hash, Article.content_version)
            .join(Article, Article.id == Grant.article_id)
            .where(Grant.id.in_(newest_per_article))
            .order_by(Grant.created_at.desc(), Grant.id.desc())
            .limit(FEED_LIMIT if limit is None else limit)
        )
    )


def _feed_html(inp: packaging.PackageInput) -> str:
    """The paste-ready article.html snippet under the grant's terms for feed output.

    The snapshot freezes terms per output format, and the rules have a "feed"
    format of their own (by default it carries the tracking pixel, which a CMS
    importing the entry publishes with it). So the article.html builder runs with the
    feed terms in place of the HTML ones; the bytes are cached by content hash
    like every package file.
    """
    formats = inp.terms["formats"]
    if "feed" in formats:
        inp = dataclasses.replace(
            inp, terms={**inp.terms, "formats": {**formats, "html": formats["feed"]}}
        )
    key = packaging.package_key(inp, ("article.html",)) + "-feed-article.html"
    return packages.cached_bytes(key, lambda: packaging.FILES["article.html"].build(inp)).decode()


def _item(source: package_sources.Source) -> FeedItem:
    inp = source.package_input()
    article = inp.article
    return FeedItem(
        # The article's own URI, as ninjs and NewsML-G2 give it; the link is the article.
        id=fields.facts(inp, "feed").identifier,
        title=article.headline,
        url=article.canonical_url,
        content_html=_feed_html(inp),
        summary=article.dek or article.summary,
        authors=article.bylines,
        published=article.first_published,
        updated=article.updated_at,
        tags=article.tags,
        language=article.language or "en",
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Withdrawn entries stay in the feed as tombstones this long, so every reader polls one.
TOMBSTONE_DAYS = 30


def _tombstones(partner_id: int, now: datetime) -> tuple[Tombstone, ...]:
    """The partner's grants revoked lately (takedowns, revocations), as withdrawn entries."""
    org_url = settings.organisation().website_url
    rows = db.session.execute(
        sa.select(
            Article.id,
            sa.func.coalesce(Article.published_at, Article.created_at),
            Grant.revoked_at,
            Grant.revoked_public_reason,
        )
        .join(Article, Article.id == Grant.article_id)
        .where(
            Grant.partner_id == partner_id,
            Grant.status == GrantStatus.REVOKED,
            Grant.revoked_at > now - timedelta(days=TOMBSTONE_DAYS),
        )
        .order_by(Grant.revoked_at.desc())
    ).all()
    return tuple(
        Tombstone(
            # The same id the entry had while it was live (see _item).
            id=fields.article_uri(org_url, str(article_id), _aware(published)),
            when=_aware(when),
            comment=f"Withdrawn: {reason}" if reason else "Withdrawn.",
        )
        for article_id, published, when, reason in rows
    )


def _grant_changes(partner_id: int, now: datetime) -> tuple[datetime | None, ...]:
    """When the partner's newest grant was issued, the latest revoked and the latest expired."""
    return tuple(
        db.session.execute(
            sa.select(
                sa.func.max(Grant.created_at),
                sa.func.max(Grant.revoked_at),
                sa.func.max(sa.case((Grant.valid_until <= now, Grant.valid_until))),
            ).where(Grant.partner_id == partner_id)
        ).one()
    )


def _last_change(
    partner: Partner, items: tuple[FeedItem, ...], changes: tuple[datetime | None, ...]
) -> datetime:
    """When the feed last changed: a grant issued, revoked or expired, or a revision made."""
    stamps = [partner.created_at, *(item.updated for item in items)]
    stamps += [stamp for stamp in changes if stamp is not None]
    # The aggregates may come back naive from some drivers; every stored time is UTC.
    return max(s if s.tzinfo else s.replace(tzinfo=UTC) for s in stamps)


class RememberedFeed(NamedTuple):
    """A rendered feed and the fingerprint of everything it was made from."""

    fingerprint: tuple
    feed: RenderedFeed


def memory_of(app: Flask) -> WorkerMemory[RememberedFeed]:
    """The feeds this worker rendered, FEED_MEMORY_MB in size."""
    return worker_memory.memory_of(
        app,
        "feed_memory",
        megabytes=app.config.get("FEED_MEMORY_MB", DEFAULT_FEED_MEMORY_MB),
        size_of=lambda entry: len(entry.feed.data),
    )


def partner_feed(
    partner: Partner,
    fmt: str,
    *,
    self_url: str,
    remembered: WorkerMemory[RememberedFeed] | None = None,
) -> RenderedFeed:
    """The partner's feed in ``fmt`` ("rss", "atom" or "json"), with its ETag and Last-Modified.

    A partner that is not approved (suspended, terminated) gets a Forbidden.
    Feed readers poll: with ``remembered``, a feed whose fingerprint (the
    live grants with their licence, terms and article versions, when grants
    were last issued, revoked or expired, the partner and the organisation) is
    unchanged since this worker rendered it is answered from memory, after
    two queries instead of a full render.
    """
    if fmt not in FORMATS:
        raise DomainError(f"Unknown feed format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if partner.status is not PartnerStatus.APPROVED:
        raise Forbidden(f"Your partnership is {partner.status.value}; its feeds are closed.")
    now = utcnow()
    org = settings.organisation()
    live = live_grants(partner.id, now=now)
    changes = _grant_changes(partner.id, now)
    # Read before the content: a change landing in between makes the next request rebuild.
    fingerprint = (
        partner.name,
        partner.created_at,
        org.name,
        org.website_url,
        org.licensing_email,
        tuple(tuple(row) for row in live),
        changes,
    )
    key = (partner.id, fmt, self_url)
    if remembered is not None:
        entry = remembered.get(key)
        if entry is not None and entry.fingerprint == fingerprint:
            return entry.feed
    ids = [row.id for row in live]
    sources = package_sources.for_grants(ids, partner.id)
    items = tuple(_item(sources[grant_id]) for grant_id in ids)
    home = org.website_url
    tombstones = _tombstones(partner.id, now)
    feed = Feed(
        id=f"{home.rstrip('/')}/syndication/partners/{partner.id}/feed",
        title=f"{org.name}: articles for {partner.name}",
        description=(
            f"The articles {partner.name} holds a grant for, newest grant first, with the "
            "footer and credit of each grant applied."
        ),
        home_url=home,
        self_url=self_url,
        publisher=org.name,
        updated=_last_change(partner, items, changes),
        items=items,
        tombstones=tombstones,
    )
    data = FORMATS[fmt].write(feed)
    rendered = RenderedFeed(
        data=data,
        media_type=FORMATS[fmt].media_type,
        etag=hashlib.sha256(data).hexdigest(),
        last_modified=feed.updated,
    )
    if remembered is not None:
        remembered.put(key, RememberedFeed(fingerprint, rendered))
    return rendered


# --- feed tokens -------------------------------------------------------------------------


def _commit_partner_change() -> None:
    with write_conflicts_as("Your partnership was changed at the same moment; try again."):
        db.session.commit()


def _check_admin(partner: Partner, actor: User | None) -> None:
    """A feed token opens the partner's feeds to anyone holding it: administrators only.

    ``actor`` None is the system itself (scripts, staff tools), which may.
    """
    if actor is not None and not (actor.is_partner_admin and actor.partner_id == partner.id):
        raise Forbidden("Only administrators of your partner account can manage its feed token.")


def issue_feed_token(partner: Partner, *, actor: User | None = None) -> str:
    """A new feed token for the partner, replacing any old one; returned here and never again.

    Only its hash is stored (as for API keys), so a lost token is replaced, not recovered.
    """
    _check_admin(partner, actor)
    if partner.status is not PartnerStatus.APPROVED:
        raise DomainError("Only approved partners can have a feed token.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    replaced = partner.feed_token_hash is not None
    partner.feed_token_hash = hash_api_key(token)
    audit.record(actor, "feed_token_issued", partner, replaced=replaced)
    _commit_partner_change()
    return token


def revoke_feed_token(partner: Partner, *, actor: User | None = None) -> bool:
    """Stop the partner's feed token working at once; False when there was none."""
    _check_admin(partner, actor)
    if partner.feed_token_hash is None:
        return False
    partner.feed_token_hash = None
    audit.record(actor, "feed_token_revoked", partner)
    _commit_partner_change()
    return True


def partner_for_feed_token(token: str) -> Partner | None:
    """The partner whose live feed token this is (whatever its status); else None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    return db.session.scalar(
        sa.select(Partner).where(Partner.feed_token_hash == hash_api_key(token))
    )
