"""Pick the importer for a file and turn its bytes into drafts."""

from __future__ import annotations

from pathlib import Path

from syndication.ingest.detect import detect_format, parse_any
from syndication.ingest.drafts import ArticleDraft
from syndication.services import settings


def known_footers() -> list[str]:
    """The organisation's own footer texts, so ingest can recognise and remove them."""
    org = settings.organisation()
    return [
        f"Content created by {org.name} is available without charge to any eligible news "
        "publisher that can provide a large audience. For licensing opportunities of our "
        f"original content, please contact {org.licensing_email}."
    ]


def drafts_from_bytes(
    data: bytes, filename: str, *, headline: str | None = None, canonical_url: str = ""
) -> list[ArticleDraft]:
    """The drafts in one uploaded or local file; ValueError with a reason when unreadable.

    The format is sniffed from the content first and the file name second. Seed
    text carries no URL of its own: ``canonical_url``, or else its text, identifies
    it for re-imports.
    """
    drafts = parse_any(data, filename, known_footers=known_footers(), headline=headline)
    importer = detect_format(data, filename) or ""
    for draft in drafts:
        draft.import_source = Path(filename).name[:500]
        draft.importer = importer
        if importer == "seed":
            # Seed text names no source: its URL, when given, identifies it; else its
            # words do (services.articles), never the file name it happens to have.
            draft.canonical_url = canonical_url or draft.canonical_url
            draft.source_id = canonical_url
    return drafts


def drafts_from_file(path: Path, **kwargs) -> list[ArticleDraft]:
    return drafts_from_bytes(path.read_bytes(), path.name, **kwargs)
