"""Where the republished copies are: listed with their flags, and flags handled with a note.

Copies and their flags are written by the pixel's flush (services/pixels.py);
staff read them here, on the *Copies* page and on article and partner pages,
and mark a flag handled once they have looked at it (the note says what they
did: "asked the partner to take it down", "their second site, added").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from syndication.extensions import db
from syndication.models import Copy, CopyFlag, FlagKind, Grant, Partner, User
from syndication.models.base import utcnow
from syndication.services import audit
from syndication.services.errors import Conflict, Invalid, NotFound
from syndication.services.pagination import Keyset, Sort, keyset

COPY_SORTS = ("last_seen", "first_seen", "views", "raw", "domain", "partner")


@dataclass(frozen=True, slots=True)
class CopyFilters:
    flag: str = ""  # "" (any kind) or a FlagKind value
    state: str = ""  # "" (every copy), "open" or "handled": copies with such a flag
    q: str = ""  # part of the URL or domain
    partner: str = ""  # part of the partner's name
    seen_from: date | None = None  # last seen on or after
    seen_to: date | None = None  # last seen on or before


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def search(
    filters: CopyFilters, *, sort: Sort, cursor: str | None = None, per_page: int = 50
) -> Keyset[Copy]:
    """One page of the copies the filters let through, in the order asked, after or
    before the copy ``cursor`` names."""
    query = (
        sa.select(Copy)
        .join(Partner, Partner.id == Copy.partner_id)
        .options(
            selectinload(Copy.flags).selectinload(CopyFlag.handled_by),
            selectinload(Copy.partner),
            selectinload(Copy.grant).selectinload(Grant.article),
        )
    )
    if filters.flag or filters.state:
        flag_where = [CopyFlag.copy_id == Copy.id]
        if filters.flag:
            flag_where.append(CopyFlag.kind == FlagKind(filters.flag))
        if filters.state == "open":
            flag_where.append(CopyFlag.handled_at.is_(None))
        elif filters.state == "handled":
            flag_where.append(CopyFlag.handled_at.is_not(None))
        query = query.where(sa.exists().where(*flag_where).correlate(Copy))
    if filters.q:
        needle = f"%{filters.q.lower()}%"
        query = query.where(sa.or_(sa.func.lower(Copy.url).like(needle), Copy.domain.like(needle)))
    if filters.partner:
        query = query.where(sa.func.lower(Partner.name).like(f"%{filters.partner.lower()}%"))
    if filters.seen_from:
        query = query.where(Copy.last_seen_at >= _day_start(filters.seen_from))
    if filters.seen_to:
        query = query.where(Copy.last_seen_at < _day_start(filters.seen_to + timedelta(days=1)))
    columns = {
        "last_seen": Copy.last_seen_at,
        "first_seen": Copy.first_seen_at,
        "views": Copy.views,
        "raw": Copy.raw_hits,
        "domain": Copy.domain,
        "partner": Partner.name,
    }
    return keyset(
        query,
        sort=sort,
        columns=columns,
        tiebreak=Copy.id,
        cursor=cursor,
        scope=("copies", filters),
        per_page=per_page,
        count=True,
    )


def _listed(where: sa.ColumnElement[bool], limit: int) -> list[Copy]:
    return list(
        db.session.scalars(
            sa.select(Copy)
            .where(where)
            .options(
                selectinload(Copy.flags).selectinload(CopyFlag.handled_by),
                selectinload(Copy.partner),
                selectinload(Copy.article),
            )
            .order_by(Copy.last_seen_at.desc().nulls_last(), Copy.id.desc())
            .limit(limit)
        )
    )


def of_article(article_id: int, *, limit: int = 100) -> list[Copy]:
    """An article's copies, most recently seen first."""
    return _listed(Copy.article_id == article_id, limit)


def of_partner(partner_id: int, *, limit: int = 100) -> list[Copy]:
    """A partner's copies, most recently seen first."""
    return _listed(Copy.partner_id == partner_id, limit)


def handle_flag(flag_id: int, *, actor: User, note: str, now: datetime | None = None) -> CopyFlag:
    """Mark a copy's flag handled, saying how; audited. One transaction."""
    note = note.strip()
    if not note:
        raise Invalid("Say what was done about it: the note is kept with the flag.")
    flag = db.session.get(CopyFlag, flag_id)
    if flag is None:
        raise NotFound("No such flag.")
    if flag.handled_at is not None:
        raise Conflict("This flag was already marked handled.")
    flag.handled_at = now or utcnow()
    flag.handled_by_id = actor.id
    flag.handled_note = note
    audit.record(
        actor,
        "copy_flag_handled",
        flag.copy,
        reason=note,
        flag=flag.kind.value,
        url=flag.copy.url,
    )
    db.session.commit()
    return flag
