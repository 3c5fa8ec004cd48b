"""Notices to partners (corrections, takedowns): the inbox and acknowledgement.

Webhook endpoints and deliveries are ``services/webhooks.py``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import selectinload

from syndication.extensions import db
from syndication.models import (
    ArticleRequest,
    Download,
    Grant,
    GrantStatus,
    Notice,
    NoticeDelivery,
    NoticeKind,
    Partner,
    RequestStatus,
    SyndicationPolicy,
    User,
)
from syndication.models.base import utcnow
from syndication.services import audit, copy_checks, jobs, mail, pagination, settings
from syndication.services.errors import Conflict, Forbidden, Invalid, NotFound

# Unacknowledged (1) before acknowledged (0), each newest first: one direction for both,
# so the inbox pages by keyset on (open, id).
_OPEN_FIRST = {"open": sa.case((NoticeDelivery.acknowledged_at.is_(None), 1), else_=0)}


def inbox(
    partner_id: int, *, cursor: str | None = None, per_page: int = 100
) -> pagination.Keyset[NoticeDelivery]:
    """A page of the partner's notices, unacknowledged first, newest first."""
    return pagination.keyset(
        sa.select(NoticeDelivery)
        .where(NoticeDelivery.partner_id == partner_id)
        .options(selectinload(NoticeDelivery.notice)),
        sort=pagination.Sort("open", descending=True),
        columns=_OPEN_FIRST,
        tiebreak=NoticeDelivery.id,
        cursor=cursor,
        scope=("notice inbox", partner_id),
        per_page=per_page,
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
    partner_id: int, *, before: int | None, limit: int, unacknowledged: bool = False
) -> tuple[list[NoticeDelivery], bool]:
    """The partner's notices, newest first, below the id ``before``; and whether more follow.

    ``unacknowledged`` keeps only those still waiting for the partner.
    """
    query = sa.select(NoticeDelivery).where(NoticeDelivery.partner_id == partner_id)
    if unacknowledged:
        query = query.where(NoticeDelivery.acknowledged_at.is_(None))
    return pagination.newest_first(query, NoticeDelivery, before=before, limit=limit)


