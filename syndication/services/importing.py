"""Import a file: read it (ingest), store its articles in one transaction, report what happened.

Every import, from the CLI, the upload form or a background job, goes through
:func:`import_file` and ends with an :class:`ImportReport`: the items found,
which were created, revised or unchanged, which were skipped and why, and
what reading the file noticed (its encoding, a compression, shared GUIDs).
An import is all or nothing: if one item cannot be stored, none is.

A file too large to import while a request waits (``IMPORT_INLINE_MAX_BYTES``,
``IMPORT_INLINE_MAX_ITEMS``) is queued instead (:func:`queue`): an
:class:`~syndication.models.ImportRun` keeps it, and a background job
(:func:`resume`) stores its items a batch per transaction, each batch committed
with the count of items done, so a worker lost mid-way resumes after the last
committed batch: the file is imported resumably, item by item, never half a batch.
The run's report is a header (what reading the file found) and a row per stored
item (:class:`~syndication.models.ImportRunItem`), each batch inserting its own
rows: a batch costs the same whether it is the first or the three hundredth.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from syndication.extensions import db
from syndication.ingest.detect import Reading, read_file
from syndication.ingest.drafts import ArticleDraft, Skipped
from syndication.models import ImportFile, ImportRun, ImportRunItem, IntakeState, Job, User
from syndication.models.base import utcnow
from syndication.policy.jobs import JobState
from syndication.services import audit, jobs, settings
from syndication.services.articles import by_ids, import_draft
from syndication.services.errors import NotFound

# The job kind that imports a queued file (syndication/tasks/imports.py).
IMPORT_JOB = "import_file"


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
            report.items.append(_store_one(draft, name, reading.importer, actor))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _store_one(draft: ArticleDraft, name: str, importer: str, actor: User | None) -> ItemOutcome:
    """Store one item in the current transaction (the caller commits) and say what became of it."""
    result = import_draft(draft, actor=actor, note=f"Imported from {name}", commit=False)
    db.session.flush()
    state = "created" if result.created else "revised" if result.revised else "unchanged"
    article = result.article
    if state != "unchanged":
        audit.record(actor, "imported", article, file=name, importer=importer, state=state)
    return ItemOutcome(
        article_id=article.id,
        headline=article.headline,
        state=state,
        awaiting_review=article.intake is IntakeState.AWAITING_REVIEW,
        findings=dict(Counter(f.kind for f in draft.findings)),
    )


# --- files too large for a request: imported in the background ---------------------------


def import_upload(
    data: bytes,
    filename: str,
    *,
    actor: User | None = None,
    headline: str | None = None,
    url: str = "",
) -> ImportReport | ImportRun:
    """Import a file now when it is small, else queue it: the report, or the queued run.

    A file over ``IMPORT_INLINE_MAX_BYTES`` is queued unread (reading it alone could
    outlast a request); a smaller one is read here, so a file that is no feed at all is
    refused at once (ImportFormatError), and queued when it holds more than
    ``IMPORT_INLINE_MAX_ITEMS`` items.
    """
    config = current_app.config
    if len(data) > config["IMPORT_INLINE_MAX_BYTES"]:
        return queue(data, filename, actor=actor, headline=headline, url=url)
    reading = read(data, filename, headline=headline, url=url)
    if len(reading.drafts) > config["IMPORT_INLINE_MAX_ITEMS"]:
        return queue(data, filename, actor=actor, headline=headline, url=url)
    return store(reading, filename, actor=actor)


def queue(
    data: bytes,
    filename: str,
    *,
    actor: User | None = None,
    headline: str | None = None,
    url: str = "",
) -> ImportRun:
    """Keep the file and hand it to a background job, in one transaction; the run."""
    jobs.begin_write()
    run = ImportRun(
        actor_id=actor.id if actor is not None else None,
        filename=Path(filename).name[:500] or "upload",
        headline=(headline or "")[:500],
        url=url[:1000],
        size=len(data),
        done=0,
        report={},
        error="",
    )
    db.session.add(run)
    db.session.flush()
    db.session.add(ImportFile(run_id=run.id, data=data))
    run.job_id = jobs.add(IMPORT_JOB, {"run_id": run.id}).id
    audit.record(actor, "import_queued", run, file=run.filename, size=run.size)
    db.session.commit()
    return run


def resume(run_id: int, *, now: datetime | None = None, batch: int | None = None) -> None:
    """Store the queued file's items not stored yet, one transaction per batch (the job).

    Each batch commits with the new count of items done, moved by a conditional
    UPDATE from the count it started at: a second worker on the same run (a
    duplicate message, a lease that ran out) stores nothing twice. A file that
    cannot be read ends the run with the reason; an item that cannot be stored
    rolls back its batch and raises, for the job to try again from there.
    """
    started, clock = now or utcnow(), utcnow()
    batch = batch or current_app.config["IMPORT_BATCH"]
    run = db.session.get(ImportRun, run_id)
    if run is None or run.finished_at is not None:
        return
    actor = db.session.get(User, run.actor_id) if run.actor_id is not None else None
    data = db.session.scalar(sa.select(ImportFile.data).where(ImportFile.run_id == run.id)) or b""
    filename, headline, url = run.filename, run.headline, run.url
    db.session.commit()  # end the read: no snapshot is held while a large file is parsed
    try:
        reading = read(data, filename, headline=headline or None, url=url)
    except ValueError as exc:
        jobs.begin_write()
        run.error = str(exc)
        _finish(run, actor, started)
        return
    drafts = reading.drafts
    header = {
        "importer": reading.importer,
        "encoding": [reading.notes.encoding, reading.notes.encoding_reason],
        "skipped": [[s.item, s.reason] for s in reading.notes.skipped],
        "notes": list(reading.notes.notes),
    }
    while True:
        jobs.begin_write()
        db.session.refresh(run)
        start = run.done
        if start >= len(drafts):
            if run.report != header:  # no batch wrote it: every item was skipped
                run.report = header
            break
        try:
            outcomes = [
                _store_one(draft, filename, reading.importer, actor)
                for draft in drafts[start : start + batch]
            ]
            # The header is written once (it is the same for every batch of the file).
            values = {} if run.report == header else {"report": header}
            moved = db.session.execute(
                sa.update(ImportRun)
                .where(ImportRun.id == run.id, ImportRun.done == start)
                .values(done=start + len(outcomes), total=len(drafts), **values)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not moved:  # another worker stored this batch first
                db.session.rollback()
                return
            # Only now, after the count moved: a worker that lost the race inserts nothing.
            _add_items(run.id, start, outcomes)
            if run.job_id is not None:
                jobs.renew_lease(run.job_id, now=started + (utcnow() - clock))
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        current_app.logger.info(
            "Import %s: %s of %s items stored", run_id, start + len(outcomes), len(drafts)
        )
    _finish(run, actor, started + (utcnow() - clock))


def _add_items(run_id: int, start: int, outcomes: list[ItemOutcome]) -> None:
    """Insert a batch's report lines, from position ``start``, in one statement.

    The caller's transaction is the batch's: its rows commit with its count of
    items done, or not at all. The (run, position) key refuses a line twice.
    """
    db.session.execute(
        sa.insert(ImportRunItem),
        [
            {
                "run_id": run_id,
                "position": position,
                "article_id": o.article_id,
                "state": o.state,
                "awaiting_review": o.awaiting_review,
                "findings": o.findings,
            }
            for position, o in enumerate(outcomes, start)
        ],
    )


def _finish(run: ImportRun, actor: User | None, now: datetime) -> None:
    """End the run once (a second worker finding it done records nothing); commits."""
    ended = db.session.execute(
        sa.update(ImportRun)
        .where(ImportRun.id == run.id, ImportRun.finished_at.is_(None))
        .values(finished_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not ended:
        db.session.rollback()
        return
    # The file is no longer needed; its report stays.
    db.session.execute(sa.delete(ImportFile).where(ImportFile.run_id == run.id))
    db.session.refresh(run)
    counts = dict(
        db.session.execute(
            sa.select(ImportRunItem.state, sa.func.count())
            .where(ImportRunItem.run_id == run.id)
            .group_by(ImportRunItem.state)
        ).all()
    )
    audit.record(
        actor,
        "import_finished",
        run,
        file=run.filename,
        found=sum(counts.values()) + len(run.report.get("skipped", [])),
        error=run.error[:200],
        **{state: counts.get(state, 0) for state in ("created", "revised", "unchanged")},
    )
    db.session.commit()
    current_app.logger.info("Import %s finished: %s", run.id, run.error or "every item stored")


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a background import got, for its page, its JSON and the CLI."""

    run_id: int
    filename: str
    state: str  # "waiting", "importing", "done" or "failed"
    done: int
    total: int | None
    message: str

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def as_dict(self) -> dict:
        return {
            "id": self.run_id,
            "file": self.filename,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "finished": self.finished,
            "message": self.message,
        }


