"""What packages are built from, read with a few plain queries instead of ORM objects.

A cached download is the busiest thing partners do, and loading ORM objects
(grant, partner, article, every revision, assets, tags) was most of its time.
Here the grant, its partner, the article, its current revision and the
organisation come back as one row, assets and tags in one query each, and go
straight into the packagers' plain data. The preview of an article (no grant)
reads the same way, so both share one converter.

Each revision's body forms (``packaging.forms``) are stored with it, made when
the revision is and again when its assets change (:func:`store_forms`). They
are read once per revision however many grants are built from it; forms that
no longer fit the assets, or that were never made (revisions older than
them), are made in memory for the read, and stored by :func:`fill_forms`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from posixpath import basename
from typing import Any

import orjson
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
from syndication.packaging import forms as revision_forms
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
    """A grant's state, and what its current revision's package is made from under its terms.

    The grant's terms and ODRL stay the JSON text the database holds until
    :meth:`package_input` reads them: parsed, they are a few dozen containers per
    grant, and a batch of a thousand held them for the garbage collector to walk
    again and again while the packages were built one by one.
    """

    grant: GrantState
    article: packaging.ArticleRevision
    organisation: packaging.Organisation
    assets: tuple[packaging.AssetInput, ...]
    forms: packaging.RevisionForms
    facts: packaging.GrantFacts
    terms_json: str
    odrl_json: str | None
    terms_hash: str | None
    tracking_pixel_url: str
    profile: str

    def package_input(self) -> packaging.PackageInput:
        """A new package input of the grant (each call reads its terms again: keep it)."""
        inp = packaging.PackageInput(
            article=self.article,
            terms=orjson.loads(self.terms_json),
            grant=self.facts,
            organisation=self.organisation,
            odrl=orjson.loads(self.odrl_json) if self.odrl_json is not None else None,
            tracking_pixel_url=self.tracking_pixel_url,
            assets=self.assets,
            status="canceled" if self.grant.status is GrantStatus.REVOKED else "usable",
            profile=self.profile,
            forms=self.forms,
        )
        if self.terms_hash:
            inp.remember_terms_hash(self.terms_hash)
        return inp


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
    _revisions.c.id.label("revision_id"),
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


# A grant row holds only the grant's own values: its article's revision (body and all)
# is read once however many grants of it are built (a correction's ten thousand).
_ANY_PARTNERS_GRANTS = (
    sa.select(
        *GRANT_STATE_COLUMNS,
        # As the JSON text stored: Source reads it when the package is built.
        sa.cast(_grants.c.terms, sa.Text).label("terms_json"),
        sa.cast(_grants.c.odrl, sa.Text).label("odrl_json"),
        _grants.c.terms_hash,
    )
    .select_from(_grants)
    .join(_partners, _partners.c.id == _grants.c.partner_id)
    .where(_grants.c.id.in_(sa.bindparam("grant_ids", expanding=True)))
)
_GRANTS = _ANY_PARTNERS_GRANTS.where(_grants.c.partner_id == sa.bindparam("partner_id"))

_ARTICLES = _with_article(
    sa.select(
        _articles.c.id.label("article_id"), *_ARTICLE_COLUMNS, *ORGANISATION_COLUMNS
    ).select_from(_articles)
).where(_articles.c.id.in_(sa.bindparam("article_ids", expanding=True)))
# The same with each revision's stored body forms, for building packages.
_ARTICLES_WITH_FORMS = _ARTICLES.add_columns(_revisions.c.forms)
_STORE_FORMS = (
    sa.update(_revisions)
    .where(_revisions.c.id == sa.bindparam("revision_id"))
    .values(forms=sa.bindparam("stored_forms"))
)
# Current revisions whose forms were never made (made before forms were stored).
_WITHOUT_FORMS = (
    sa.select(_articles.c.id)
    .join(
        _revisions,
        sa.and_(
            _revisions.c.article_id == _articles.c.id,
            _revisions.c.number == _articles.c.current_revision,
        ),
    )
    .where(_revisions.c.forms.is_(None))
    .order_by(_articles.c.id)
    .limit(sa.bindparam("limit"))
)

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


def named(row: Any) -> str:
    """The file name in an asset's address ("" when it has none)."""
    return basename(row.url.split("?", 1)[0])


