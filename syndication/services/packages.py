"""Packages for grants: built from the database, cached by content hash, downloaded, logged."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from posixpath import basename

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from slugify import slugify
from sqlalchemy.orm import joinedload

from syndication import packaging
from syndication.extensions import db
from syndication.models import (
    ApiKey,
    Article,
    Download,
    Grant,
    GrantStatus,
    Partner,
    PartnerStatus,
    User,
)
from syndication.models.base import utcnow
from syndication.packaging.bundle import build_zip, stream_bundle
from syndication.rules.snapshot import terms_snapshot
from syndication.services import mail, pixels, rulesets, settings
from syndication.services.errors import DomainError, Forbidden, NotFound

BUNDLE = "bundle"
# What can be downloaded: the whole zip, or any single file of the package.
DOWNLOAD_FORMATS = (BUNDLE, *packaging.FILE_NAMES)
MEDIA_TYPES = {
    BUNDLE: "application/zip",
    "article.html": "text/html; charset=utf-8",
    "article.page.html": "text/html; charset=utf-8",
    "article.txt": "text/plain; charset=utf-8",
    "article.md": "text/markdown; charset=utf-8",
    "article.ninjs.json": "application/json",
    "article.newsml.xml": "application/vnd.iptc.g2.newsitem+xml",
    "article.jsonld": "application/ld+json",
    "LICENSE.txt": "text/plain; charset=utf-8",
}
LINK_SALT = "package-download"


@dataclass(frozen=True, slots=True)
class Built:
    key: str
    data: bytes
    filename: str
    media_type: str


def _revision(article: Article) -> packaging.ArticleRevision:
    revision = article.revisions[-1]
    return packaging.ArticleRevision(
        article_id=str(article.id),
        revision=revision.number,
        headline=revision.headline,
        body_html=revision.body_html,
        updated_at=revision.created_at,
        canonical_url=article.canonical_url,
        dek=revision.dek,
        bylines=tuple(revision.bylines),
        dateline=article.dateline,
        section=article.section,
        tags=tuple(article.tags),
        language=article.language,
        published_at=article.published_at,
        summary=revision.summary,
        word_count=article.word_count,
    )


def _assets(article: Article) -> tuple[packaging.AssetInput, ...]:
    return tuple(
        packaging.AssetInput(
            filename=basename(asset.url.split("?", 1)[0]) or f"image-{asset.id}",
            # Asset files are not stored yet: packages carry credits, not bytes.
            data=None,
            mime_type=asset.mime_type or "image/jpeg",
            caption=asset.caption,
            credit=asset.credit,
            rights_holder=asset.rights_holder,
            syndicatable=asset.syndicatable,
            sha256=asset.sha256 or "",
            source_url=asset.url,
        )
        for asset in article.assets
    )


def _organisation() -> packaging.Organisation:
    org = settings.organisation()
    return packaging.Organisation(
        name=org.name, url=org.website_url, licensing_email=org.licensing_email
    )


def package_input(grant: Grant) -> packaging.PackageInput:
    """Plain data for the packagers: the article's current revision under the grant's terms.

    Corrections made after the grant reach the partner; the terms never change.
    """
    return packaging.PackageInput(
        article=_revision(grant.article),
        terms=grant.terms,
        grant=packaging.GrantFacts(
            grant_id=str(grant.id),
            licence_id=grant.licence_id,
            partner_name=grant.partner.name,
            partner_id=str(grant.partner_id),
        ),
        organisation=_organisation(),
        odrl=grant.odrl,
        tracking_pixel_url=pixels.pixel_url(grant),
        assets=_assets(grant.article),
    )


def preview(article: Article, partner: Partner) -> bytes:
    """The paste-ready HTML a partner would get for an article under today's rules."""
    tier = partner.tier.value if partner.tier else "standard"
    now = utcnow()
    terms = terms_snapshot(
        rulesets.engine_rules(rulesets.current()),
        rulesets.article_facts(article),
        variables=rulesets.template_variables(
            article, partner_name=partner.name, partner_tier=tier, licence_id="PREVIEW"
        ),
        partner_tier=tier,
        now=now,
        licence_id="PREVIEW",
        rule_set_version=rulesets.current().version,
        valid_from=now,
    )
    inp = packaging.PackageInput(
        article=_revision(article),
        terms=terms,
        grant=packaging.GrantFacts(
            grant_id="preview",
            licence_id="PREVIEW",
            partner_name=partner.name,
            partner_id=str(partner.id),
        ),
        organisation=_organisation(),
        odrl={},
        tracking_pixel_url=None,
        assets=_assets(article),
    )
    return packaging.BUILDERS["article.html"](inp)


