"""Compliance checks of republished copies: staff add a copy, a worker fetches and checks it.

A check is a ``copy_checks`` row, queued with its job in one transaction (by
staff pressing *Check now*, by a notice on the article, or by the periodic
re-check); the worker fetches the page through the outbound client, holding
no transaction while the other server answers, and records every verdict with
its evidence (tracking/compliance.py). A failed check raises the copy's
*check failed* flag, or opens it again; a later pass closes it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

import sqlalchemy as sa
from flask import current_app

from syndication.delivery.outbound import OutboundError, Refused, Response, check_url
from syndication.extensions import db
from syndication.models import (
    CheckState,
    Copy,
    CopyCheck,
    CopyFlag,
    CopySource,
    DailyCheckResults,
    DailyCheckTotals,
    FlagKind,
    Grant,
    GrantStatus,
    User,
)
from syndication.models.base import utcnow
from syndication.services import audit, jobs, outbound, package_sources, upsert
from syndication.services.errors import Invalid, NotFound
from syndication.tracking import compliance, pages

CHECK_JOB = "copies.check"
# Each copy is checked again when its latest check is this old.
RECHECK_AFTER = timedelta(days=7)
# Redirects followed (each hop checked by the outbound client like the first address).
MAX_REDIRECTS = 3
# The most copies one periodic run queues; the rest wait for the next run.
RECHECK_BATCH = 200


def user_agent() -> str:
    """The User-Agent of every check: the product, and where its operator can be found."""
    return (
        "SyndicationDesk/1.0 (compliance check of a republished copy;"
        f" +{current_app.config['PUBLIC_BASE_URL']}/)"
    )


def page(url: str) -> pages.Page:
    """A copy's page as copies are kept (``tracking.pages``, as the pixel keeps them);
    Invalid for anything but an absolute http(s) URL the outbound client may fetch."""
    url = (url or "").strip()
    try:
        check_url(url)
    except (Refused, ValueError) as exc:
        reason = exc.reason if isinstance(exc, Refused) else "The URL is not well formed."
        raise Invalid(reason) from exc
    found = pages.normalise(url)
    if not found.url:
        raise Invalid("The URL is not well formed.")
    if len(found.url) >= pages.MAX_URL:
        raise Invalid("The URL is longer than 1,000 characters.")
    return found


def get(copy_id: int) -> Copy:
    """Any copy by id, for staff; NotFound when there is none."""
    found = db.session.get(Copy, copy_id)
    if found is None:
        raise NotFound("No such copy.")
    return found


def grants_of_article(article_id: int) -> list[Grant]:
    """Every grant on the article, newest first: what a copy entered by staff can belong to."""
    return list(
        db.session.scalars(
            sa.select(Grant)
            .where(Grant.article_id == article_id)
            .order_by(Grant.created_at.desc(), Grant.id.desc())
        )
    )


def add_copy(article_id: int, grant_id: int, url: str, *, actor: User) -> Copy:
    """Staff enter a republished page of a grant's article; its first check is queued."""
    jobs.begin_write()
    grant = db.session.scalar(
        sa.select(Grant).where(Grant.id == grant_id, Grant.article_id == article_id)
    )
    if grant is None:
        raise Invalid("Choose one of this article's grants.")
    entered = page(url)
    url = entered.url
    found = db.session.scalar(sa.select(Copy).where(Copy.grant_id == grant.id, Copy.url == url))
    if found is None:
        found = Copy(
            grant_id=grant.id,
            article_id=grant.article_id,
            partner_id=grant.partner_id,
            url=url,
            domain=entered.domain,
            source=CopySource.STAFF,
        )
        db.session.add(found)
        db.session.flush()
        audit.record(actor, "copy_added", found, url=url, licence_id=grant.licence_id)
    _queue(found, actor=actor)
    db.session.commit()
    return found


def request_check(copy_id: int, *, actor: User) -> CopyCheck:
    """Staff ask for a check now; the worker runs it (one waiting check per copy at most)."""
    jobs.begin_write()
    check = _queue(get(copy_id), actor=actor)
    db.session.commit()
    return check


