"""Audit events: who did what to which object, and why; recorded here, and read back as
the audit log, its CSV export and histories told in sentences."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from syndication.extensions import db
from syndication.models import AuditEvent, User
from syndication.services.pagination import Keyset, Sort, keyset


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


# The reading side: the audit log page, its CSV export, and events told as sentences.

# How each action reads, past tense; "{by}" is the actor ("by Ana Ruiz"). An action
# missing here reads as its code in words, so a new event is never hidden.
SENTENCES: dict[str, str] = {
    "applied": "Applied to become a partner",
    "application_received": "Application received",
    "approve": "Approved {by}",
    "reject": "Rejected {by}",
    "suspend": "Suspended {by}",
    "reinstate": "Reinstated {by}",
    "terminate": "Terminated {by}",
    "partner_decided": "Decided {by}",
    "requested": "Requested {by}",
    "granted": "Granted {by}",
    "refused": "Refused {by}",
    "withdrawn": "Withdrawn {by}",
    "pending": "Put on hold {by}",
    "queued": "Queued for staff {by}",
    "embargo_lifted": "Embargo lifted; decided automatically",
    "released": "Released from intake {by}",
    "intake_reopened": "Sent back to intake {by}",
    "rights_changed": "Rights changed {by}",
    "revised": "Revised {by}",
    "asset_file_stored": "Image file stored {by}",
    "api_key_created": "API key created {by}",
    "api_key_revoked": "API key revoked {by}",
    "feed_token_issued": "Feed token issued {by}",
    "feed_token_revoked": "Feed token revoked {by}",
    "webhook_set": "Webhook set {by}",
    "webhook_cleared": "Webhook removed {by}",
    "user_invited": "User invited {by}",
    "user_removed": "User removed {by}",
    "password_set": "Password set {by}",
    "rule_set_saved": "Rules saved {by}",
    "eligibility_policy_saved": "Eligibility policy saved {by}",
    "own_sources_changed": "Our sources changed {by}",
    "quotas_changed": "Quotas changed {by}",
    "tier_terms_changed": "Tier terms changed {by}",
    "notice_deadlines_changed": "Notice deadlines changed {by}",
    "imported": "Imported {by}",
    "demo_status": "Status set by the demo data",
    "job_retried": "Job retried {by}",
    "import_queued": "File queued for a background import {by}",
    "import_finished": "Background import ended",
    "staff_invited": "Invited as staff {by}",
    "role_changed": "Role changed {by}",
    "staff_deactivated": "Deactivated {by}",
    "staff_reactivated": "Reactivated {by}",
    "copy_flag_handled": "Flag on a copy marked handled {by}",
    "copy_added": "Copy entered for a compliance check {by}",
    "ninjs_version_set": "ninjs version for packages chosen {by}",
    "asset_fetch_queued": "Image fetch queued {by}",
    # Notices and grants.
    "notice_correction": "Correction sent {by}",
    "notice_update": "Update sent {by}",
    "notice_takedown": "Takedown sent {by}",
    "taken_down": "Taken down {by}",
    "grant_revoked": "Grant revoked {by}",
    # Webhooks.
    "webhook_secret_rotated": "Webhook signing secret rotated {by}",
    "webhook_test_sent": "Webhook test event sent {by}",
    "webhook_redelivered": "Webhook delivery sent again {by}",
    "webhook_disabled": "Webhook turned off after failed deliveries",
    # Logging in and the account's security; the actor is the account itself or nobody.
    "logged_in": "Logged in",
    "login_failed": "Login failed: wrong password",
    "login_refused": "Login refused",
    "account_locked": "Account locked after repeated failures",
    "two_factor_failed": "Login failed: wrong second-factor code",
    "two_factor_enabled": "Second factor turned on {by}",
    "two_factor_disabled": "Second factor turned off {by}",
    "recovery_code_used": "Logged in with a recovery code",
    "recovery_codes_regenerated": "New recovery codes made {by}",
    "password_changed": "Password changed {by}",
    "password_reset_requested": "Password reset link requested",
    "password_reset": "Password reset from an emailed link",
    "session_ended": "A session logged out {by}",
    "logged_out_everywhere": "Logged out everywhere {by}",
}

# What object types are called in the log.
OBJECT_NAMES: dict[str, str] = {
    "partners": "partner",
    "articles": "article",
    "article_requests": "request",
    "grants": "grant",
    "api_keys": "API key",
    "users": "user",
    "rule_sets": "rule set",
    "jobs": "job",
    "import_runs": "background import",
    "notices": "notice",
    "eligibility_policies": "eligibility policy",
    "organisation_settings": "settings",
    "tier_settings": "quotas",
    "copies": "copy",
    "webhook_deliveries": "webhook delivery",
    "notice_deliveries": "notice delivery",
}


def actor_name(user: User | None) -> str:
    """How a person is named in the log: their name, else their email."""
    if user is None:
        return ""
    return user.name or user.email


def describe(event: AuditEvent) -> str:
    """The event as a sentence: "Approved by Ana Ruiz: large regional audience"."""
    template = SENTENCES.get(event.action)
    if template is None:
        template = event.action.replace("_", " ").capitalize() + " {by}"
    name = actor_name(event.actor)
    by = f"by {name}" if name else ("by the system" if event.actor_id is None else "")
    if event.action == "applied":
        by = ""
    text = template.format(by=by).strip()
    details = []
    # A decision's verb says where it led; a change of rights says from what to what.
    if event.action in _SHOWS_CHANGE and event.from_status != event.to_status:
        details.append(f"{_words(event.from_status or '—')} → {_words(event.to_status or '—')}")
    data = event.data or {}
    for key in ("tier", "label", "email", "role", "licence_id", "revision"):
        value = data.get(key)
        if value not in (None, ""):
            details.append(f"{key.replace('_', ' ')} {value}")
    for key, say in _DETAILS.items():
        value = data.get(key)
        if value not in (None, ""):
            details.append(say(value))
    if details:
        text += f" ({'; '.join(details)})"
    if event.reason:
        text += f": {event.reason}"
    return text


_SHOWS_CHANGE = frozenset({"rights_changed", "webhook_redelivered"})


def _count(n: object, singular: str) -> str:
    return f"{n} {singular}" if n == 1 else f"{n} {singular}s"


# Details some events carry, said in words; anything else stays in the CSV's data only.
_DETAILS: dict[str, Callable[[Any], str]] = {
    "holders": lambda n: "reached " + _count(n, "holder"),
    "second_factor": lambda kind: "with a recovery code" if kind == "recovery" else "with a code",
    "left": lambda n: _count(n, "recovery code") + " left",
    "url": lambda url: str(url),
    "overlap_hours": lambda h: f"the old secret also signs for {_count(int(h), 'hour')}",
    "note": lambda note: f"note “{note}”",
    "public_reason": lambda why: f"partner told “{why}”",
    "ip_address": lambda ip: f"from {ip}",
}


def _words(code: str) -> str:
    return code.replace("_", " ")


def object_label(event: AuditEvent) -> str:
    """What the event is about, in words: "partner #3"."""
    return f"{OBJECT_NAMES.get(event.object_type, _words(event.object_type))} #{event.object_id}"


@dataclass(frozen=True, slots=True)
class LogFilters:
    """What the audit log is narrowed to; empty values do not filter."""

    actor_id: int | None = None
    object_type: str = ""
    object_id: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


SORT_COLUMNS = {
    "when": AuditEvent.created_at,
    "action": AuditEvent.action,
    "object": AuditEvent.object_type,
}


def _log_query(filters: LogFilters) -> sa.Select:
    query = sa.select(AuditEvent).options(selectinload(AuditEvent.actor))
    if filters.actor_id:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEvent.object_id == filters.object_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    # Dates are whole UTC days, both ends included.
    if filters.date_from:
        query = query.where(
            AuditEvent.created_at >= datetime.combine(filters.date_from, time.min, UTC)
        )
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC)
        query = query.where(AuditEvent.created_at < end)
    return query


def log(
    filters: LogFilters, *, sort: Sort, cursor: str | None = None, per_page: int = 50
) -> Keyset[AuditEvent]:
    """One page of the audit log, newest first unless sorted otherwise, after or before
    the event ``cursor`` names."""
    return keyset(
        _log_query(filters),
        sort=sort,
        columns=SORT_COLUMNS,
        tiebreak=AuditEvent.id,
        cursor=cursor,
        scope=("audit log", filters),
        per_page=per_page,
        count=True,
    )


def log_csv(filters: LogFilters, *, batch: int = 500) -> Iterator[str]:
    """The filtered log as CSV lines, oldest first, read in batches so any size streams."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "when", "actor", "action", "object", "object_id", "from", "to",
                     "reason", "sentence"])  # fmt: skip
    yield _drain(out)
    last_id = 0
    query = _log_query(filters).order_by(AuditEvent.id)
    while True:
        rows = list(db.session.scalars(query.where(AuditEvent.id > last_id).limit(batch)))
        if not rows:
            return
        for e in rows:
            writer.writerow([
                e.id, e.created_at.isoformat(), actor_name(e.actor), e.action, e.object_type,
                e.object_id, e.from_status or "", e.to_status or "", safe_cell(e.reason),
                safe_cell(describe(e)),
            ])  # fmt: skip
        last_id = rows[-1].id
        yield _drain(out)


def _drain(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def safe_cell(text: str) -> str:
    """A CSV cell that a spreadsheet reads as text: one starting with = + - @ would be a
    formula, so it gets a leading quote (the audit log and the reports use it)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def actions() -> list[str]:
    """The actions the log holds, for the filter's choices."""
    return list(
        db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def object_types() -> list[str]:
    """The kinds of object the log holds, for the filter's choices."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)
        )
    )


def actors() -> list[User]:
    """Everyone who appears in the log as an actor, by name."""
    actor_ids = sa.select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()
    return list(
        db.session.scalars(sa.select(User).where(User.id.in_(actor_ids)).order_by(User.email))
    )


def about(object_type: str, object_id: int) -> list[AuditEvent]:
    """Every event about one object, oldest first (a partner's or an article's history)."""
    return list(
        db.session.scalars(
            _log_query(LogFilters(object_type=object_type, object_id=object_id)).order_by(
                AuditEvent.created_at, AuditEvent.id
            )
        )
    )
