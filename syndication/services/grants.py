"""Requests and grants: a partner asks, policy or staff decide, a grant freezes the terms."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import load_only, selectinload

from syndication.extensions import db
from syndication.models import (
    Article,
    ArticleRequest,
    CatalogueVersion,
    Grant,
    GrantStatus,
    OrganisationSettings,
    Partner,
    PartnerTier,
    RequestStatus,
    RuleSet,
    User,
)
from syndication.models.base import sql_constant, utcnow
from syndication.policy.requests import InvalidRequestTransition, Outcome, decide_request, move
from syndication.rules.odrl import odrl_policy
from syndication.rules.snapshot import snapshot_hash, terms_snapshot
from syndication.services import audit, jobs, licences, mail, pagination, rulesets, settings
from syndication.services.errors import Conflict, DomainError, NotFound

MAX_ARTICLES_PER_REQUEST = 100


@dataclass(frozen=True, slots=True)
class RequestResult:
    request: ArticleRequest
    grant: Grant | None


def held_by(partner_id: int, article_ids: Collection[int]) -> dict[int, int]:
    """Which of these articles the partner holds: article id -> id of the grant it holds.

    Held means a live grant (neither revoked nor expired), the newest when
    there are several: one the partner may use now, and the one that makes
    asking again pointless (request_articles refuses it). A revoked or
    expired grant does not count, so the catalogue offers the article again.
    The catalogue, the API and requests all answer with this one query.
    """
    if not article_ids:
        return {}
    params = {"partner_id": partner_id, "article_ids": sorted(set(article_ids)), "now": utcnow()}
    return dict(db.session.execute(_HELD_BY, params).all())


# held_by's statement, built once: it runs on every catalogue page, and building
# it anew cost more than the query.
_HELD_BY = (
    sa.select(Grant.article_id, sa.func.max(Grant.id).label("grant_id"))
    .where(
        Grant.partner_id == sa.bindparam("partner_id"),
        Grant.article_id.in_(sa.bindparam("article_ids", expanding=True)),
        *Grant.live_at(sa.bindparam("now", type_=Grant.valid_until.type)),
    )
    .group_by(Grant.article_id)
)
_HELD = _HELD_BY.subquery("held")
# The catalogue's version with each held article beside it (or none).
_VERSION = sa.select(CatalogueVersion.current().label("version")).subquery("catalogue")
_HELD_AT_VERSION = (
    sa.select(_VERSION.c.version, _HELD.c.article_id, _HELD.c.grant_id)
    .select_from(_VERSION)
    .outerjoin(_HELD, sa.true())
)


def held_at_catalogue_version(
    partner_id: int, article_ids: Collection[int]
) -> tuple[dict[int, int], int]:
    """held_by, and in the same statement the catalogue's version (search.catalogue_version).

    For a page of the catalogue kept under a version: the statement that reads what
    the partner holds also says whether that version still holds.
    """
    params = {"partner_id": partner_id, "article_ids": sorted(set(article_ids)), "now": utcnow()}
    rows = db.session.execute(_HELD_AT_VERSION, params).all()
    held = {row.article_id: row.grant_id for row in rows if row.article_id is not None}
    return held, rows[0].version


def active_grant(partner_id: int, article_id: int) -> Grant | None:
    """The grant the partner holds for an article (see held_by), if any."""
    grant_id = held_by(partner_id, [article_id]).get(article_id)
    return db.session.get(Grant, grant_id) if grant_id is not None else None


def get(grant_id: int) -> Grant:
    """Any grant by id, for staff; NotFound when there is none."""
    grant = db.session.get(Grant, grant_id)
    if grant is None:
        raise NotFound("No such grant.")
    return grant


def of_partner(partner_id: int, grant_id: int) -> Grant:
    """The partner's grant; another partner's is NotFound, so its existence is not revealed."""
    grant = db.session.scalar(
        sa.select(Grant).where(Grant.id == grant_id, Grant.partner_id == partner_id)
    )
    if grant is None:
        raise NotFound("No such grant.")
    return grant


def grants_of(partner_id: int, *, limit: int = 20) -> list[Grant]:
    """The partner's newest grants, with their articles' headlines (what the lists show:
    not each grant's frozen terms, nor each article's body)."""
    return list(
        db.session.scalars(
            sa.select(Grant)
            .where(Grant.partner_id == partner_id)
            .options(
                load_only(Grant.licence_id, Grant.article_id),
                selectinload(Grant.article).load_only(Article.headline),
            )
            .order_by(Grant.created_at.desc(), Grant.id.desc())
            .limit(limit)
        )
    )


def grant_page(partner_id: int, *, before: int | None, limit: int) -> tuple[list[Grant], bool]:
    """The partner's grants, newest first, below the id ``before``; and whether more follow."""
    return pagination.newest_first(
        sa.select(Grant).where(Grant.partner_id == partner_id), Grant, before=before, limit=limit
    )


