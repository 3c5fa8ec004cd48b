"""Where republished copies live, how they are read, and whether they keep the terms.

Raw pixel hits stay in ``pixel_hits`` (models/activity.py), each with the verdict
that decided whether it counts. What staff read comes from the tables below: the
copies found (by the pixel's referrer or entered by staff), the flags raised on
them, the compliance checks run against them, and daily roll-ups of views that
the reports read instead of the raw hits.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from syndication.extensions import db
from syndication.models.base import TimestampMixin, UTCDateTime, enum_column


class HitVerdict(enum.StrEnum):
    """Why a pixel hit counts as a view, or why it does not."""

    COUNTED = "counted"
    BOT = "bot"  # a known crawler, or an empty or headless user agent
    PREFETCH = "prefetch"  # Purpose / Sec-Purpose: prefetch or prerender
    PREVIEW = "preview"  # inside the partner's CMS editor or preview
    REPEAT = "repeat"  # the same visitor on the same page within the repeat window


class CopySource(enum.StrEnum):
    PIXEL = "pixel"  # found from a pixel hit's page URL
    STAFF = "staff"  # entered by staff


class FlagKind(enum.StrEnum):
    UNKNOWN_DOMAIN = "unknown_domain"  # not one of the partner's domains
    AFTER_REVOCATION = "after_revocation"  # views after the grant was revoked or taken down
    CHECK_FAILED = "check_failed"  # the latest compliance check found a violation


class CheckState(enum.StrEnum):
    QUEUED = "queued"
    PASSED = "passed"  # every check passed
    FAILED = "failed"  # the page was read and at least one check failed
    ERROR = "error"  # the page could not be read (refused address, 4xx/5xx, timeout)


class Copy(TimestampMixin, db.Model):
    """One republished page of one grant's article."""

    __tablename__ = "copies"
    __table_args__ = (
        sa.UniqueConstraint("grant_id", "url"),
        sa.Index("ix_copies_article_last_seen", "article_id", "last_seen_at"),
        sa.Index("ix_copies_partner_last_seen", "partner_id", "last_seen_at"),
        # Reports: copies by the result of their latest check, from the index alone.
        sa.Index(
            "ix_copies_latest_check", "latest_check_at", postgresql_include=["latest_check_state"]
        ),
        sa.CheckConstraint("raw_hits >= 0 AND views >= 0", name="counts_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id", ondelete="CASCADE"))
    # Copied from the grant so the copies of an article or a partner are one index away.
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="CASCADE"))
    # The page, normalised (scheme and host lower-cased, no fragment, no tracking parameters).
    url: Mapped[str] = mapped_column(sa.String(1000))
    domain: Mapped[str] = mapped_column(sa.String(253), index=True)
    source: Mapped[CopySource] = mapped_column(
        enum_column(CopySource, "copy_source"), default=CopySource.PIXEL
    )
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    raw_hits: Mapped[int] = mapped_column(default=0)
    views: Mapped[int] = mapped_column(default=0)
    # The result of the latest check to finish, and when (services/copy_checks.py keeps
    # them), so the reports count copies by status without reading every check.
    latest_check_state: Mapped[CheckState | None] = mapped_column(
        enum_column(CheckState, "latest_check_state")
    )
    latest_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    grant = relationship("Grant")
    article = relationship("Article")
    partner = relationship("Partner")
    flags: Mapped[list[CopyFlag]] = relationship(
        back_populates="copy", order_by="CopyFlag.id", passive_deletes=True
    )
    checks: Mapped[list[CopyCheck]] = relationship(
        back_populates="copy", order_by="CopyCheck.id.desc()", passive_deletes=True
    )


