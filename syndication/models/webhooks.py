"""Webhook deliveries to partners and every attempt made to deliver them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from syndication.extensions import db
from syndication.models.base import TimestampMixin, UTCDateTime, enum_column, utcnow


class WebhookState(enum.StrEnum):
    PENDING = "pending"  # due, or waiting for its next attempt
    DELIVERED = "delivered"  # a 2xx came back
    FAILED = "failed"  # a 4xx, a refused address, or out of attempts: may be redelivered
    DISABLED = "disabled"  # the endpoint answered 410 Gone, or was disabled before sending


class WebhookDelivery(TimestampMixin, db.Model):
    """One event for one partner's endpoint; its message id is stable across attempts."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # A partner's log, newest first, and staff's list of a partner's failures.
        sa.Index("ix_webhook_deliveries_partner_state", "partner_id", "state"),
        sa.CheckConstraint("attempts >= 0", name="attempts_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(sa.String(32))
    # The webhook-id header: receivers deduplicate on it, so a redelivery keeps it.
    message_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The Standard Webhooks envelope {type, timestamp, data}, sent as stored.
    payload: Mapped[dict] = mapped_column(sa.JSON)
    state: Mapped[WebhookState] = mapped_column(
        enum_column(WebhookState, "webhook_state"), default=WebhookState.PENDING
    )
    # Attempts in the current round (a redelivery starts a new round; the log keeps all).
    attempts: Mapped[int] = mapped_column(default=0)
    last_status: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_delivery_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notice_deliveries.id", ondelete="SET NULL"), index=True
    )

    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery",
        order_by="WebhookAttempt.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    partner = relationship("Partner")


class WebhookAttempt(db.Model):
    """One POST of a delivery: when, what came back, how long it took, what went wrong."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None]
    latency_ms: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.Text, default="")

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempt_log")
