"""Files imported in the background: too large to import while a request waits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from syndication.extensions import db
from syndication.models.base import TimestampMixin, UTCDateTime


class ImportRun(TimestampMixin, db.Model):
    """One uploaded file on its way in: its bytes until done, how far it got, its report.

    A background job stores its items in batches, each committed with ``done``,
    so a worker lost mid-way resumes after the last committed batch and nothing
    is ever stored twice or half. ``report`` grows with every batch.
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
    # The file itself, kept (in the database every worker reaches) until the import ends.
    data: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    # Items found once the file was read (None until then), and how many are stored.
    total: Mapped[int | None]
    done: Mapped[int] = mapped_column(default=0)
    report: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Why the file could not be read at all (the items stored so far stay).
    error: Mapped[str] = mapped_column(sa.Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