class CopyFlag(TimestampMixin, db.Model):
    """Something staff should look at about a copy; open until handled with a note."""

    __tablename__ = "copy_flags"
    __table_args__ = (sa.UniqueConstraint("copy_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[int] = mapped_column(sa.ForeignKey("copies.id", ondelete="CASCADE"))
    kind: Mapped[FlagKind] = mapped_column(enum_column(FlagKind, "flag_kind"))
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    handled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    handled_note: Mapped[str] = mapped_column(sa.Text, default="")

    copy: Mapped[Copy] = relationship(back_populates="flags")
    handled_by = relationship("User")


class CopyCheck(TimestampMixin, db.Model):
    """One compliance check of a copy against its grant's terms and expected revision.

    ``results`` is a list of ``{"check", "passed", "evidence"}``: each check's verdict
    with the snippet found or missing, kept as it was on the day.
    """

    __tablename__ = "copy_checks"
    # Reports: the checks finished in a range, read from the index alone on PostgreSQL.
    __table_args__ = (
        sa.Index(
            "ix_copy_checks_finished",
            "finished_at",
            postgresql_include=["copy_id", "state"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[int] = mapped_column(sa.ForeignKey("copies.id", ondelete="CASCADE"), index=True)
    state: Mapped[CheckState] = mapped_column(
        enum_column(CheckState, "check_state"), default=CheckState.QUEUED
    )
    revision_number: Mapped[int | None]
    http_status: Mapped[int | None]
    similarity: Mapped[float | None]
    results: Mapped[list] = mapped_column(sa.JSON, default=list)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    copy: Mapped[Copy] = relationship(back_populates="checks")


class _DailyViews:
    """Raw hits and counted views of one day; written by the hit flush, read by reports."""

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    raw: Mapped[int] = mapped_column(default=0)
    counted: Mapped[int] = mapped_column(default=0)


class DailyGrantViews(_DailyViews, db.Model):
    """Per grant and page domain: a partner's own figures, and where its copies are read."""

    __tablename__ = "daily_grant_views"
    __table_args__ = (
        sa.Index("ix_daily_grant_views_grant_day", "grant_id", "day"),
        sa.Index("ix_daily_grant_views_partner_day", "partner_id", "day"),
    )

    grant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grants.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(sa.String(253), primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="CASCADE"))


class DailyArticleViews(_DailyViews, db.Model):
    __tablename__ = "daily_article_views"
    __table_args__ = (
        sa.Index("ix_daily_article_views_article_day", "article_id", "day"),
        # Reports: every article of a range, from the index alone on PostgreSQL.
        sa.Index(
            "ix_daily_article_views_day", "day", "article_id", postgresql_include=["counted", "raw"]
        ),
    )

    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )


class DailyPartnerViews(_DailyViews, db.Model):
    __tablename__ = "daily_partner_views"
    __table_args__ = (
        sa.Index("ix_daily_partner_views_partner_day", "partner_id", "day"),
        # Reports: every partner of a range, from the index alone on PostgreSQL.
        sa.Index(
            "ix_daily_partner_views_day", "day", "partner_id", postgresql_include=["counted", "raw"]
        ),
    )

    partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )


class DailyDomainViews(_DailyViews, db.Model):
    __tablename__ = "daily_domain_views"
    __table_args__ = (
        sa.Index("ix_daily_domain_views_domain_day", "domain", "day"),
        # Reports: every domain of a range, from the index alone on PostgreSQL.
        sa.Index(
            "ix_daily_domain_views_day", "day", "domain", postgresql_include=["counted", "raw"]
        ),
    )

    domain: Mapped[str] = mapped_column(sa.String(253), primary_key=True)


class DailyTotalViews(_DailyViews, db.Model):
    """Every partner's views of a day in one row: the desk's views over time, read by
    day or week without summing every partner's rows."""

    __tablename__ = "daily_total_views"


class DailyCheckResults(db.Model):
    """Compliance checks finished per UTC day, by result, of one partner's copies; kept by
    services/copy_checks.py as each check finishes, read by the reports."""

    __tablename__ = "daily_check_results"

    partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    state: Mapped[CheckState] = mapped_column(
        enum_column(CheckState, "check_state"), primary_key=True
    )
    checks: Mapped[int] = mapped_column(default=0)


class DailyCheckTotals(db.Model):
    """Every partner's compliance checks of a day in one row per result."""

    __tablename__ = "daily_check_totals"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    state: Mapped[CheckState] = mapped_column(
        enum_column(CheckState, "check_state"), primary_key=True
    )
    checks: Mapped[int] = mapped_column(default=0)


class _MonthlyViews:
    """A calendar month's sums of a daily roll-up, folded from its days by
    services/view_months.py once the month has ended; ``day`` is the month's first day,
    so a report reads months and days alike."""

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    raw: Mapped[int] = mapped_column(default=0)
    counted: Mapped[int] = mapped_column(default=0)


class MonthlyGrantViews(_MonthlyViews, db.Model):
    __tablename__ = "monthly_grant_views"
    __table_args__ = (sa.Index("ix_monthly_grant_views_partner_day", "partner_id", "day"),)

    grant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grants.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(sa.String(253), primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="CASCADE"))


class MonthlyArticleViews(_MonthlyViews, db.Model):
    __tablename__ = "monthly_article_views"
    __table_args__ = (
        sa.Index(
            "ix_monthly_article_views_day",
            "day",
            "article_id",
            postgresql_include=["counted", "raw"],
        ),
    )

    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )


class MonthlyPartnerViews(_MonthlyViews, db.Model):
    __tablename__ = "monthly_partner_views"
    __table_args__ = (
        sa.Index(
            "ix_monthly_partner_views_day",
            "day",
            "partner_id",
            postgresql_include=["counted", "raw"],
        ),
    )

    partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )


class MonthlyDomainViews(_MonthlyViews, db.Model):
    __tablename__ = "monthly_domain_views"
    __table_args__ = (
        sa.Index(
            "ix_monthly_domain_views_day", "day", "domain", postgresql_include=["counted", "raw"]
        ),
    )

    domain: Mapped[str] = mapped_column(sa.String(253), primary_key=True)


class ViewMonth(db.Model):
    """Whether a month's monthly roll-ups hold its days' sums.

    Every hit flush adds one to ``changes`` of each month its hits fall in, in the
    transaction that adds them to the daily roll-ups; the fold records the ``changes``
    it summed. A month is read from the monthly roll-ups only while the two are equal:
    a late hit for a folded month sends the reports back to its days until it is folded
    again.
    """

    __tablename__ = "view_months"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # the month's first day
    changes: Mapped[int] = mapped_column(default=0)
    folded: Mapped[int] = mapped_column(default=0)
    folded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PixelBatch(db.Model):
    """A batch of buffered pixel hits, written once.

    The flush writes a batch's hits, roll-ups and copies in the transaction that
    records its id here. A worker killed after that commit but before it told
    the buffer leaves the batch to be re-claimed; finding its id here, the next
    flush drops it instead of counting it twice. Kept a day, then pruned.
    """

    __tablename__ = "pixel_batches"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    hits: Mapped[int] = mapped_column(default=0)