def request_page(
    partner_id: int, *, before: int | None, limit: int
) -> tuple[list[ArticleRequest], bool]:
    """The partner's requests, newest first, below the id ``before``; and whether more follow."""
    return pagination.newest_first(
        sa.select(ArticleRequest).where(ArticleRequest.partner_id == partner_id),
        ArticleRequest,
        before=before,
        limit=limit,
    )


def grants_for_requests(request_ids: Collection[int]) -> dict[int, int]:
    """Request id -> id of the grant it led to, for those that led to one."""
    if not request_ids:
        return {}
    rows = db.session.execute(
        sa.select(Grant.request_id, Grant.id).where(Grant.request_id.in_(list(request_ids)))
    )
    return dict(rows.all())


def pending_count() -> int:
    """How many requests wait for staff."""
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            ArticleRequest.status == sql_constant(RequestStatus.PENDING)
        )
    )


def _licence_id() -> str:
    # Short, unguessable and readable on the phone: SD-2026-8F3K2Q9A.
    return f"SD-{utcnow():%Y}-{secrets.token_hex(4).upper()}"


def frozen_terms(
    article: Article,
    partner: Partner,
    licence_id: str,
    *,
    now: datetime,
    rule_set: RuleSet,
    org: OrganisationSettings,
    hold_until: datetime | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The terms snapshot and ODRL policy a grant of ``article`` to ``partner`` freezes ``now``."""
    tier = partner.tier.value if partner.tier else "standard"
    variables = rulesets.template_variables(
        article, partner_name=partner.name, partner_tier=tier, licence_id=licence_id
    )
    valid_until = article.expires_at
    snapshot = terms_snapshot(
        rulesets.engine_rules(rule_set),
        rulesets.article_facts(article),
        variables=variables,
        partner_tier=tier,
        now=now,
        licence_id=licence_id,
        rule_set_version=rule_set.version,
        valid_from=now,
        valid_until=valid_until,
        hold_until=hold_until,
    )
    odrl = odrl_policy(
        # The app's public page of the licence, under PUBLIC_BASE_URL; frozen with the terms,
        # so every file of every package of this grant names the same URI for good.
        uid=licences.uri_for(licence_id),
        organisation=org.name,
        organisation_uri=org.website_url,
        partner_name=partner.name,
        partner_uri=partner.website,
        target=article.canonical_url or f"{org.website_url.rstrip('/')}/articles/{article.id}",
        footer_text=snapshot["formats"]["text"]["footer"] or "",
        valid_from=now,
        valid_until=valid_until,
        territory=[article.territory] if article.territory else (),
        licensing_email=org.licensing_email,
    )
    return snapshot, odrl


def issue_grant(request: ArticleRequest, *, actor: User | None, now=None) -> Grant:
    """Freeze the terms for a request and record the grant (the caller commits).

    Copy granted while its embargo still runs (a tier trusted with embargoed
    copy, or staff granting early) carries the embargo in its terms: every
    format of its package says it is held for release.
    """
    article, partner = request.article, request.partner
    rule_set = rulesets.current()
    org = settings.organisation()
    now = now or utcnow()
    hold_until = (
        article.embargo_until if article.embargo_until and article.embargo_until > now else None
    )
    # The partner's earlier grant of this article, if its validity ran out, is replaced:
    # one active grant per partner and article is a database rule.
    db.session.execute(
        sa.update(Grant)
        .where(
            Grant.partner_id == partner.id,
            Grant.article_id == article.id,
            Grant.status == GrantStatus.ACTIVE,
            Grant.valid_until.is_not(None),
            Grant.valid_until <= now,
        )
        .values(status=GrantStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    licence_id = _licence_id()
    snapshot, odrl = frozen_terms(
        article, partner, licence_id, now=now, rule_set=rule_set, org=org, hold_until=hold_until
    )
    valid_until = article.expires_at
    grant = Grant(
        licence_id=licence_id,
        partner=partner,
        article=article,
        request_id=request.id,
        rule_set=rule_set,
        revision_number=article.current_revision,
        valid_from=now,
        valid_until=valid_until,
        terms=snapshot,
        odrl=odrl,
        terms_hash=snapshot_hash(snapshot),
    )
    db.session.add(grant)
    db.session.flush()
    audit.record(actor, "granted", grant, licence_id=licence_id, request_id=request.id)
    return grant


def request_articles(
    partner: Partner,
    article_ids: Sequence[int],
    *,
    requested_by: User | None = None,
    note: str = "",
) -> list[RequestResult]:
    """A partner requests one or many articles; each is granted, queued or refused at once.

    ``requested_by`` is the person who asked (None when an API key did). Two
    requests racing for the same article meet at the database's unique
    indexes (one open request, one active grant per partner and article): the
    loser rolls back and, asked again, is answered with what the winner made.
    """
    ids = list(dict.fromkeys(int(i) for i in article_ids))
    if not ids:
        raise DomainError("Choose at least one article to request.")
    if len(ids) > MAX_ARTICLES_PER_REQUEST:
        raise DomainError(f"Request at most {MAX_ARTICLES_PER_REQUEST} articles at a time.")
    for attempt in range(3):
        try:
            return _request_articles(partner, ids, requested_by=requested_by, note=note)
        except sa.exc.IntegrityError as exc:
            db.session.rollback()
            if attempt == 2:
                raise Conflict(
                    "Another request for these articles was being made; try again."
                ) from exc
    raise AssertionError("unreachable")


def _request_articles(
    partner: Partner, ids: list[int], *, requested_by: User | None, note: str
) -> list[RequestResult]:
    # On SQLite, take the write lock now: a transaction that reads first and writes
    # later is refused outright when another writer got in between.
    jobs.begin_write()
    articles = {
        a.id: a
        for a in db.session.scalars(
            sa.select(Article).where(Article.id.in_(ids), Article.offered_sql())
        )
    }
    # An article that is not offered is answered as one that does not exist: a request
    # reveals nothing about it, not even its headline.
    missing = [i for i in ids if i not in articles]
    if missing:
        raise NotFound(f"No such article: {', '.join(map(str, missing))}.")
    batch = str(uuid.uuid4())
    now = utcnow()
    held = held_by(partner.id, ids)
    open_requests = _open_requests(partner.id, ids)
    tier_terms = settings.tier_terms()[partner.tier or PartnerTier.STANDARD]
    quota = tier_terms.monthly_quota
    used = _granted_this_month(partner.id, now) if quota is not None else 0
    results: list[RequestResult] = []
    for article_id in ids:
        article = articles[article_id]
        if article.id in open_requests:
            # One open request per partner and article: asking again answers with it.
            results.append(RequestResult(open_requests[article.id], None))
            continue
        request = ArticleRequest(
            batch=batch,
            partner=partner,
            article=article,
            requested_by_id=requested_by.id if requested_by else None,
            note=note,
            # Every request starts pending and leaves it only through move().
            status=RequestStatus.PENDING,
        )
        db.session.add(request)
        if article.id in held:
            existing = db.session.get(Grant, held[article.id])
            request.status = move(request.status, RequestStatus.REFUSED)
            request.reason = f"You already hold grant {existing.licence_id} for this article."
            db.session.flush()
            results.append(RequestResult(request, existing))
            continue
        verdict = decide_request(
            partner_status=partner.status.value,
            policy=article.policy.value,
            embargo_until=article.embargo_until,
            expires_at=article.expires_at,
            now=now,
            monthly_quota=quota,
            used_this_month=used,
            embargoed_copy=tier_terms.embargoed_copy,
        )
        request.reason = verdict.reason
        db.session.flush()
        grant = None
        if verdict.outcome is Outcome.GRANT:
            request.status = move(request.status, RequestStatus.GRANTED)
            request.decided_at = now
            grant = issue_grant(request, actor=None, now=now)
            used += 1
        elif verdict.outcome is Outcome.WAIT:
            # Due when the embargo lifts; the job is written in this same transaction.
            jobs.add(EMBARGO_JOB, {"request_id": request.id}, run_at=article.embargo_until)
        elif verdict.outcome is Outcome.REFUSE:
            request.status = move(request.status, RequestStatus.REFUSED)
            request.decided_at = now
        audit.record(
            requested_by,
            "requested",
            request,
            to_status=request.status.value,
            reason=verdict.reason,
        )
        results.append(RequestResult(request, grant))
    db.session.commit()
    return results


EMBARGO_JOB = "embargo.grant"


def _open_requests(partner_id: int, article_ids: Collection[int]) -> dict[int, ArticleRequest]:
    """The partner's pending requests for these articles, by article id."""
    rows = db.session.scalars(
        sa.select(ArticleRequest).where(
            ArticleRequest.partner_id == partner_id,
            ArticleRequest.article_id.in_(article_ids),
            # Written in: the one-open-request index names it (models.base.sql_constant).
            ArticleRequest.status == sql_constant(RequestStatus.PENDING),
        )
    )
    return {row.article_id: row for row in rows}


def _granted_this_month(partner_id: int, now) -> int:
    """Grants the partner received since the start of this calendar month (UTC)."""
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Grant)
        .where(Grant.partner_id == partner_id, Grant.created_at >= month_start)
    )


