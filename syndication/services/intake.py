"""The intake queue: imported articles wait here until staff confirm their rights and release.

Nothing awaiting review is in the catalogue, the feeds or the API, and none
of it can be requested (``Article.offered_sql``). Releasing is one audited
transaction, for one article or many.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from syndication.extensions import db
from syndication.models import Article, IntakeState, Origin, SyndicationPolicy, User
from syndication.models.base import utcnow
from syndication.services import audit, rulesets, settings
from syndication.services.errors import DomainError, NotFound


@dataclass(frozen=True)
class Licence:
    """The licence under which the organisation may syndicate someone else's work."""

    rights_holder: str = ""
    reference: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Rights:
    """What staff decide for an article at release (None: keep the suggestion)."""

    origin: Origin | None = None
    policy: SyndicationPolicy | None = None
    embargo_until: datetime | None = None
    expires_at: datetime | None = None
    licence: Licence = Licence()


def waiting(*, limit: int = 200) -> list[Article]:
    """The queue, oldest import first, with what staff need to judge each one."""
    return list(
        db.session.scalars(
            sa.select(Article)
            .where(Article.intake == IntakeState.AWAITING_REVIEW)
            .options(selectinload(Article.findings), selectinload(Article.assets))
            .order_by(Article.imported_at.asc().nulls_first(), Article.id)
            .limit(limit)
        )
    )


def waiting_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Article)
        .where(Article.intake == IntakeState.AWAITING_REVIEW)
    )


def check_licence(article: Article) -> None:
    """Refuse syndicating third-party content without a recorded licence, or credited to us.

    Someone else's journalism may be offered only when staff recorded who holds
    its rights, the licence that allows it and why; and only while the rules in
    force credit that rights holder in the credit line.
    """
    if article.origin is not Origin.THIRD_PARTY:
        return
    if article.policy is SyndicationPolicy.NOT_SYNDICATED:
        return
    missing = [
        label
        for label, value in (
            ("the rights holder", article.rights_holder),
            ("the licence reference", article.licence_reference),
            ("the reason", article.licence_reason),
        )
        if not value.strip()
    ]
    if missing:
        raise DomainError(
            f"“{article.headline}” is third-party content: to syndicate it, record "
            f"{', '.join(missing)} of the licence that allows it."
        )
    credit = rulesets.preview(article, tier="standard", fmt="text").rendered.credit_line or ""
    if article.rights_holder.strip() not in credit:
        raise DomainError(
            f"The rules in force would not credit {article.rights_holder} in the credit line of "
            f"“{article.headline}”: add a rule for third-party origin whose credit line uses "
            "{{ rights_holder }}."
        )


def apply_rights(article: Article, rights: Rights) -> None:
    """Set the decided rights on the article (the caller validates and commits)."""
    if rights.origin is not None:
        article.origin = rights.origin
    if rights.policy is not None:
        article.policy = rights.policy
    if rights.embargo_until is not None:
        article.embargo_until = rights.embargo_until
    if rights.expires_at is not None:
        article.expires_at = rights.expires_at
    if rights.licence.rights_holder or rights.licence.reference or rights.licence.reason:
        article.rights_holder = rights.licence.rights_holder.strip()
        article.licence_reference = rights.licence.reference.strip()
        article.licence_reason = rights.licence.reason.strip()
    if article.origin is not Origin.THIRD_PARTY and not rights.licence.rights_holder:
        # Our own work again: no third-party licence to show.
        article.rights_holder = article.licence_reference = article.licence_reason = ""
    if article.embargo_until and article.expires_at and article.expires_at <= article.embargo_until:
        raise DomainError(
            f"“{article.headline}”: the syndication expiry must come after the embargo ends."
        )


def release(article_ids: Sequence[int], *, actor: User, rights: Rights | None = None) -> int:
    """Release these articles from intake, each with ``rights`` or its suggestion; audited.

    All or nothing: if one cannot be released (a third-party article without
    its licence), none is, and the error names it.
    """
    ids = list(dict.fromkeys(int(i) for i in article_ids))
    if not ids:
        raise DomainError("Choose at least one article to release.")
    found = {a.id: a for a in db.session.scalars(sa.select(Article).where(Article.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"No such article: {', '.join(map(str, missing))}.")
    now = utcnow()
    for article_id in ids:
        article = found[article_id]
        if article.intake is not IntakeState.AWAITING_REVIEW:
            raise DomainError(f"“{article.headline}” was already released.")
        apply_rights(article, rights or Rights())
        check_licence(article)
        article.intake = IntakeState.RELEASED
        article.released_at = now
        article.released_by_id = actor.id
        audit.record(
            actor,
            "released",
            article,
            from_status=IntakeState.AWAITING_REVIEW.value,
            to_status=IntakeState.RELEASED.value,
            reason=article.licence_reason,
            origin=article.origin.value,
            policy=article.policy.value,
            rights_holder=article.rights_holder,
            licence_reference=article.licence_reference,
        )
    db.session.commit()
    return len(ids)


def own_sources_text() -> tuple[str, str, bool]:
    """The own-sources settings as the admin form shows them (one per line)."""
    org = settings.organisation()
    return "\n".join(org.own_domains or []), "\n".join(org.own_feed_urls or []), org.auto_release
