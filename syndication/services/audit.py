"""Audit events: who did what to which object, and why."""

from __future__ import annotations

from syndication.extensions import db
from syndication.models import AuditEvent, User


def record(
    actor: User | None,
    action: str,
    obj: object,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str = "",
    **data: object,
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__tablename__,  # type: ignore[attr-defined]
        object_id=obj.id,  # type: ignore[attr-defined]
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
    )
    db.session.add(event)
    return event
