"""What packages are built from, read with a few plain queries instead of ORM objects.

A cached download is the busiest thing partners do, and loading ORM objects
(grant, partner, article, every revision, assets, tags) was most of its time.
Here the grant, its partner, the article, its current revision and the
organisation come back as one row, assets and tags in one query each, and go
straight into the packagers' plain data. The preview of an article (no grant)
reads the same way, so both share one converter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from posixpath import basename
from typing import Any

import sqlalchemy as sa

from syndication import packaging
from syndication.extensions import db
from syndication.models import (
    Article,
    ArticleRevision,
    ArticleTag,
    Asset,
    Grant,
    GrantStatus,
    OrganisationSettings,
    Partner,
    PartnerStatus,
)
from syndication.services import assets, pixels, settings


@dataclass(frozen=True, slots=True)
class GrantState:
    """The facts about a grant that decide whether it may be used now."""

    id: int
    licence_id: str
    partner_id: int
    article_id: int
    status: GrantStatus
    valid_until: datetime | None
    partner_status: PartnerStatus
    headline: str
    revoked_public_reason: str = ""
    revoked_notice_id: int | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """A grant's state and the package input its current revision makes under its terms."""

    grant: GrantState
    input: packaging.PackageInput


# Plain tables rather than the mapped classes, and statements built once with
# bound parameters: SQLAlchemy then skips the ORM's compile step and reuses
# each statement's cache key instead of working it out per call.
_articles = Article.__table__
_revisions = ArticleRevision.__table__
_org = OrganisationSettings.__table__
_grants = Grant.__table__
_partners = Partner.__table__
_tags = ArticleTag.__table__
_assets = Asset.__table__

# The organisation row (left-joined on id 1): its name and addresses are in every package.
ORGANISATION_COLUMNS = (
    _org.c.name.label("org_name"),
    _org.c.website_url.label("org_url"),
    _org.c.licensing_email.label("org_email"),
)

# A grant joined to its partner: what decides whether it may be used now.
GRANT_STATE_COLUMNS = (
    _grants.c.id.label("grant_id"),
    _grants.c.licence_id,
    _grants.c.partner_id,
    _grants.c.article_id,
    _grants.c.status,
    _grants.c.valid_until,
    _grants.c.revoked_public_reason,
    _grants.c.revoked_notice_id,
    _partners.c.name.label("partner_name"),
    _partners.c.status.label("partner_status"),
    _partners.c.ninjs_version,
)

_ARTICLE_COLUMNS = (
    _articles.c.canonical_url,
    _articles.c.dateline,
    _articles.c.section,
    _articles.c.language,
    _articles.c.published_at,
    _articles.c.created_at.label("article_created_at"),
    _articles.c.word_count,
    _articles.c.rights_holder,
    _articles.c.public_note,
    _articles.c.public_note_kind,
    _revisions.c.number.label("revision_number"),
    _revisions.c.headline,
    _revisions.c.dek,
    _revisions.c.bylines,
    _revisions.c.body_html,
    _revisions.c.summary,
    _revisions.c.created_at.label("revision_created_at"),
)


def _with_article(select: sa.Select) -> sa.Select:
    """Join the current revision and (left) the organisation row onto a select of articles."""
    return select.join(
        _revisions,
        sa.and_(
            _revisions.c.article_id == _articles.c.id,
            _revisions.c.number == _articles.c.current_revision,
        ),
    ).outerjoin(_org, _org.c.id == 1)


_GRANTS = _with_article(
    sa.select(
        *GRANT_STATE_COLUMNS,
        _grants.c.terms,
        _grants.c.odrl,
        *_ARTICLE_COLUMNS,
        *ORGANISATION_COLUMNS,
    )
    .select_from(_grants)
    .join(_partners, _partners.c.id == _grants.c.partner_id)
    .join(_articles, _articles.c.id == _grants.c.article_id)
).where(
    _grants.c.id.in_(sa.bindparam("grant_ids", expanding=True)),
    _grants.c.partner_id == sa.bindparam("partner_id"),
)

_ARTICLE = _with_article(
    sa.select(
        _articles.c.id.label("article_id"), *_ARTICLE_COLUMNS, *ORGANISATION_COLUMNS
    ).select_from(_articles)
).where(_articles.c.id == sa.bindparam("article_id"))

_TAGS = (
    sa.select(_tags.c.article_id, _tags.c.tag)
    .where(_tags.c.article_id.in_(sa.bindparam("article_ids", expanding=True)))
    .order_by(_tags.c.article_id, _tags.c.tag)
)

_ASSETS = (
    sa.select(_assets)
    .where(_assets.c.article_id.in_(sa.bindparam("article_ids", expanding=True)))
    .order_by(_assets.c.article_id, _assets.c.position, _assets.c.id)
)