def _cache_dir() -> Path:
    configured = current_app.config.get("PACKAGE_CACHE_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "packages"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cached_bytes(key: str, build: Callable[[], bytes]) -> bytes:
    """The stored bytes for a key, building and storing them (atomically) on a miss."""
    path = _cache_dir() / f"{key}.bin"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = build()
    # Write then rename: a concurrent reader never sees half a file.
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
    return data


def _filename(grant: Grant, fmt: str) -> str:
    stem = slugify(grant.article.headline, max_length=60, word_boundary=True) or "article"
    if fmt == BUNDLE:
        return f"{stem}-{grant.licence_id}.zip"
    return f"{stem}-{fmt}"


def build(grant: Grant, fmt: str = BUNDLE) -> Built:
    """One grant's package (the zip) or one of its files, from the cache when possible."""
    if fmt not in DOWNLOAD_FORMATS:
        raise DomainError(f"Unknown format {fmt!r}; choose one of {', '.join(DOWNLOAD_FORMATS)}.")
    inp = package_input(grant)
    formats = packaging.FILE_NAMES if fmt == BUNDLE else (fmt,)
    key = packaging.package_key(inp, formats) + ("" if fmt == BUNDLE else f"-{fmt}")
    if fmt == BUNDLE:
        data = cached_bytes(key, lambda: build_zip(inp))
    else:
        data = cached_bytes(key, lambda: packaging.BUILDERS[fmt](inp))
    return Built(key, data, _filename(grant, fmt), MEDIA_TYPES[fmt])


def usable_grant(grant_id: int, partner_id: int) -> Grant:
    """The partner's grant, if it may be used now; otherwise a clear refusal.

    Another partner's grant is simply not found, so its existence is not revealed.
    """
    grant = db.session.scalar(
        sa.select(Grant)
        .where(Grant.id == grant_id, Grant.partner_id == partner_id)
        # Everything a package is built from, in one round of queries.
        .options(
            joinedload(Grant.partner),
            joinedload(Grant.article).selectinload(Article.revisions),
            joinedload(Grant.article).selectinload(Article.assets),
            joinedload(Grant.article).selectinload(Article.tag_rows),
        )
    )
    if grant is None:
        raise NotFound("No such grant.")
    if grant.status is GrantStatus.REVOKED:
        raise Forbidden(f"Grant {grant.licence_id} was revoked; this article may not be used.")
    if grant.valid_until is not None and grant.valid_until <= utcnow():
        raise Forbidden(
            f"Grant {grant.licence_id} expired on {grant.valid_until:%d %b %Y}; "
            "request the article again."
        )
    if grant.partner.status is not PartnerStatus.APPROVED:
        raise Forbidden(f"Your partnership is {grant.partner.status.value}.")
    return grant


def download(
    grant_id: int,
    partner_id: int,
    fmt: str = BUNDLE,
    *,
    user: User | None = None,
    api_key: ApiKey | None = None,
) -> Built:
    """Build (or reuse) and log one download of a grant's package."""
    grant = usable_grant(grant_id, partner_id)
    built = build(grant, fmt)
    record = Download(
        grant_id=grant.id,
        partner_id=partner_id,
        user_id=user.id if user else None,
        api_key_id=api_key.id if api_key else None,
        package_hash=built.key[:64],
        format=fmt,
        size=len(built.data),
    )
    _log([record])
    return built


def _log(records: list[Download]) -> None:
    """Record downloads in a transaction of their own.

    The read transaction ends first: on SQLite a transaction that read and then
    writes fails at once when another worker wrote meanwhile, whereas a write
    that starts its own transaction waits its turn (busy_timeout).
    """
    db.session.rollback()
    db.session.add_all(records)
    db.session.commit()


def stream_many(
    grant_ids: Iterable[int], partner_id: int, *, user: User | None = None
) -> tuple[str, Iterator[bytes]]:
    """A multi-article bundle of the partner's usable grants, streamed; each is logged."""
    ids = sorted(set(grant_ids))
    if not ids:
        raise DomainError("Choose at least one grant to download.")
    grants = [usable_grant(grant_id, partner_id) for grant_id in ids]
    # Inputs are made before streaming: the generator runs after the request's session.
    inputs = [package_input(grant) for grant in sorted(grants, key=lambda g: g.article_id)]
    user_id = user.id if user else None
    _log(
        [
            Download(
                grant_id=grant.id,
                partner_id=partner_id,
                user_id=user_id,
                package_hash="stream",
                format="multi-bundle",
            )
            for grant in grants
        ]
    )
    return f"syndication-bundle-{len(inputs)}-articles.zip", stream_bundle(inputs)


def downloads_of(partner_id: int, limit: int = 100) -> list[Download]:
    return list(
        db.session.scalars(
            sa.select(Download)
            .where(Download.partner_id == partner_id)
            .order_by(Download.created_at.desc(), Download.id.desc())
            .limit(limit)
        )
    )


def _links() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def signed_link(grant: Grant, fmt: str = BUNDLE) -> str:
    """A download link for email: works without logging in, expires after DOWNLOAD_LINK_MAX_AGE."""
    token = _links().dumps({"grant": grant.id, "partner": grant.partner_id, "fmt": fmt})
    return mail.external_url("public.signed_download", token=token)


def from_link(token: str) -> tuple[int, int, str]:
    """(grant id, partner id, format) of a valid link, or a DomainError saying why not."""
    try:
        data = _links().loads(token, max_age=current_app.config["DOWNLOAD_LINK_MAX_AGE"])
    except SignatureExpired as exc:
        raise Forbidden("This download link has expired; download from the portal.") from exc
    except BadSignature as exc:
        raise NotFound("This download link is not valid.") from exc
    return int(data["grant"]), int(data["partner"]), str(data["fmt"])
