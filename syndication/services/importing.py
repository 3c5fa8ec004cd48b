"""Import a file: read it (ingest), store its articles in one transaction, report what happened.

Every import, from the CLI, the upload form or a background job, goes through
:func:`import_file` and ends with an :class:`ImportReport`: the items found,
which were created, revised or unchanged, which were skipped and why, and
what reading the file noticed (its encoding, a compression, shared GUIDs).
An import is all or nothing: if one item cannot be stored, none is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from syndication.extensions import db
from syndication.ingest.detect import Reading, read_file
from syndication.ingest.drafts import ArticleDraft, Skipped
from syndication.models import IntakeState, User
from syndication.services import audit, settings
from syndication.services.articles import import_draft


def known_footers() -> list[str]:
    """The organisation's own footer texts, so ingest can recognise and remove them."""
    org = settings.organisation()
    return [
        f"Content created by {org.name} is available without charge to any eligible news "
        "publisher that can provide a large audience. For licensing opportunities of our "
        f"original content, please contact {org.licensing_email}."
    ]


def read(data: bytes, filename: str, *, headline: str | None = None, url: str = "") -> Reading:
    """Read one uploaded or local file into drafts; ImportFormatError (a ValueError) says why not.

    The format is sniffed from the content first and the file name second.
    ``url`` is where a page came from (its links resolve against it), or the
    URL of a seed text's original. Seed text carries no URL of its own: the
    given ``url``, or else its text, identifies it for re-imports.
    """
    reading = read_file(data, filename, known_footers=known_footers(), headline=headline, url=url)
    for draft in reading.drafts:
        draft.import_source = Path(filename).name[:500]
        draft.importer = reading.importer
        if reading.importer == "seed":
            # Seed text names no source: its URL, when given, identifies it; else its
            # words do (services.articles), never the file name it happens to have.
            draft.canonical_url = url or draft.canonical_url
            draft.source_id = url
    return reading


def drafts_from_bytes(
    data: bytes,
    filename: str,
    *,
    headline: str | None = None,
    url: str = "",
    canonical_url: str = "",
) -> list[ArticleDraft]:
    """The drafts of :func:`read`, for callers that store them themselves (the demo, tests).

    ``canonical_url`` is the older name of ``url``, kept for those callers.
    """
    return read(data, filename, headline=headline, url=url or canonical_url).drafts


def drafts_from_file(path: Path, **kwargs) -> list[ArticleDraft]:
    return drafts_from_bytes(path.read_bytes(), path.name, **kwargs)


# --- the report --------------------------------------------------------------------------


@dataclass(slots=True)
class ItemOutcome:
    """What became of one item: its article, and whether it was new, revised or unchanged."""

    article_id: int
    headline: str
    state: str  # "created", "revised" or "unchanged"
    awaiting_review: bool
    findings: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class ImportReport:
    """The outcome of importing one file, for the page, the CLI and scripts (``as_dict``)."""

    filename: str
    importer: str
    encoding: str = ""
    encoding_reason: str = ""
    items: list[ItemOutcome] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for item in self.items if item.state == state)

    @property
    def found(self) -> int:
        return len(self.items) + len(self.skipped)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def revised(self) -> int:
        return self.count("revised")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def findings(self) -> dict[str, int]:
        """Findings over all items, by kind."""
        total: Counter[str] = Counter()
        for item in self.items:
            total.update(item.findings)
        return dict(sorted(total.items()))

    def summary(self) -> str:
        """One line for people: "12 found: 3 created, 1 revised, 7 unchanged, 1 skipped"."""
        return (
            f"{self.found} found: {self.created} created, {self.revised} revised, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped"
        )

    def as_dict(self) -> dict:
        """The report as plain JSON-able data."""
        return {
            "file": self.filename,
            "importer": self.importer,
            "encoding": {"name": self.encoding, "reason": self.encoding_reason},
            "found": self.found,
            "created": self.created,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "skipped": [asdict(s) for s in self.skipped],
            "findings": self.findings,
            "notes": list(self.notes),
            "items": [asdict(i) for i in self.items],
        }


def import_file(
    data: bytes,
    filename: str,
    *,
    actor: User | None = None,
    headline: str | None = None,
    url: str = "",
) -> ImportReport:
    """Read a file and store its articles in one transaction; the report says what happened.

    New articles wait in intake (``articles.import_draft``). Raises
    ImportFormatError (a ValueError) when the file cannot be read; if storing
    any item fails, nothing of the file is stored and the error is raised.
    """
    return store(read(data, filename, headline=headline, url=url), filename, actor=actor)


def store(reading: Reading, filename: str, *, actor: User | None = None) -> ImportReport:
    """Store what :func:`read` found, all in one transaction, and report on it."""
    name = Path(filename).name
    report = ImportReport(
        filename=name,
        importer=reading.importer,
        encoding=reading.notes.encoding,
        encoding_reason=reading.notes.encoding_reason,
        skipped=list(reading.notes.skipped),
        notes=list(reading.notes.notes),
    )
    try:
        for draft in reading.drafts:
            result = import_draft(draft, actor=actor, note=f"Imported from {name}", commit=False)
            db.session.flush()
            state = "created" if result.created else "revised" if result.revised else "unchanged"
            article = result.article
            if state != "unchanged":
                audit.record(
                    actor, "imported", article, file=name, importer=reading.importer, state=state
                )
            report.items.append(
                ItemOutcome(
                    article_id=article.id,
                    headline=article.headline,
                    state=state,
                    awaiting_review=article.intake is IntakeState.AWAITING_REVIEW,
                    findings=dict(Counter(f.kind for f in draft.findings)),
                )
            )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report
