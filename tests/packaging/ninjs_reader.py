"""A ninjs reader written from the IPTC specification alone, as a receiving newsroom would.

It knows nothing of the app's code or of its field table: every name below is
read off the ninjs 1.6, 2.2 and 3.x specifications (schemas and their
descriptions). It is strict where deployed consumers are strict: it decodes
the bytes as ASCII when the document says it is ninjs 1.x (old ingest code
opens files with the platform's default encoding), and it accepts only
timestamps in whole seconds with a UTC offset (``Z``, ``+00:00``), which is
all a widely deployed ninjs parser understands.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import html as lxml_html

_STRICT_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|\+00:00)")


class NotReadable(ValueError):
    """The document is not one this consumer can ingest."""


@dataclass(frozen=True)
class Picture:
    """One associated picture: where to fetch it, and what must go with it."""

    hrefs: tuple[str, ...]
    content_type: str
    size: int | None
    caption: str
    credit: str
    rights_holder: str


@dataclass(frozen=True)
class Story:
    """What a newsroom keeps of a ninjs text item."""

    version_of_standard: str
    uri: str
    version: str
    headline: str
    body_html: str
    byline: str
    first_created: datetime
    version_created: datetime
    language: str
    copyright_holder: str
    copyright_notice: str
    usage_terms: str
    editorial_note: str
    embargoed: datetime | None
    status: str
    linked_rights: str
    web_page: str
    pictures: tuple[Picture, ...]

    @property
    def body_text(self) -> str:
        """The body's words, whitespace collapsed."""
        return text_of(self.body_html)


def text_of(html: str) -> str:
    """The text of an HTML fragment, whitespace collapsed."""
    if not html.strip():
        return ""
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    return " ".join(root.text_content().split())


def _time(value: Any) -> datetime:
    if not isinstance(value, str) or not _STRICT_TIME.fullmatch(value):
        raise NotReadable(f"timestamp {value!r} is not whole seconds in UTC")
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class _Version:
    """The spelling of one major version of ninjs."""

    def __init__(self, doc: dict[str, Any]) -> None:
        standard = doc.get("$standard") or doc.get("standard") or {}
        self.number = str(standard.get("version", ""))
        self.one = self.number.startswith("1") or isinstance(doc.get("headline"), str)
        self.three = self.number.startswith("3") or "versionCreated" in doc

    def name(self, two: str) -> str:
        """2.x's lower-case name in this version (3.x camel-cases compounds)."""
        if not self.three:
            return two
        camel = {
            "firstcreated": "firstCreated",
            "versioncreated": "versionCreated",
            "pubstatus": "pubStatus",
            "copyrightholder": "copyrightHolder",
            "copyrightnotice": "copyrightNotice",
            "usageterms": "usageTerms",
            "ednote": "edNote",
            "embargoed": "embargoedUntil",
            "rightsinfo": "rightsInfo",
            "linkedrights": "linkedRights",
            "contenttype": "contentType",
            "sizeinbytes": "sizeInBytes",
        }
        return camel.get(two, two)

    def listed(self, value: Any) -> list[dict[str, Any]]:
        """Associations or renditions as a list of objects with names (1.x keys them)."""
        if value is None:
            return []
        if isinstance(value, dict):
            return [{"name": key, **item} for key, item in value.items()]
        return list(value)

    def text(self, doc: dict[str, Any], kind: str, role: str) -> str:
        if self.one:
            one = {
                ("headlines", "main"): "headline",
                ("bodies", "main"): "body_html",
                ("descriptions", "caption"): "description_text",
            }[kind, role]
            return doc.get(one, "")
        for entry in doc.get(kind, ()):
            if entry.get("role", role) == role:
                return entry["value"]
        return ""

    def content_type(self, rendition: dict[str, Any]) -> str:
        if self.one:
            return rendition.get("mimetype", "")
        return rendition.get(self.name("contenttype"), "")


def read(data: bytes) -> Story:
    """Parse a ninjs text item the way a receiving system does."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotReadable(str(error)) from error
    v = _Version(doc)
    if v.one:
        try:
            json.loads(data.decode("ascii"))
        except UnicodeDecodeError as error:
            raise NotReadable("a ninjs 1.x file must open under an ASCII locale") from error
    if doc.get("type") != "text":
        raise NotReadable("not a text item")
    rights = doc.get(v.name("rightsinfo")) or {}
    embargo = doc.get(v.name("embargoed"))
    web_page = ""
    for rendition in v.listed(doc.get("renditions")):
        if v.content_type(rendition) == "text/html" and rendition.get("href"):
            web_page = rendition["href"]
    pictures = []
    for item in v.listed(doc.get("associations")):
        if item.get("type") != "picture":
            continue
        renditions = v.listed(item.get("renditions"))
        sizes = [r.get(v.name("sizeinbytes")) for r in renditions if v.name("sizeinbytes") in r]
        pictures.append(
            Picture(
                # Renditions are named, not ordered (1.x keeps them in an object).
                hrefs=tuple(sorted(r["href"] for r in renditions if r.get("href"))),
                content_type=v.content_type(renditions[0]) if renditions else "",
                size=sizes[0] if sizes else None,
                caption=v.text(item, "descriptions", "caption"),
                credit=item.get("byline" if v.one else "by", ""),
                rights_holder=item.get(v.name("copyrightholder"), ""),
            )
        )
    return Story(
        version_of_standard=v.number,
        uri=doc["uri"],
        version=doc.get("version", ""),
        headline=v.text(doc, "headlines", "main"),
        body_html=v.text(doc, "bodies", "main"),
        byline=doc.get("byline" if v.one else "by", ""),
        first_created=_time(doc[v.name("firstcreated")]),
        version_created=_time(doc[v.name("versioncreated")]),
        language=doc.get("language", ""),
        copyright_holder=doc.get(v.name("copyrightholder"), ""),
        copyright_notice=doc.get(v.name("copyrightnotice"), ""),
        usage_terms=doc.get(v.name("usageterms"), ""),
        editorial_note=doc.get(v.name("ednote"), ""),
        embargoed=_time(embargo) if embargo else None,
        status=doc.get(v.name("pubstatus"), "usable"),
        linked_rights=rights.get(v.name("linkedrights"), ""),
        web_page=web_page,
        pictures=tuple(sorted(pictures, key=lambda picture: picture.hrefs)),
    )
