"""Plain data that every importer produces and the import service stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class Finding:
    """Something noticed in an article at import time, shown to staff.

    ``kind`` is one of ``footer`` (an existing licensing footer, removed from the
    body), ``promo`` (an inline "(RELATED: ...)" style promo, kept but marked),
    ``third_party_asset`` (a photo or embed credited to a wire or agency),
    ``cited_outlet`` (reporting attributed to another outlet, "Axios reported"),
    ``wire_byline`` (a byline naming a wire service), ``byline_source`` (where a
    byline was found and what cleaning made of it), ``encoding`` (how the file's
    bytes were read, when that took more than its declaration), ``dropped_url``
    (a URL that is not http(s), or relative with nothing to resolve it against).
    ``text`` is the matched text; ``detail`` the normalised name where there is
    one (the outlet or agency).
    """

    kind: str
    text: str
    detail: str = ""


@dataclass(slots=True)
class AssetDraft:
    """An image or other media referenced by an article."""

    url: str
    caption: str = ""
    credit: str = ""
    rights_holder: str = ""
    mime_type: str = ""
    syndicatable: bool = True


@dataclass(slots=True)
class ArticleDraft:
    """One article as an importer understood it; body_html is already sanitised."""

    headline: str
    body_html: str
    dek: str = ""
    bylines: list[str] = field(default_factory=list)
    dateline: str = ""
    published_at: datetime | None = None
    updated_at: datetime | None = None
    section: str = ""
    tags: list[str] = field(default_factory=list)
    language: str = "en"
    canonical_url: str = ""
    # The identity used to make re-import idempotent: GUID, ninjs uri or canonical URL.
    source_id: str = ""
    summary: str = ""
    status: str = "published"
    # Provenance: the feed's or export's title and the site it is about, when it names them.
    source_title: str = ""
    source_site_url: str = ""
    # Set by the service that read the file: its name and the importer that read it.
    import_source: str = ""
    importer: str = ""
    assets: list[AssetDraft] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class Skipped:
    """An item of a file that was not imported, and why, for the import report."""

    item: str
    reason: str


@dataclass(slots=True)
class FileNotes:
    """What reading a whole file found beside its drafts: its encoding, what was skipped.

    Importers fill it when they are given one; the import report shows it.
    ``encoding_notable`` is set when the encoding was not simply the declared
    one confirmed by the bytes (sniffed, overridden, repaired): then every
    article from the file records it too.
    """

    encoding: str = ""
    encoding_reason: str = ""
    encoding_notable: bool = False
    notes: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, item: str, reason: str) -> None:
        self.skipped.append(Skipped(item, reason))