def queue_for_article(article_id: int) -> int:
    """Queue a check of every copy of an article (after a notice; the caller commits)."""
    copies = db.session.scalars(sa.select(Copy).where(Copy.article_id == article_id)).all()
    for found in copies:
        _queue(found)
    return len(copies)


def queue_for_grant(grant_id: int) -> int:
    """Queue a check of every copy of one grant (after its revocation; the caller commits)."""
    copies = db.session.scalars(sa.select(Copy).where(Copy.grant_id == grant_id)).all()
    for found in copies:
        _queue(found)
    return len(copies)


def queue_due(*, now: datetime | None = None, limit: int = RECHECK_BATCH) -> int:
    """Queue a check of each copy never checked, or last checked RECHECK_AFTER ago or more."""
    now = now or utcnow()
    jobs.begin_write()
    latest = (
        sa.select(CopyCheck.copy_id, sa.func.max(CopyCheck.created_at).label("last"))
        .group_by(CopyCheck.copy_id)
        .subquery()
    )
    due = db.session.scalars(
        sa.select(Copy)
        .outerjoin(latest, latest.c.copy_id == Copy.id)
        .where(sa.or_(latest.c.last.is_(None), latest.c.last <= now - RECHECK_AFTER))
        .order_by(latest.c.last.is_not(None), latest.c.last, Copy.id)
        .limit(limit)
    ).all()
    for found in due:
        _queue(found, now=now)
    db.session.commit()
    return len(due)


def _queue(found: Copy, *, actor: User | None = None, now: datetime | None = None) -> CopyCheck:
    """The copy's waiting check, or a new one with its job (the caller commits)."""
    waiting = db.session.scalar(
        sa.select(CopyCheck).where(
            CopyCheck.copy_id == found.id, CopyCheck.state == CheckState.QUEUED
        )
    )
    if waiting is not None:
        return waiting
    check = CopyCheck(
        copy_id=found.id,
        state=CheckState.QUEUED,
        requested_by_id=actor.id if actor is not None else None,
        created_at=now or utcnow(),
    )
    db.session.add(check)
    db.session.flush()
    jobs.add(CHECK_JOB, {"check_id": check.id})
    return check


def history(copy_id: int, *, limit: int = 50) -> list[CopyCheck]:
    """The copy's checks, newest first."""
    return list(
        db.session.scalars(
            sa.select(CopyCheck)
            .where(CopyCheck.copy_id == copy_id)
            .order_by(CopyCheck.id.desc())
            .limit(limit)
        )
    )


def _withdrawn(grant: Grant) -> str:
    """Why the copy must be gone ("" while the grant is live or merely expired)."""
    if grant.status is not GrantStatus.REVOKED:
        return ""
    when = f" on {grant.revoked_at:%d %b %Y}" if grant.revoked_at else ""
    return f"licence {grant.licence_id} was revoked{when}"


def run(check_id: int, *, now: datetime | None = None) -> CopyCheck | None:
    """Fetch the copy and check it; runs in a worker, holding no transaction while it fetches."""
    check = db.session.get(CopyCheck, check_id)
    if check is None or check.state is not CheckState.QUEUED:
        db.session.rollback()
        return None
    grant = check.copy.grant
    url = check.copy.url
    source = package_sources.for_grants([grant.id], grant.partner_id)[grant.id]
    expected = compliance.expected_copy(source.package_input(), withdrawn=_withdrawn(grant))
    db.session.rollback()
    try:
        answer, final_url = _fetch(url)
    except OutboundError as exc:
        return _finish(check_id, expected, now=now, error=exc.reason)
    if expected.withdrawn and answer.status in (404, 410):
        report = compliance.gone_report(answer.status, expected.withdrawn)
    elif answer.status != 200:
        moved = answer.header("location")
        error = f"The page answered {answer.status}" + (
            f" (redirecting to {moved})." if moved else "."
        )
        return _finish(check_id, expected, now=now, status=answer.status, error=error)
    else:
        report = compliance.check_page(
            compliance.page_text(answer.body),
            expected,
            url=final_url,
            min_similarity=current_app.config["COPY_CHECK_MIN_SIMILARITY"],
        )
    return _finish(check_id, expected, now=now, status=answer.status, report=report)


