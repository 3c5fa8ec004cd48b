"""Asset files: stored once by content hash, checked to be the image they claim."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app

from syndication.extensions import db
from syndication.ingest.images import NotAnImage, inspect_image
from syndication.models import Asset, User
from syndication.services import audit
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
