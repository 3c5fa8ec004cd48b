"""Packages: every format of one article under one grant, built deterministically.

Pure: no Flask, no database, no clock. ``FILES`` is the registry of the files
a package holds, one entry per file: its builder
(``build(inp: PackageInput) -> bytes``), the media type it is served as, and
the terms format whose texts and flags it carries. ``manifest.build`` and the
zips in :mod:`syndication.packaging.bundle` are built over these files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from syndication.packaging import html, jsonld, licence, markdown, newsml, ninjs, text
from syndication.packaging.inputs import (
    ArticleRevision,
    AssetInput,
    GrantFacts,
    Organisation,
    PackageInput,
)
from syndication.packaging.key import package_key

Builder = Callable[[PackageInput], bytes]


@dataclass(frozen=True, slots=True)
class PackageFile:
    """One file of a package: how it is built, how it is served, which terms it reads."""

    name: str
    build: Builder
    media_type: str
    terms_format: str


# File name -> its entry, in the order a person reads a package.
FILES: Mapping[str, PackageFile] = {
    entry.name: entry
    for entry in (
        PackageFile("article.html", html.build, "text/html; charset=utf-8", "html"),
        PackageFile("article.page.html", html.build_page, "text/html; charset=utf-8", "page_html"),
        PackageFile("article.txt", text.build, "text/plain; charset=utf-8", "text"),
        PackageFile("article.md", markdown.build, "text/markdown; charset=utf-8", "markdown"),
        PackageFile("article.ninjs.json", ninjs.build, "application/json", "ninjs"),
        PackageFile(
            "article.newsml.xml", newsml.build, "application/vnd.iptc.g2.newsitem+xml", "newsml"
        ),
        PackageFile("article.jsonld", jsonld.build, "application/ld+json", "jsonld"),
        PackageFile("LICENSE.txt", licence.build, "text/plain; charset=utf-8", "text"),
    )
}
FILE_NAMES: tuple[str, ...] = tuple(FILES)

__all__ = [
    "FILES",
    "FILE_NAMES",
    "ArticleRevision",
    "AssetInput",
    "Builder",
    "GrantFacts",
    "Organisation",
    "PackageFile",
    "PackageInput",
    "package_key",
]
