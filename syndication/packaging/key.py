"""The content hash a package is cached under: equal key, equal bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

from syndication.packaging.inputs import PackageInput

# Bump when any builder's output changes, so that cached packages are rebuilt.
PACKAGER_VERSION = 2


def _default(value: Any) -> Any:
    # Anything orjson cannot encode natively (tuples are fine; sets are not).
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot hash {type(value).__name__} in a package key")


def package_key(inp: PackageInput, formats: Iterable[str]) -> str:
    """sha256 over the revision, the terms snapshot, the grant, the formats and the asset hashes.

    Asset bytes are represented by their sha256; everything else that reaches
    the output (organisation, ODRL terms, pixel URL, asset captions) is in too.
    """
    # orjson writes the (flat, frozen) dataclasses itself, field by field, far
    # faster than dataclasses.asdict's deep copies: this runs on every download.
    document = {
        "packager_version": PACKAGER_VERSION,
        "article": inp.article,
        "terms": inp.terms,
        "grant": inp.grant,
        "organisation": inp.organisation,
        "odrl": inp.odrl,
        "tracking_pixel_url": inp.tracking_pixel_url,
        # The partner's ninjs profile: the same grant gives another article.ninjs.json.
        "profile": inp.profile,
        "status": inp.status,
        "formats": sorted(set(formats)),
        "assets": [
            {
                "filename": asset.filename,
                "sha256": asset.sha256,
                "has_data": asset.data is not None,
                "mime_type": asset.mime_type,
                "caption": asset.caption,
                "credit": asset.credit,
                "rights_holder": asset.rights_holder,
                "syndicatable": asset.syndicatable,
                "source_url": asset.source_url,
                "alt": asset.alt,
            }
            for asset in inp.assets
        ],
    }
    canonical = orjson.dumps(
        document, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=_default
    )
    return hashlib.sha256(canonical).hexdigest()