def grant_when_embargo_lifts(request_id: int, *, now=None) -> Grant | None:
    """The embargo job: grant a waiting request once its article's embargo has lifted.

    Exactly once: the request leaves pending through one conditional UPDATE,
    so a second run (the sweep, a duplicate message, two workers) finds it no
    longer pending and does nothing. An embargo moved later waits again.
    """
    now = now or utcnow()
    jobs.begin_write()
    request = db.session.get(ArticleRequest, request_id)
    if request is None or request.status is not RequestStatus.PENDING:
        db.session.rollback()
        return None
    article, partner = request.article, request.partner
    if article.embargo_until is not None and article.embargo_until > now:
        jobs.add(EMBARGO_JOB, {"request_id": request.id}, run_at=article.embargo_until)
        db.session.commit()
        return None
    usable = article.is_offered and partner.status.value == "approved"
    expired = article.expires_at is not None and article.expires_at <= now
    target = RequestStatus.GRANTED if usable and not expired else RequestStatus.REFUSED
    move(request.status, target)
    won = db.session.execute(
        sa.update(ArticleRequest)
        .where(ArticleRequest.id == request.id, ArticleRequest.status == RequestStatus.PENDING)
        .values(status=target, decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        db.session.rollback()
        return None
    db.session.refresh(request)
    grant = None
    if target is RequestStatus.GRANTED:
        request.reason = "The embargo lifted: granted automatically."
        grant = issue_grant(request, actor=None)
    else:
        request.reason = "The embargo lifted, but the article can no longer be granted to you."
    audit.record(None, "embargo_lifted", request, from_status="pending", to_status=target.value)
    _notify(request, grant)
    db.session.commit()
    return grant


def withdraw_request(request_id: int, *, partner_id: int, actor: User | None) -> ArticleRequest:
    """A partner withdraws its own waiting request (another partner's is not found)."""
    request = db.session.get(ArticleRequest, request_id)
    if request is None or request.partner_id != partner_id:
        raise NotFound("No such request.")
    try:
        request.status = move(request.status, RequestStatus.WITHDRAWN)
    except InvalidRequestTransition as exc:
        raise Conflict(str(exc)) from exc
    request.decided_at = utcnow()
    audit.record(actor, "withdrawn", request, from_status="pending", to_status="withdrawn")
    db.session.commit()
    return request


def get_request(request_id: int) -> ArticleRequest:
    """The request with this id, or NotFound."""
    request = db.session.get(ArticleRequest, request_id)
    if request is None:
        raise NotFound("No such request.")
    return request


def grant_request(request_id: int, *, actor: User, note: str = "") -> Grant:
    """Staff grant a queued request; the partner is emailed."""
    request = get_request(request_id)
    try:
        request.status = move(request.status, RequestStatus.GRANTED)
    except InvalidRequestTransition as exc:
        raise Conflict(str(exc)) from exc
    if request.partner.status.value != "approved":
        raise DomainError(f"{request.partner.name} is {request.partner.status.value}.")
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.reason = note.strip() or "Granted by our licensing staff."
    grant = issue_grant(request, actor=actor)
    _notify(request, grant)
    db.session.commit()
    return grant


def refuse_request(request_id: int, *, actor: User, reason: str) -> ArticleRequest:
    """Staff refuse a queued request with a reason; the partner is emailed."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the request is refused; the partner will read it.")
    request = get_request(request_id)
    try:
        request.status = move(request.status, RequestStatus.REFUSED)
    except InvalidRequestTransition as exc:
        raise Conflict(str(exc)) from exc
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.reason = reason
    audit.record(
        actor, "refused", request, from_status="pending", to_status="refused", reason=reason
    )
    _notify(request, None)
    db.session.commit()
    return request


def decide_many(
    request_ids: Sequence[int], decision: str, *, actor: User, reason: str = ""
) -> tuple[int, list[str]]:
    """Grant or refuse several requests; each is its own transaction, so one refusal
    (already decided, partner suspended) does not undo the others."""
    done, problems = 0, []
    for request_id in dict.fromkeys(request_ids):
        try:
            if decision == "grant":
                grant_request(request_id, actor=actor, note=reason)
            else:
                refuse_request(request_id, actor=actor, reason=reason)
        except DomainError as exc:
            db.session.rollback()
            problems.append(f"Request #{request_id}: {exc}")
        else:
            done += 1
    return done, problems


def _notify(request: ArticleRequest, grant: Grant | None) -> None:
    """Queue the decision's email to the partner's admins, in the decision's transaction."""
    for user in request.partner.users:
        if user.active and user.is_partner_admin:
            mail.send(
                "request_decided",
                user.email,
                f"Your request for “{request.article.headline}”: {request.status.value}",
                request=request,
                grant=grant,
                organisation=settings.organisation(),
                link=mail.external_url("portal.requests"),
            )


def requests_of(
    partner_id: int, *, cursor: str | None = None, per_page: int = 100
) -> pagination.Keyset[ArticleRequest]:
    """A page of the partner's requests, newest first, after or before ``cursor``'s."""
    return pagination.keyset(
        sa.select(ArticleRequest)
        .where(ArticleRequest.partner_id == partner_id)
        .options(selectinload(ArticleRequest.article)),
        sort=pagination.Sort("when", descending=True),
        columns={"when": ArticleRequest.created_at},
        tiebreak=ArticleRequest.id,
        cursor=cursor,
        scope=("requests", partner_id),
        per_page=per_page,
        count=True,
    )
