"""Packages for grants: built from the database, cached by content hash, downloaded, logged."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from slugify import slugify

from syndication import packaging
from syndication.extensions import db
from syndication.models import (
    Article,
    Download,
    Grant,
    GrantStatus,
    Partner,
    PartnerStatus,
    User,
)
from syndication.models.base import sql_constant, utcnow
from syndication.packaging.bundle import build_zip, stream_bundle
from syndication.rules.snapshot import terms_snapshot
from syndication.services import mail, package_sources, pagination, rulesets, settings
from syndication.services.errors import DomainError, Forbidden, Gone, NotFound
from syndication.services.package_sources import GrantState, Source

BUNDLE = "bundle"
BUNDLE_MEDIA_TYPE = "application/zip"
# What can be downloaded: the whole zip, or any single file of the package.
DOWNLOAD_FORMATS = (BUNDLE, *packaging.FILE_NAMES)
LINK_SALT = "package-download"


@dataclass(frozen=True, slots=True)
class Built:
    key: str
    data: bytes
    filename: str
    media_type: str


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
    revision, organisation, assets = package_sources.for_article(article.id)
    inp = packaging.PackageInput(
        article=revision,
        terms=terms,
        grant=packaging.GrantFacts(
            grant_id="preview",
            licence_id="PREVIEW",
            partner_name=partner.name,
            partner_id=str(partner.id),
        ),
        organisation=organisation,
        odrl={},
        tracking_pixel_url=None,
        assets=assets,
    )
    return packaging.FILES["article.html"].build(inp)


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


@lru_cache(maxsize=4096)
def _slug(headline: str) -> str:
    # Slugifying is slow next to a cached download, and headlines repeat.
    return slugify(headline, max_length=60, word_boundary=True) or "article"


def _filename(grant: GrantState, fmt: str) -> str:
    stem = _slug(grant.headline)
    if fmt == BUNDLE:
        return f"{stem}-{grant.licence_id}.zip"
    return f"{stem}-{fmt}"


def check_format(fmt: str) -> None:
    """Refuse a format that is neither the bundle nor a file of the package."""
    if fmt not in DOWNLOAD_FORMATS:
        raise DomainError(f"Unknown format {fmt!r}; choose one of {', '.join(DOWNLOAD_FORMATS)}.")


def build(source: Source, fmt: str = BUNDLE) -> Built:
    """One grant's package (the zip) or one of its files, from the cache when possible."""
    check_format(fmt)
    inp = source.package_input()
    formats = packaging.FILE_NAMES if fmt == BUNDLE else (fmt,)
    key = packaging.package_key(inp, formats) + ("" if fmt == BUNDLE else f"-{fmt}")
    if fmt == BUNDLE:
        data = cached_bytes(key, lambda: build_zip(inp))
        media_type = BUNDLE_MEDIA_TYPE
    else:
        file = packaging.FILES[fmt]
        data = cached_bytes(key, lambda: file.build(inp))
        media_type = file.media_type
    return Built(key, data, _filename(source.grant, fmt), media_type)


def check_usable(grant: GrantState) -> None:
    """Refuse, saying why, a grant that may not be used now."""
    if grant.status is GrantStatus.REVOKED:
        # Gone, not forbidden: nothing the partner does brings it back.
        why = f": {grant.revoked_public_reason}" if grant.revoked_public_reason else ""
        notice = f" (notice {grant.revoked_notice_id})" if grant.revoked_notice_id else ""
        raise Gone(
            f"Grant {grant.licence_id} was revoked{why}{notice}; this article may not be used."
        )
    if grant.valid_until is not None and grant.valid_until <= utcnow():
        raise Forbidden(
            f"Grant {grant.licence_id} expired on {grant.valid_until:%d %b %Y}; "
            "request the article again."
        )
    if grant.partner_status is not PartnerStatus.APPROVED:
        raise Forbidden(f"Your partnership is {grant.partner_status.value}.")


def usable_now_where(grants: sa.Table, partners: sa.Table) -> tuple[sa.ColumnElement, ...]:
    """check_usable as WHERE conditions over ``grants`` joined to its ``partners`` row.

    With a bound parameter ``now``. At least as strict as check_usable (an
    expired-status grant is left out too): a statement that uses them and
    finds nothing leaves the refusal, and its reason, to check_usable.
    """
    return (
        grants.c.status == sql_constant(GrantStatus.ACTIVE),  # see Grant.live_at
        sa.or_(grants.c.valid_until.is_(None), grants.c.valid_until > sa.bindparam("now")),
        partners.c.status == PartnerStatus.APPROVED,
    )


