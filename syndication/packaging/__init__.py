"""Packages: every format of one article under one grant, built deterministically.

Pure: no Flask, no database, no clock. The registry maps each package file name
to its builder, ``build(inp: PackageInput) -> bytes``; ``manifest.build`` and
the zips in :mod:`syndication.packaging.bundle` are built over these files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from syndication.packaging import html, jsonld, licence, markdown, newsml, ninjs, text
from syndication.packaging.cache import package_key
from syndication.packaging.inputs import (
    FILE_FORMATS,
    ArticleRevision,
    AssetInput,
    GrantFacts,
    Organisation,
    PackageInput,
)

Builder = Callable[[PackageInput], bytes]

# File name -> builder, in the order a person reads a package.
BUILDERS: Mapping[str, Builder] = {
    "article.html": html.build,
    "article.page.html": html.build_page,
    "article.txt": text.build,
    "article.md": markdown.build,
    "article.ninjs.json": ninjs.build,
    "article.newsml.xml": newsml.build,
    "article.jsonld": jsonld.build,
    "LICENSE.txt": licence.build,
}
FILE_NAMES: tuple[str, ...] = tuple(BUILDERS)

__all__ = [
    "BUILDERS",
    "FILE_FORMATS",
    "FILE_NAMES",
    "ArticleRevision",
    "AssetInput",
    "Builder",
    "GrantFacts",
    "Organisation",
    "PackageInput",
    "package_key",
]
