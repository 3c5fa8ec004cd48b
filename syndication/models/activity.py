"""The records that answer "who republished what, under which terms"."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from syndication.extensions import db
from syndication.models.base import TimestampMixin, UTCDateTime, enum_column
from syndication.models.tracking import HitVerdict


class NoticeKind(enum.StrEnum):
    CORRECTION = "correction"
    UPDATE = "update"
    TAKEDOWN = "takedown"
    # One partner's grant revoked (it broke the terms): a takedown for that holder only.
    REVOCATION = "revocation"


class Download(TimestampMixin, db.Model):
    __tablename__ = "downloads"
    __table_args__ = (
        # A partner's downloads over time, and its latest ones (newest first, then by id).
        sa.Index("ix_downloads_partner_latest", "partner_id", "created_at", "id"),
        sa.Index("ix_downloads_created", "created_at"),  # reports: downloads over time
        # Holders: each grant's download count and latest download, from the index alone.
        sa.Index("ix_downloads_grant_created", "grant_id", "created_at"),
        sa.CheckConstraint("size >= 0", name="size_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    api_key_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("api_keys.id", ondelete="SET NULL")
    )
    package_hash: Mapped[str] = mapped_column(sa.String(64))
    format: Mapped[str] = mapped_column(sa.String(32))
    size: Mapped[int] = mapped_column(default=0)

    grant = relationship("Grant")
    user = relationship("User")
    api_key = relationship("ApiKey")


class DailyUseTotals(db.Model):
    """Grants issued and downloads per UTC day, folded hourly (services/use_days.py) from
    the grants and downloads up to the ids in :class:`UseFold`; read by the reports."""

    __tablename__ = "daily_use_totals"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    grants: Mapped[int] = mapped_column(default=0)
    downloads: Mapped[int] = mapped_column(default=0)


class UseFold(db.Model):
    """How far :class:`DailyUseTotals` reaches (one row): every day up to ``through``
    holds the grants and downloads of that day whose ids are at most ``grant_id`` and
    ``download_id``; a report counts the rest from the tables themselves."""

    __tablename__ = "use_folds"

    id: Mapped[int] = mapped_column(primary_key=True)
    through: Mapped[date | None] = mapped_column(sa.Date)
    grant_id: Mapped[int] = mapped_column(default=0)
    download_id: Mapped[int] = mapped_column(default=0)


class PixelHit(TimestampMixin, db.Model):
    """A page view of a republished copy, reported by the tracking pixel."""

    __tablename__ = "pixel_hits"
    __table_args__ = (
        sa.Index("ix_pixel_hits_grant_created", "grant_id", "created_at"),
        # The flush looks up each visitor's latest counted views to tell repeats.
        sa.Index("ix_pixel_hits_visitor_created", "visitor_hash", "created_at"),
        # The flush looks up a batch's keys here to drop hits already written.
        sa.Index("ix_pixel_hits_hit_key", "hit_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id", ondelete="CASCADE"))
    referrer: Mapped[str] = mapped_column(sa.String(1000), default="")
    # A hash, not the raw agent or address: enough to count, nothing to identify.
    visitor_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    # The referrer normalised to the page it names, and that page's host.
    page_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    domain: Mapped[str] = mapped_column(sa.String(253), default="")
    # Whether the hit counts as a view, or why not; raw hits are kept either way.
    verdict: Mapped[HitVerdict] = mapped_column(
        enum_column(HitVerdict, "hit_verdict"), default=HitVerdict.COUNTED
    )
    # Made as the pixel is hit (random, 32 hex digits): a hit that reached the buffer twice
    # is written once. None for hits buffered before keys were.
    hit_key: Mapped[str | None] = mapped_column(sa.String(32))


class Notice(TimestampMixin, db.Model):
    """A correction, update or takedown about an article, sent to its holders."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NoticeKind] = mapped_column(enum_column(NoticeKind, "notice_kind"))
    revision_number: Mapped[int | None]
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # What partners are told (the correction note, the public reason for a takedown) and,
    # for takedowns, the reason kept for the record only.
    public_note: Mapped[str] = mapped_column(sa.Text, default="")
    record_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    deliveries: Mapped[list[NoticeDelivery]] = relationship(back_populates="notice")
    article = relationship("Article")


class NoticeDelivery(TimestampMixin, db.Model):
    """One notice addressed to one partner; acknowledged by that partner."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("notice_id", "partner_id"),
        sa.Index("ix_notice_deliveries_created", "created_at"),  # reports: notices in a range
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notices.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    grant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("grants.id", ondelete="SET NULL"), index=True
    )
    # Acknowledge by: reminders go at half time and at the deadline, each once.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reminded_half_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    notice: Mapped[Notice] = relationship(back_populates="deliveries")
    partner = relationship("Partner")


class AuditEvent(TimestampMixin, db.Model):
    """Who did what to which object, when, and why."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[int]
    from_status: Mapped[str | None] = mapped_column(sa.String(32))
    to_status: Mapped[str | None] = mapped_column(sa.String(32))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor = relationship("User")
