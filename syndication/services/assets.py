"""Asset files: stored once by content hash, checked to be the image they claim."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from syndication.delivery.outbound import OutboundError, Refused, TooLarge
from syndication.extensions import db
from syndication.ingest.images import NotAnImage, inspect_image
from syndication.models import Asset, User
from syndication.policy.jobs import GiveUp, retry_after
from syndication.services import audit, jobs, outbound, package_sources
from syndication.services.errors import Invalid, NotFound


def storage_dir() -> Path:
    configured = current_app.config.get("ASSET_STORAGE_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "assets"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(sha256: str) -> Path:
    return storage_dir() / sha256[:2] / sha256


def read(sha256: str | None) -> bytes | None:
    """The stored bytes for this hash, or None when no file is stored."""
    if not sha256:
        return None
    try:
        return _path(sha256).read_bytes()
    except FileNotFoundError:
        return None


def _write(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    target = _path(digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a reader never sees half a file, two writers never clash.
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    return digest


def store_file(asset_id: int, data: bytes, *, actor: User | None, claimed_type: str = "") -> Asset:
    """Store an asset's image file (upload or fetch); Invalid when it is not the image it claims."""
    asset = db.session.get(Asset, asset_id)
    if asset is None:
        raise NotFound("No such asset.")
    try:
        facts = inspect_image(
            data, claimed_type=claimed_type, max_bytes=current_app.config["ASSET_MAX_BYTES"]
        )
    except NotAnImage as exc:
        raise Invalid(str(exc)) from exc
    asset.sha256 = _write(data)
    asset.mime_type = facts.media_type
    # A picture with its file ships in images/: the revision's stored forms follow.
    package_sources.store_forms([asset.article_id])
    audit.record(
        actor,
        "asset_file_stored",
        asset.article,
        asset_id=asset.id,
        sha256=asset.sha256,
        media_type=facts.media_type,
        size=len(data),
    )
    db.session.commit()
    return asset


def has_file(sha256: str | None) -> bool:
    return bool(sha256) and _path(sha256).is_file()


def missing_files(assets: list[Asset]) -> list[Asset]:
    """Syndicatable assets whose file is not stored: they cannot ship, so staff are told."""
    return [a for a in assets if a.syndicatable and not has_file(a.sha256)]


FETCH_JOB = "assets.fetch"


def needs_fetch(asset: Asset) -> bool:
    """A syndicatable image with no stored file, at an http(s) address: a worker fetches it."""
    return (
        asset.syndicatable
        and not asset.sha256
        and asset.url.lower().startswith(("http://", "https://"))
    )


def queue_fetches(article) -> int:
    """Queue a fetch for each of the article's images that needs one (the caller commits)."""
    wanted = [a for a in article.assets if needs_fetch(a)]
    if wanted:
        db.session.flush()  # the new assets' ids go in the jobs
        for asset in wanted:
            asset.fetch_error = ""
            jobs.add(FETCH_JOB, {"asset_id": asset.id})
    return len(wanted)


def fetch(asset_id: int) -> None:
    """Fetch an asset's URL through the outbound client and store the image it holds.

    Runs in a worker, outside any transaction: the fetch itself holds no lock.
    What cannot succeed by trying again (a refused address, a 4xx, bytes that are
    not the image claimed, too large) gives up at once and tells staff why on the
    article page; a timeout or a 5xx is retried by the job's policy.
    """
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.sha256 or not asset.syndicatable:
        db.session.rollback()
        return
    url = asset.url
    db.session.rollback()
    limit = current_app.config["ASSET_MAX_BYTES"]
    try:
        answer = outbound.client().request(
            "GET", url, headers={"accept": "image/*"}, max_bytes=limit
        )
    except (Refused, TooLarge) as exc:
        _fetch_failed(asset_id, exc.reason)
        raise GiveUp(exc.reason) from exc
    except OutboundError as exc:
        _fetch_failed(asset_id, f"{exc.reason} (trying again)")
        raise
    if answer.status == 429 or answer.status >= 500:
        _fetch_failed(asset_id, f"The image host answered {answer.status} (trying again).")
        raise retry_after(answer, f"{url} answered {answer.status}")
    if answer.status != 200:
        reason = f"The image host answered {answer.status}."
        _fetch_failed(asset_id, reason)
        raise GiveUp(reason)
    try:
        store_file(asset_id, answer.body, actor=None, claimed_type=answer.header("content-type"))
    except Invalid as exc:
        db.session.rollback()
        _fetch_failed(asset_id, str(exc))
        raise GiveUp(str(exc)) from exc


def _fetch_failed(asset_id: int, reason: str) -> None:
    db.session.execute(
        sa.update(Asset).where(Asset.id == asset_id).values(fetch_error=reason[:500])
    )
    db.session.commit()


def fetch_again(asset: Asset, *, actor: User) -> None:
    """Staff ask for a failed fetch to be tried again."""
    if not needs_fetch(asset):
        raise Invalid("This image has its file, or has no http(s) address to fetch it from.")
    asset.fetch_error = ""
    jobs.add(FETCH_JOB, {"asset_id": asset.id})
    audit.record(actor, "asset_fetch_queued", asset.article, asset_id=asset.id, url=asset.url)
    db.session.commit()