def asset_input(row: Any) -> packaging.AssetInput:
    """An asset row (or Asset) as the packagers take it, with its stored file if ours."""
    return packaging.AssetInput(
        filename=named(row) or f"image-{row.id}",
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
        assets[row.article_id].append(asset_input(row))
    return tags, assets


def _forms(row: Any, pictures: tuple[packaging.AssetInput, ...]) -> packaging.RevisionForms:
    """The body forms of the revision of an article row read with its stored ``forms``.

    Stored forms made from another state of the assets (or by another packager
    version) are made again here for this read, not stored: a read stays a read.
    """
    key = revision_forms.forms_key(row.body_html, pictures)
    forms = revision_forms.loads(row.forms, row.body_html) if row.forms else None
    if forms is None or forms.key != key:
        forms = revision_forms.revision_forms(row.body_html, pictures)
    return forms


def store_forms(article_ids: Iterable[int]) -> int:
    """Make and store the body forms of these articles' current revisions (the caller commits).

    For whatever changes what they are made from apart from a new revision: an
    image's file stored, a picture marked as ours or not. Returns how many.
    """
    ids = sorted(set(article_ids))
    if not ids:
        return 0
    rows = db.session.execute(_ARTICLES, {"article_ids": ids}).all()
    _, assets = _extras(ids)
    values = [
        {
            "revision_id": row.revision_id,
            "stored_forms": stored_forms(row.body_html, tuple(assets[row.article_id])),
        }
        for row in rows
    ]
    if values:
        db.session.execute(_STORE_FORMS, values)
    return len(values)


def stored_forms(body_html: str, assets: tuple[packaging.AssetInput, ...]) -> str:
    """The body forms of a revision with these assets, as its ``forms`` column holds them."""
    made = revision_forms.revision_forms(body_html, assets)
    return revision_forms.dumps(made, body_html).decode()


def fill_forms(limit: int = 500) -> int:
    """Store the forms of up to ``limit`` current revisions that have none yet (and commit).

    Revisions made before forms were stored get them here, a batch at a time,
    so that no download has to make them; until then reads make them in memory.
    """
    article_ids = db.session.scalars(_WITHOUT_FORMS, {"limit": limit}).all()
    filled = store_forms(article_ids)
    db.session.commit()
    return filled


def for_grants(grant_ids: Iterable[int], partner_id: int | None) -> dict[int, Source]:
    """The partner's grants among these ids, with what their packages are made from (a
    :class:`Source` each); others are absent.

    ``partner_id`` None reads any partner's grants: for staff and the system
    (a bench, checks of copies), never for a partner's request. Four queries
    whatever the number of grants: the grants, their articles (current revision,
    its stored forms and the organisation), tags, assets. Each article's revision
    is read, and its forms loaded, once, shared by every grant of it. Sources are
    made whatever the grants' state: callers decide whether a grant may be used.
    """
    ids = sorted(set(grant_ids))
    if not ids:
        return {}
    if partner_id is None:
        rows = db.session.execute(_ANY_PARTNERS_GRANTS, {"grant_ids": ids}).all()
    else:
        rows = db.session.execute(_GRANTS, {"grant_ids": ids, "partner_id": partner_id}).all()
    article_ids = sorted({row.article_id for row in rows})
    if not article_ids:
        return {}
    tags, assets = _extras(article_ids)
    # Per article: (revision, organisation, assets, forms), shared by its grants.
    shared = {}
    for row in db.session.execute(_ARTICLES_WITH_FORMS, {"article_ids": article_ids}):
        pictures = tuple(assets[row.article_id])
        shared[row.article_id] = (
            _revision(row, tags[row.article_id]),
            _organisation(row),
            pictures,
            _forms(row, pictures),
        )
    sources = {}
    for row in rows:
        if row.article_id not in shared:  # no current revision: nothing to package
            continue
        revision, organisation, pictures, forms = shared[row.article_id]
        sources[row.grant_id] = Source(
            grant=grant_state(row, headline=revision.headline),
            article=revision,
            organisation=organisation,
            assets=pictures,
            forms=forms,
            facts=packaging.GrantFacts(
                grant_id=str(row.grant_id),
                licence_id=row.licence_id,
                partner_name=row.partner_name,
                partner_id=str(row.partner_id),
            ),
            terms_json=row.terms_json,
            odrl_json=row.odrl_json,
            terms_hash=row.terms_hash,
            tracking_pixel_url=pixels.pixel_url(row.grant_id),
            profile=row.ninjs_version,
        )
    return sources


def for_article(
    article_id: int,
) -> tuple[packaging.ArticleRevision, packaging.Organisation, tuple[packaging.AssetInput, ...]]:
    """An article's current revision, the organisation and the article's assets, as packaged."""
    row = db.session.execute(_ARTICLES, {"article_ids": [article_id]}).one()
    tags, assets = _extras([article_id])
    return _revision(row, tags[article_id]), _organisation(row), tuple(assets[article_id])