def changes(
    partner_id: int, *, after: int | None, since: datetime | None, limit: int
) -> tuple[list[NoticeDelivery], bool]:
    """What changed in the partner's grants, oldest first, after the cursor ``after``:
    corrected and updated revisions, takedowns and revocations. For a CMS that polls
    instead of receiving webhooks; keyset on the delivery id, so nothing is skipped or
    repeated however many arrive between two polls."""
    query = (
        sa.select(NoticeDelivery)
        .where(NoticeDelivery.partner_id == partner_id)
        .options(selectinload(NoticeDelivery.notice))
    )
    if after is not None:
        query = query.where(NoticeDelivery.id > after)
    if since is not None:
        query = query.where(NoticeDelivery.created_at >= since)
    rows = list(db.session.scalars(query.order_by(NoticeDelivery.id).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


# --- creating notices and reaching every holder -------------------------------------

NOTICE_EMAIL_JOB = "notices.email"
ACK_SALT = "notice-ack"
# Holders include partners whose grant ran out this recently: they may still show it.
HOLDER_WINDOW = timedelta(days=90)
_KIND_WORDS = {
    NoticeKind.CORRECTION: "Correction",
    NoticeKind.UPDATE: "Update",
    NoticeKind.TAKEDOWN: "Takedown",
    NoticeKind.REVOCATION: "Licence revoked",
}


@dataclass(frozen=True)
class Holder:
    """A partner a notice about an article reaches, the grant it holds and its channels."""

    partner: Partner
    grant_id: int | None
    downloaded: bool
    channels: tuple[str, ...]


def _holding(article_id: int, now: datetime) -> sa.Select:
    """(partner_id, grant_id, downloads) of every holder of the article: one row per partner,
    with its newest grant that is live, ran out within the window, or was downloaded."""
    recent = sa.or_(
        sa.and_(Grant.status == GrantStatus.ACTIVE, Grant.valid_until.is_(None)),
        Grant.valid_until > now - HOLDER_WINDOW,
    )
    downloads = sa.func.count(Download.id)
    return (
        sa.select(
            Grant.partner_id.label("partner_id"),
            sa.func.max(Grant.id).label("grant_id"),
            downloads.label("downloads"),
        )
        .outerjoin(Download, Download.grant_id == Grant.id)
        .where(Grant.article_id == article_id, Grant.status != GrantStatus.REVOKED)
        .group_by(Grant.partner_id)
        .having(sa.or_(sa.func.max(sa.case((recent, 1), else_=0)) == 1, downloads > 0))
    )


def holders(article_id: int, *, now: datetime | None = None) -> list[Holder]:
    """Every partner holding the article: a live grant, one that ran out within the
    syndication window, or a download of it; with the channels a notice reaches them on."""
    rows = db.session.execute(_holding(article_id, now or utcnow())).all()
    partners = {
        p.id: p
        for p in db.session.scalars(sa.select(Partner).where(Partner.id.in_([r[0] for r in rows])))
    }
    out = []
    for partner_id, grant_id, downloads in rows:
        partner = partners[partner_id]
        channels = ["inbox", "email"]
        if partner.webhook_url:
            channels.append("webhook")
        out.append(Holder(partner, grant_id, downloads > 0, tuple(channels)))
    return sorted(out, key=lambda h: h.partner.name.lower())


def ack_hours(kind: NoticeKind) -> int:
    """Hours partners have to acknowledge a notice of this kind (admin-set)."""
    org = settings.organisation()
    return {
        NoticeKind.TAKEDOWN: org.takedown_ack_hours,
        NoticeKind.REVOCATION: org.takedown_ack_hours,
        NoticeKind.CORRECTION: org.correction_ack_hours,
        NoticeKind.UPDATE: org.update_ack_hours,
    }[kind]


def create(
    article_id: int,
    kind: NoticeKind | str,
    *,
    actor: User | None,
    note: str = "",
    record_reason: str = "",
    headline: str | None = None,
    dek: str | None = None,
    body_html: str | None = None,
    now: datetime | None = None,
) -> Notice:
    """Send a correction, update or takedown to every holder of the article, in one transaction.

    A correction or update with changed content makes a new revision (its note
    is the public note); without, it tells holders about the current revision.
    A takedown revokes every grant on the article at once, withdraws it from the
    catalogue, feeds and API, and refuses waiting requests. One delivery row per
    holder is written with the notice (the outbox); the queue carries their ids
    to the email sender, and the inbox shows them at once.
    """
    from syndication.services import articles  # articles builds on notices' neighbours

    kind = NoticeKind(kind)
    now = now or utcnow()
    note = note.strip()
    article = articles.get(article_id)
    if kind is NoticeKind.CORRECTION and not note:
        raise Invalid("A correction needs a public note saying what was corrected.")
    if kind is NoticeKind.TAKEDOWN:
        record_reason = record_reason.strip()
        if not note or not record_reason:
            raise Invalid(
                "A takedown needs a reason for the record and a public reason for partners."
            )
        if article.withdrawn_at is not None:
            raise Conflict("This article has already been taken down.")
    edits = {"headline": headline or article.headline, "dek": dek or "", "body_html": body_html}
    # The texts as a form sends them back (line endings changed) are no change: the notice
    # is about the current revision then.
    if (
        kind is not NoticeKind.TAKEDOWN
        and body_html is not None
        and articles.would_change(article, **edits)
    ):
        articles.edit_content(
            article,
            actor=actor,
            **edits,
            note=note or f"{_KIND_WORDS[kind]} of {now:%d %b %Y}",
            commit=False,
        )
    notice = Notice(
        article_id=article.id,
        kind=kind,
        revision_number=article.current_revision,
        title=f"{_KIND_WORDS[kind]}: {article.headline}"[:300],
        body=note,
        public_note=note,
        record_reason=record_reason,
        created_by_id=actor.id if actor else None,
        created_at=now,
    )
    db.session.add(notice)
    db.session.flush()
    # Thousands of holders: their deliveries are written by one INSERT … SELECT from the
    # holders query, before a takedown revokes the grants that make them holders.
    holding = _holding(article.id, now).subquery()
    column = NoticeDelivery.__table__.c
    reached = db.session.execute(
        sa.insert(NoticeDelivery).from_select(
            ["notice_id", "partner_id", "grant_id", "due_at", "created_at"],
            sa.select(
                sa.literal(notice.id, column.notice_id.type),
                holding.c.partner_id,
                holding.c.grant_id,
                sa.literal(now + timedelta(hours=ack_hours(kind)), column.due_at.type),
                sa.literal(now, column.created_at.type),
            ),
        )
    ).rowcount
    if kind is NoticeKind.TAKEDOWN:
        _take_down(article, notice, actor, now)
    elif note:
        # Every package of the article shows it from now on (the article's content
        # version moves with it, so remembered packages are rebuilt).
        article.public_note, article.public_note_kind = note, kind.value
    this_notice = NoticeDelivery.notice_id == notice.id
    jobs.add_for_each(
        NOTICE_EMAIL_JOB, "delivery_id", sa.select(NoticeDelivery.id).where(this_notice)
    )
    hooked = db.session.scalars(
        sa.select(NoticeDelivery)
        .join(Partner, Partner.id == NoticeDelivery.partner_id)
        .where(this_notice, Partner.webhook_url.is_not(None))
        .order_by(NoticeDelivery.id)
    ).all()
    for delivery in hooked:
        _queue_webhook(notice, delivery, f"notice.{kind.value}")
    db.session.expire(notice, ["deliveries"])
    # Every known copy is checked again: does it carry the correction, is it gone?
    copy_checks.queue_for_article(article.id)
    audit.record(
        actor,
        f"notice_{kind.value}",
        article,
        notice_id=notice.id,
        holders=reached,
        note=note,
        reason=record_reason,
    )
    db.session.commit()
    return notice


def revoke_grant(
    grant_id: int,
    *,
    actor: User,
    reason: str,
    public_reason: str,
    now: datetime | None = None,
) -> Notice:
    """Revoke one partner's grant (it broke the terms): a takedown for that holder only.

    Its downloads and signed links answer 410 Gone, it leaves that partner's
    feeds, and the partner is told on every channel, as for a takedown.
    """
    now = now or utcnow()
    reason, public_reason = reason.strip(), public_reason.strip()
    if not reason or not public_reason:
        raise Invalid("Revoking needs a reason for the record and a reason for the partner.")
    grant = db.session.get(Grant, grant_id)
    if grant is None:
        raise NotFound("No such grant.")
    if grant.status is GrantStatus.REVOKED:
        raise Conflict(f"Grant {grant.licence_id} is already revoked.")
    notice = Notice(
        article_id=grant.article_id,
        kind=NoticeKind.REVOCATION,
        revision_number=grant.article.current_revision,
        title=f"Licence {grant.licence_id} revoked: {grant.article.headline}"[:300],
        body=public_reason,
        public_note=public_reason,
        record_reason=reason,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(notice)
    db.session.flush()
    grant.status = GrantStatus.REVOKED
    grant.revoked_at = now
    grant.revoked_reason, grant.revoked_public_reason = reason, public_reason
    grant.revoked_notice_id = notice.id
    delivery = NoticeDelivery(
        notice_id=notice.id,
        partner_id=grant.partner_id,
        grant_id=grant.id,
        due_at=now + timedelta(hours=ack_hours(NoticeKind.REVOCATION)),
        created_at=now,
    )
    db.session.add(delivery)
    db.session.flush()
    _send_on_every_channel(notice, delivery, "grant.revoked")
    copy_checks.queue_for_grant(grant.id)
    audit.record(actor, "grant_revoked", grant, reason=reason, public_reason=public_reason)
    db.session.commit()
    return notice


def _send_on_every_channel(notice: Notice, delivery: NoticeDelivery, event: str) -> None:
    """The inbox has the delivery row already; queue its email and its webhook event."""
    jobs.add(NOTICE_EMAIL_JOB, {"delivery_id": delivery.id})
    _queue_webhook(notice, delivery, event)


def _queue_webhook(notice: Notice, delivery: NoticeDelivery, event: str) -> None:
    """The delivery's webhook event, if the partner has an enabled webhook."""
    from syndication.links import absolute_url
    from syndication.services import webhooks

    gone = notice.kind in (NoticeKind.TAKEDOWN, NoticeKind.REVOCATION)
    data = {
        "notice_id": delivery.id,
        "kind": notice.kind.value,
        "article_id": notice.article_id,
        "revision": notice.revision_number,
        "title": notice.title,
        "note": notice.public_note,
        "grant_id": delivery.grant_id,
        "acknowledge_by": delivery.due_at.isoformat() if delivery.due_at else None,
        "notice_url": absolute_url("api.list_notices"),
        "acknowledge_url": absolute_url("api.acknowledge_notice", notice_id=delivery.id),
        "package_url": (
            absolute_url("api.package", grant_id=delivery.grant_id)
            if delivery.grant_id and not gone
            else None
        ),
    }
    webhooks.queue_event(delivery.partner_id, event, data, notice_delivery_id=delivery.id)


def _take_down(article, notice: Notice, actor: User | None, now: datetime) -> None:
    """Revoke every grant at once, withdraw the article, refuse what waits for it."""
    db.session.execute(
        sa.update(Grant)
        .where(Grant.article_id == article.id, Grant.status == GrantStatus.ACTIVE)
        .values(
            status=GrantStatus.REVOKED,
            revoked_at=now,
            revoked_reason=notice.record_reason,
            revoked_public_reason=notice.public_note,
            revoked_notice_id=notice.id,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(ArticleRequest)
        .where(
            ArticleRequest.article_id == article.id,
            ArticleRequest.status == RequestStatus.PENDING,
        )
        .values(status=RequestStatus.REFUSED, decided_at=now, reason="The article was withdrawn.")
        .execution_options(synchronize_session=False)
    )
    article.policy = SyndicationPolicy.NOT_SYNDICATED
    article.withdrawn_at = now
    audit.record(actor, "taken_down", article, reason=notice.record_reason)


def _ack_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=ACK_SALT)


def ack_token(delivery: NoticeDelivery) -> str:
    """The signed token of this delivery's acknowledgement link."""
    return _ack_serializer().dumps({"d": delivery.id, "p": delivery.partner_id})


def ack_link(delivery: NoticeDelivery) -> str:
    """A signed link that acknowledges this delivery without logging in (in the email)."""
    return mail.external_url("public.acknowledge_notice", token=ack_token(delivery))


def _from_link(token: str) -> tuple[int, int]:
    try:
        data = _ack_serializer().loads(token, max_age=ACK_LINK_MAX_AGE)
    except SignatureExpired as exc:
        raise Forbidden("This link has expired; acknowledge the notice in the portal.") from exc
    except BadSignature as exc:
        raise NotFound("This acknowledgement link is not valid.") from exc
    return int(data["p"]), int(data["d"])


def delivery_by_link(token: str) -> NoticeDelivery:
    """The delivery a valid acknowledgement link names; a clear refusal otherwise."""
    return delivery_of(*_from_link(token))


def acknowledge_by_link(token: str) -> NoticeDelivery:
    """Acknowledge the delivery a valid link names (its partner's, nobody else's)."""
    return acknowledge(*_from_link(token))


ACK_LINK_MAX_AGE = 30 * 24 * 3600


def email_holder(delivery_id: int, *, reminder: str = "") -> None:
    """Email one delivery's notice to the partner's contacts (a worker runs this).

    ``reminder`` is "" for the notice itself, "half" or "due" for the reminders.
    """
    from syndication.services import packages

    delivery = db.session.get(NoticeDelivery, delivery_id)
    if delivery is None or (reminder and delivery.acknowledged_at is not None):
        return
    notice, partner = delivery.notice, delivery.partner
    grant = db.session.get(Grant, delivery.grant_id) if delivery.grant_id else None
    link = (
        packages.signed_link(grant)
        if grant is not None and notice.kind not in (NoticeKind.TAKEDOWN, NoticeKind.REVOCATION)
        else None
    )
    contacts = {partner.contact_email} | {u.email for u in partner.users if u.active and u.email}
    prefix = {"half": "Reminder: ", "due": "Overdue: "}.get(reminder, "")
    for address in sorted(contacts):
        mail.send(
            "notice",
            address,
            f"{prefix}{notice.title}",
            notice=notice,
            delivery=delivery,
            partner=partner,
            package_link=link,
            ack_link=ack_link(delivery),
            reminder=reminder,
            organisation=settings.organisation(),
        )
    db.session.commit()


def send_reminders(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Queue reminders for unacknowledged deliveries at half time and at the deadline."""
    now = now or utcnow()
    sent = 0
    pending = db.session.scalars(
        sa.select(NoticeDelivery)
        .where(NoticeDelivery.acknowledged_at.is_(None), NoticeDelivery.due_at.is_not(None))
        .where(
            sa.or_(
                NoticeDelivery.reminded_half_at.is_(None), NoticeDelivery.reminded_due_at.is_(None)
            )
        )
        .limit(limit)
    ).all()
    for delivery in pending:
        start = delivery.created_at
        half = start + (delivery.due_at - start) / 2
        if delivery.reminded_due_at is None and now >= delivery.due_at:
            delivery.reminded_due_at = now
            delivery.reminded_half_at = delivery.reminded_half_at or now
            jobs.add(NOTICE_EMAIL_JOB, {"delivery_id": delivery.id, "reminder": "due"})
            sent += 1
        elif delivery.reminded_half_at is None and now >= half:
            delivery.reminded_half_at = now
            jobs.add(NOTICE_EMAIL_JOB, {"delivery_id": delivery.id, "reminder": "half"})
            sent += 1
    db.session.commit()
    return sent


@dataclass(frozen=True, slots=True)
class NoticeSummary:
    notice: Notice
    acknowledged: int
    pending: int
    overdue: int


@dataclass(frozen=True, slots=True)
class NoticeFilters:
    """What the Notices table is narrowed to; empty values do not filter."""

    kind: str = ""
    # "overdue": only notices with a late holder; "open": with any holder still to answer.
    state: str = ""
    date_from: date | None = None
    date_to: date | None = None


SUMMARY_STATES = ("open", "overdue")


def summaries(
    filters: NoticeFilters | None = None,
    *,
    sort: pagination.Sort | None = None,
    cursor: str | None = None,
    per_page: int = 50,
    now: datetime | None = None,
) -> pagination.Keyset[NoticeSummary]:
    """Notices (newest first unless sorted) with how many holders acknowledged, are
    pending or overdue; filtered by kind, state and the day they were sent; the page
    after or before the notice ``cursor`` names."""
    filters = filters or NoticeFilters()
    now = now or utcnow()
    acked = sa.func.count(NoticeDelivery.acknowledged_at)
    overdue = sa.func.coalesce(
        sa.func.sum(
            sa.case(
                (sa.and_(NoticeDelivery.acknowledged_at.is_(None), NoticeDelivery.due_at < now), 1),
                else_=0,
            )
        ),
        0,
    )
    total = sa.func.count(NoticeDelivery.id)
    query = (
        sa.select(Notice, acked, overdue, total)
        .outerjoin(NoticeDelivery, NoticeDelivery.notice_id == Notice.id)
        .group_by(Notice.id)
    )
    if filters.kind:
        query = query.where(Notice.kind == NoticeKind(filters.kind))
    if filters.date_from:
        query = query.where(Notice.created_at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC)
        query = query.where(Notice.created_at < end)
    if filters.state == "overdue":
        query = query.having(overdue > 0)
    elif filters.state == "open":
        query = query.having(total > acked)
    columns = {
        "sent": Notice.created_at,
        "title": Notice.title,
        "kind": Notice.kind,
        "acknowledged": acked,
        "pending": total - acked - overdue,
        "overdue": overdue,
    }
    sort = sort or pagination.Sort("sent", descending=True)
    found = pagination.keyset(
        query,
        sort=sort,
        columns=columns,
        tiebreak=Notice.id,
        cursor=cursor,
        # The states filter on counts per notice, so the position is tested after grouping.
        scope=("notices", filters),
        per_page=per_page,
        having=True,
        count=True,
    )
    items = [NoticeSummary(n, a, (t - a) - (o or 0), o or 0) for n, a, o, t in found.items]
    return dataclasses.replace(found, items=items)


SUMMARY_SORTS = frozenset({"sent", "title", "kind", "acknowledged", "pending", "overdue"})


def deliveries_of(
    notice_id: int, *, state: str = "", partner_id: int | None = None, now: datetime | None = None
) -> tuple[Notice, list[NoticeDelivery]]:
    """A notice and its deliveries, filtered by state (acknowledged, pending, overdue)."""
    now = now or utcnow()
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        raise NotFound("No such notice.")
    query = (
        sa.select(NoticeDelivery)
        .where(NoticeDelivery.notice_id == notice_id)
        .options(selectinload(NoticeDelivery.partner))
        .order_by(NoticeDelivery.id)
    )
    if state == "acknowledged":
        query = query.where(NoticeDelivery.acknowledged_at.is_not(None))
    elif state == "pending":
        query = query.where(NoticeDelivery.acknowledged_at.is_(None), NoticeDelivery.due_at >= now)
    elif state == "overdue":
        query = query.where(NoticeDelivery.acknowledged_at.is_(None), NoticeDelivery.due_at < now)
    elif state:
        raise Invalid("Filter by acknowledged, pending or overdue.")
    if partner_id is not None:
        query = query.where(NoticeDelivery.partner_id == partner_id)
    return notice, list(db.session.scalars(query))
