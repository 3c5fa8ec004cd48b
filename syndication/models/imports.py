"""Files imported in the background: too large to import while a request waits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from syndication.extensions import db
from syndication.models.base import TimestampMixin, UTCDateTime


class ImportRun(TimestampMixin, db.Model):
    """One uploaded file on its way in: how far it got, its report (its bytes: ImportFile).

    A background job stores its items in batches, each committed with ``done``,
    so a worker lost mid-way resumes after the last committed batch and nothing
    is ever stored twice or half. ``report`` holds what reading the file found (its
    importer, encoding, skipped items and notes); what became of each stored item
    is an :class:`ImportRunItem`, written with the batch that stored it.
    """

    __tablename__ = "import_runs"
    __table_args__ = (
        sa.CheckConstraint("done >= 0", name="done_non_negative"),
        sa.CheckConstraint("total IS NULL OR done <= total", name="done_within_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(500))
    headline: Mapped[str] = mapped_column(sa.String(500), default="")
    url: Mapped[str] = mapped_column(sa.String(1000), default="")
    size: Mapped[int] = mapped_column(sa.BigInteger)
    # Items found once the file was read (None until then), and how many are stored.
    total: Mapped[int | None]
    done: Mapped[int] = mapped_column(default=0)
    # The report's header only: its items are rows of their own (ImportRunItem).
    report: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Why the file could not be read at all (the items stored so far stay).
    error: Mapped[str] = mapped_column(sa.Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportRunItem(db.Model):
    """What became of one item of a background import: the report's line at ``position``.

    A row per item, inserted with the batch that stored the item and in its
    transaction, so a batch costs the same however many items came before it
    (a report kept as one JSON list was read and rewritten whole with every batch).
    """

    __tablename__ = "import_run_items"
    __table_args__ = (
        sa.CheckConstraint("position >= 0", name="position_non_negative"),
        sa.CheckConstraint("state IN ('created', 'revised', 'unchanged')", name="known_state"),
    )

    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("import_runs.id", ondelete="CASCADE"), primary_key=True
    )
    # The item's place in the file, from 0: the report lists items in this order.
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # No foreign key: the report still names an article deleted since (without a headline).
    article_id: Mapped[int]
    state: Mapped[str] = mapped_column(sa.String(20))
    awaiting_review: Mapped[bool]
    # Findings on the item, by kind: {"footer": 1}.
    findings: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class ImportFile(db.Model):
    """A queued file's bytes, kept (in the database every worker reaches) until its import
    ends. Apart from its run: each batch moves the run's count, and an UPDATE of a row
    holding the file would write tens of MB again (SQLite rewrites the whole row)."""

    __tablename__ = "import_files"

    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("import_runs.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
