"""Notices to partners (corrections, takedowns): the inbox and acknowledgement.

Webhook endpoints and deliveries are ``services/webhooks.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from syndication.extensions import db
from syndication.models import NoticeDelivery, User
from syndication.models.base import utcnow
from syndication.services import pagination
from syndication.services.errors import NotFound


def inbox(partner_id: int, limit: int = 100) -> list[NoticeDelivery]:
    """The partner's notices, unacknowledged first, newest first."""
    return list(
        db.session.scalars(
            sa.select(NoticeDelivery)
            .where(NoticeDelivery.partner_id == partner_id)
            .options(selectinload(NoticeDelivery.notice))
            .order_by(NoticeDelivery.acknowledged_at.is_not(None), NoticeDelivery.id.desc())
            .limit(limit)
        )
    )


def acknowledge(partner_id: int, delivery_id: int, *, user: User | None = None) -> NoticeDelivery:
    """Record that the partner applied a notice; acknowledging twice changes nothing."""
    delivery = delivery_of(partner_id, delivery_id)
    if delivery.acknowledged_at is None:
        delivery.acknowledged_at = utcnow()
        delivery.acknowledged_by_id = user.id if user else None
        db.session.commit()
    return delivery


def delivery_of(partner_id: int, delivery_id: int) -> NoticeDelivery:
    """The partner's delivery of a notice; another partner's is NotFound, like a missing one."""
    delivery = db.session.scalar(
        sa.select(NoticeDelivery).where(
            NoticeDelivery.id == delivery_id, NoticeDelivery.partner_id == partner_id
        )
    )
    if delivery is None:
        raise NotFound("No such notice.")
    return delivery


def page_of(
    partner_id: int, *, before: int | None, limit: int
) -> tuple[list[NoticeDelivery], bool]:
    """The partner's notices, newest first, below the id ``before``; and whether more follow."""
    return pagination.newest_first(
        sa.select(NoticeDelivery).where(NoticeDelivery.partner_id == partner_id),
        NoticeDelivery,
        before=before,
        limit=limit,
    )
