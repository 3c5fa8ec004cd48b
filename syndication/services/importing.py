"""Pick the importer for a file and turn its bytes into drafts."""

from __future__ import annotations

from pathlib import Path

from syndication.ingest.drafts import ArticleDraft
from syndication.ingest.seed import parse_seed_text
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
    """The drafts in one uploaded or local file; ValueError with a reason when unreadable."""
    suffix = Path(filename).suffix.lower()
    if suffix in {".txt", ""}:
        draft = parse_seed_text(
            data,
            headline=headline,
            source_id=canonical_url or f"seed:{Path(filename).stem}",
            known_footers=known_footers(),
        )
        draft.canonical_url = canonical_url
        return [draft]
    raise ValueError(f"no importer for {suffix!r} files yet; seed text (.txt) is supported")


def drafts_from_file(path: Path, **kwargs) -> list[ArticleDraft]:
    return drafts_from_bytes(path.read_bytes(), path.name, **kwargs)