def _fetch(url: str) -> tuple[Response, str]:
    """GET the page, following a few redirects, each through the outbound client."""
    client = outbound.client()
    headers = {"user-agent": user_agent(), "accept": "text/html,application/xhtml+xml"}
    limit = current_app.config["COPY_CHECK_MAX_BYTES"]
    for _ in range(MAX_REDIRECTS + 1):
        answer = client.request("GET", url, headers=headers, max_bytes=limit)
        location = answer.header("location")
        if answer.status not in (301, 302, 303, 307, 308) or not location:
            return answer, url
        url = urljoin(url, location)
    return answer, url


def _finish(
    check_id: int,
    expected: compliance.Expected,
    *,
    now: datetime | None,
    status: int | None = None,
    report: compliance.Report | None = None,
    error: str = "",
) -> CopyCheck | None:
    """Record the check's outcome and raise, reopen or close the copy's flag; one transaction."""
    now = now or utcnow()
    jobs.begin_write()
    check = db.session.get(CopyCheck, check_id)
    if check is None or check.state is not CheckState.QUEUED:
        db.session.rollback()
        return None
    check.revision_number = expected.revision
    check.http_status = status
    check.finished_at = now
    if report is None:
        check.state = CheckState.ERROR
        check.error = error[:4000]
        check.results = []
    else:
        check.state = CheckState.PASSED if report.passed else CheckState.FAILED
        check.similarity = report.similarity
        check.results = report.results()
        _flag(check, report, now)
    record_finished(check)
    db.session.commit()
    return check


def record_finished(check: CopyCheck) -> None:
    """What the reports read of a finished check (not committed): the copy keeps its
    latest result, and the day's count of checks by result goes up by one, per partner
    and for the desk. An older check finishing after a newer one leaves the newer
    result standing on the copy."""
    db.session.execute(
        sa.update(Copy)
        .where(
            Copy.id == check.copy_id,
            sa.or_(Copy.latest_check_at.is_(None), Copy.latest_check_at <= check.finished_at),
        )
        .values(latest_check_state=check.state, latest_check_at=check.finished_at)
        .execution_options(synchronize_session=False)
    )
    day = check.finished_at.astimezone(UTC).date()
    partner_id = db.session.scalar(sa.select(Copy.partner_id).where(Copy.id == check.copy_id))
    for model, keys in (
        (DailyCheckResults, {"partner_id": partner_id, "day": day, "state": check.state}),
        (DailyCheckTotals, {"day": day, "state": check.state}),
    ):
        statement = upsert.adding(model.__table__, tuple(keys), ("checks",))
        db.session.execute(statement, {**keys, "checks": 1})


def _flag(check: CopyCheck, report: compliance.Report, now: datetime) -> None:
    flag = db.session.scalar(
        sa.select(CopyFlag).where(
            CopyFlag.copy_id == check.copy_id, CopyFlag.kind == FlagKind.CHECK_FAILED
        )
    )
    if report.passed:
        if flag is not None and flag.handled_at is None:
            flag.handled_at = now
            flag.handled_by_id = None
            flag.handled_note = f"Closed by the passing check of {now:%d %b %Y, %H:%M} UTC."
        return
    failed = [compliance.CHECKS[v.check] for v in report.verdicts if not v.passed]
    detail = f"Check of {now:%d %b %Y} failed: {'; '.join(failed)}."
    if flag is None:
        db.session.add(CopyFlag(copy_id=check.copy_id, kind=FlagKind.CHECK_FAILED, detail=detail))
    else:
        flag.detail = detail
        flag.handled_at, flag.handled_by_id, flag.handled_note = None, None, ""