def get_run(run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id)
    if run is None:
        raise NotFound("There is no such import.")
    return run


def progress(run: ImportRun) -> Progress:
    """The run's state in words: waiting for a worker, importing, done, or failed and why."""
    job = db.session.get(Job, run.job_id) if run.job_id is not None else None
    of = f" of {run.total:,}" if run.total is not None else ""
    stored = f"{run.done:,}{of} items stored"
    if run.finished_at is not None:
        if run.error:
            state, message = "failed", f"The file could not be read: {run.error}"
        else:
            state, message = "done", f"Done: {stored}."
    elif job is not None and job.state is JobState.FAILED:
        state = "failed"
        message = (
            f"Stopped after {stored}: {job.last_error} An admin can try it again at "
            "Background work; it goes on from there."
        )
    elif job is not None and job.last_error:
        state = "importing"
        message = f"{stored}. An attempt failed ({job.last_error}); it will be tried again."
    elif run.total is None and run.done == 0:
        state, message = "waiting", "Waiting for a worker to read the file."
    else:
        state, message = "importing", f"Importing: {stored}."
    return Progress(run.id, run.filename, state, run.done, run.total, message)


def report_of(run: ImportRun) -> ImportReport:
    """The report of a background import, so far; headlines read back from the articles."""
    data = run.report or {}
    items = db.session.execute(
        sa.select(
            ImportRunItem.article_id,
            ImportRunItem.state,
            ImportRunItem.awaiting_review,
            ImportRunItem.findings,
        )
        .where(ImportRunItem.run_id == run.id)
        .order_by(ImportRunItem.position)
    ).all()
    headlines = {a.id: a.headline for a in by_ids([item.article_id for item in items])}
    encoding = data.get("encoding", ["", ""])
    return ImportReport(
        filename=run.filename,
        importer=data.get("importer", ""),
        encoding=encoding[0],
        encoding_reason=encoding[1],
        items=[
            ItemOutcome(article_id, headlines.get(article_id, ""), state, review, findings)
            for article_id, state, review, findings in items
        ],
        skipped=[Skipped(item, reason) for item, reason in data.get("skipped", [])],
        notes=list(data.get("notes", [])),
    )


def recent_runs(limit: int = 10) -> list[ImportRun]:
    """The latest background imports, newest first (the import page lists them)."""
    return list(db.session.scalars(sa.select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))