def usable(grant_id: int, partner_id: int) -> Source:
    """The partner's grant with its package input, if it may be used now; else a clear refusal.

    Another partner's grant is simply not found, so its existence is not revealed.
    """
    source = package_sources.for_grants([grant_id], partner_id).get(grant_id)
    if source is None:
        raise NotFound("No such grant.")
    check_usable(source.grant)
    return source


def embed_code(grant_id: int, partner_id: int) -> str | None:
    """The grant's paste-ready article.html, for the grant page's copy button (not a
    download, so not logged); None when the grant may not be used now."""
    try:
        source = usable(grant_id, partner_id)
    except DomainError:
        return None
    return build(source, "article.html").data.decode()


def log_entry(
    built: Built,
    grant_id: int,
    partner_id: int,
    fmt: str,
    *,
    user_id: int | None = None,
    api_key_id: int | None = None,
) -> dict:
    """The downloads row for one served package: who, which grant, what exactly."""
    return {
        "grant_id": grant_id,
        "partner_id": partner_id,
        "user_id": user_id,
        "api_key_id": api_key_id,
        **what_was_served(built, fmt),
    }


def what_was_served(built: Built, fmt: str) -> dict:
    """The downloads row's columns that describe the package itself."""
    return {"package_hash": built.key[:64], "format": fmt, "size": len(built.data)}


# Built once: SQLAlchemy then reuses the statement's cache key on every download.
_LOG_INSERT = sa.insert(Download.__table__)


def begin_logging(*, unhurried: bool = True) -> sa.Connection:
    """The session's connection in a transaction ready to write downloads rows now.

    SQLite has one write lock, and a worker that finds it taken sleeps a
    millisecond or more: a read transaction the request holds ends first, so
    the lock is held only for the writing statement and COMMIT. BEGIN
    IMMEDIATE takes it at BEGIN, waiting its turn (a read transaction that
    then writes fails outright, not waits, had another worker written since).
    PostgreSQL's inserts do not lock each other out: the rows join the read's
    transaction, whose commit does not wait for the disk (a crash of the
    server may lose the last few rows, never corrupt anything, as SQLite's
    synchronous=NORMAL may on a power cut). ``unhurried=False``: the statement
    to come says so itself (services.downloads), no SET LOCAL round trip.
    """
    dialect = db.engine.dialect.name  # the session's one bind, without resolving it per call
    if dialect == "sqlite":
        if db.session().in_transaction():
            db.session.rollback()
        return db.session.connection(execution_options={"sqlite_begin_immediate": True})
    connection = db.session.connection()
    if dialect == "postgresql" and unhurried:
        connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
    return connection


def log_downloads(records: list[dict]) -> None:
    """Write downloads rows (see log_entry) and commit.

    A plain INSERT rather than ORM objects: nothing reads these rows back here.
    """
    begin_logging().execute(_LOG_INSERT, records)
    db.session.commit()


def stream_many(
    grant_ids: Iterable[int], partner_id: int, *, user: User | None = None
) -> tuple[str, Iterator[bytes]]:
    """A multi-article bundle of the partner's usable grants, streamed; each is logged."""
    ids = sorted(set(grant_ids))
    if not ids:
        raise DomainError("Choose at least one grant to download.")
    # Inputs are made before streaming: the generator runs after the request's session.
    sources = package_sources.for_grants(ids, partner_id)
    for grant_id in ids:
        if grant_id not in sources:
            raise NotFound("No such grant.")
        check_usable(sources[grant_id].grant)
    inputs = [s.package_input() for s in sorted(sources.values(), key=lambda s: s.grant.article_id)]
    user_id = user.id if user else None
    log_downloads(
        [
            {
                "grant_id": grant_id,
                "partner_id": partner_id,
                "user_id": user_id,
                "package_hash": "stream",
                "format": "multi-bundle",
            }
            for grant_id in ids
        ]
    )
    return f"syndication-bundle-{len(inputs)}-articles.zip", stream_bundle(inputs)


def downloads_of(
    partner_id: int, *, cursor: str | None = None, per_page: int = 100
) -> pagination.Keyset[Download]:
    """A page of the partner's downloads, newest first, after or before ``cursor``'s."""
    return pagination.keyset(
        sa.select(Download).where(Download.partner_id == partner_id),
        sort=pagination.Sort("when", descending=True),
        columns={"when": Download.created_at},
        tiebreak=Download.id,
        cursor=cursor,
        scope=("downloads", partner_id),
        per_page=per_page,
        count=True,
    )


def _links() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def email_link(grant_id: int, user: User) -> None:
    """Email ``user`` a signed download link for their partner's grant, if it may be used now."""
    usable(grant_id, user.partner_id)
    grant = db.session.get(Grant, grant_id)
    mail.send(
        "download_link",
        user.email,
        f"Download link: {grant.article.headline}",
        grant=grant,
        link=signed_link(grant),
        organisation=settings.organisation(),
    )
    db.session.commit()


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