def grant_state(row: Any, *, headline: str = "") -> GrantState:
    """The GrantState of a row selected with GRANT_STATE_COLUMNS."""
    return GrantState(
        id=row.grant_id,
        licence_id=row.licence_id,
        partner_id=row.partner_id,
        article_id=row.article_id,
        status=row.status,
        valid_until=row.valid_until,
        partner_status=row.partner_status,
        headline=headline,
        revoked_public_reason=row.revoked_public_reason or "",
        revoked_notice_id=row.revoked_notice_id,
    )


def _organisation(row: Any) -> packaging.Organisation:
    if row.org_name is None:  # no settings row yet: the defaults, stored on first use
        org = settings.organisation()
        return packaging.Organisation(
            name=org.name, url=org.website_url, licensing_email=org.licensing_email
        )
    return packaging.Organisation(name=row.org_name, url=row.org_url, licensing_email=row.org_email)


def _revision(row: Any, tags: Sequence[str]) -> packaging.ArticleRevision:
    return packaging.ArticleRevision(
        article_id=str(row.article_id),
        revision=row.revision_number,
        headline=row.headline,
        body_html=row.body_html,
        updated_at=row.revision_created_at,
        canonical_url=row.canonical_url,
        dek=row.dek,
        bylines=tuple(row.bylines),
        dateline=row.dateline,
        section=row.section,
        tags=tuple(tags),
        language=row.language,
        published_at=row.published_at,
        created_at=row.article_created_at,
        summary=row.summary,
        word_count=row.word_count,
        rights_holder=row.rights_holder,
        public_note=row.public_note,
        public_note_kind=row.public_note_kind,
    )


def _asset(row: Any) -> packaging.AssetInput:
    return packaging.AssetInput(
        filename=basename(row.url.split("?", 1)[0]) or f"image-{row.id}",
        # The stored file (services.assets), or None: then the package carries the credit only.
        data=assets.read(row.sha256) if row.syndicatable else None,
        mime_type=row.mime_type or "image/jpeg",
        caption=row.caption,
        credit=row.credit,
        rights_holder=row.rights_holder,
        syndicatable=row.syndicatable,
        sha256=row.sha256 or "",
        source_url=row.url,
    )


def _extras(
    article_ids: Iterable[int],
) -> tuple[Mapping[int, list[str]], Mapping[int, list[packaging.AssetInput]]]:
    """Tags and assets of the articles, in the order the packages list them."""
    ids = sorted(set(article_ids))
    tags: defaultdict[int, list[str]] = defaultdict(list)
    assets: defaultdict[int, list[packaging.AssetInput]] = defaultdict(list)
    if not ids:
        return tags, assets
    for article_id, tag in db.session.execute(_TAGS, {"article_ids": ids}):
        tags[article_id].append(tag)
    for row in db.session.execute(_ASSETS, {"article_ids": ids}):
        assets[row.article_id].append(_asset(row))
    return tags, assets


def for_grants(grant_ids: Iterable[int], partner_id: int) -> dict[int, Source]:
    """The partner's grants among these ids, with their package inputs; others are absent.

    Three queries whatever the number of grants. The inputs are built whatever
    the grants' state: callers decide whether a grant may be used.
    """
    ids = sorted(set(grant_ids))
    if not ids:
        return {}
    rows = db.session.execute(_GRANTS, {"grant_ids": ids, "partner_id": partner_id}).all()
    tags, assets = _extras(row.article_id for row in rows)
    sources = {}
    for row in rows:
        state = grant_state(row, headline=row.headline)
        inp = packaging.PackageInput(
            article=_revision(row, tags[row.article_id]),
            terms=row.terms,
            grant=packaging.GrantFacts(
                grant_id=str(row.grant_id),
                licence_id=row.licence_id,
                partner_name=row.partner_name,
                partner_id=str(row.partner_id),
            ),
            organisation=_organisation(row),
            odrl=row.odrl,
            tracking_pixel_url=pixels.pixel_url(row.grant_id),
            assets=tuple(assets[row.article_id]),
            status="canceled" if state.status is GrantStatus.REVOKED else "usable",
            profile=row.ninjs_version,
        )
        sources[row.grant_id] = Source(state, inp)
    return sources


def for_article(
    article_id: int,
) -> tuple[packaging.ArticleRevision, packaging.Organisation, tuple[packaging.AssetInput, ...]]:
    """An article's current revision, the organisation and the article's assets, as packaged."""
    row = db.session.execute(_ARTICLE, {"article_id": article_id}).one()
    tags, assets = _extras([article_id])
    return _revision(row, tags[article_id]), _organisation(row), tuple(assets[article_id])
