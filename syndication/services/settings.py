"""Run-time policy kept in the database: the organisation and eligibility."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import sqlalchemy as sa

from syndication.extensions import db
from syndication.ingest.identity import normalise_url
from syndication.models import (
    EligibilityPolicy,
    OrganisationSettings,
    PartnerTier,
    TierSettings,
    User,
)
from syndication.policy.rights import OwnSources
from syndication.services import audit
from syndication.services.errors import DomainError

DEFAULT_ORGANISATION = {
    "name": "The Daily Caller News Foundation",
    "website_url": "https://dailycallernewsfoundation.org",
    "licensing_email": "licensing@dailycallernewsfoundation.org",
}


def organisation() -> OrganisationSettings:
    """The organisation's settings: its row, or the defaults until one is stored.

    The defaults are not stored here: pages and packages read the organisation on
    every request, and a read must not write (on SQLite it would take the
    database's one write lock). What changes the settings uses :func:`stored_organisation`.
    """
    return db.session.get(OrganisationSettings, 1) or _default_organisation()


def _default_organisation() -> OrganisationSettings:
    """A new, unstored settings row: the defaults, and each column's own default as an
    INSERT would fill it in (deadlines, lists, flags)."""
    values: dict[str, object] = {}
    for column in OrganisationSettings.__table__.columns:
        default = column.default
        if default is None:
            continue
        # Scalars as they are; callables (list, utcnow) are made fresh for this row.
        values[column.key] = default.arg if default.is_scalar else default.arg({})
    return OrganisationSettings(**{**values, **DEFAULT_ORGANISATION, "id": 1})


def stored_organisation() -> OrganisationSettings:
    """The organisation's settings row, stored with the defaults first if there is none
    (the caller commits): for what changes the settings."""
    row = db.session.get(OrganisationSettings, 1)
    if row is None:
        row = OrganisationSettings(id=1, **DEFAULT_ORGANISATION)
        db.session.add(row)
        db.session.flush()
    return row


# The policy a new installation recommends with until an admin saves its own.
DEFAULT_ELIGIBILITY = {
    "min_monthly_unique_visitors": 100_000,
    "min_newsletter_subscribers": 50_000,
    "min_print_circulation": 25_000,
    "blocked_domains": [],
    "required_fields": [],
}


def own_sources() -> OwnSources:
    """The organisation's own sources: its website's domain plus what admins listed."""
    org = organisation()
    website = normalise_url(org.website_url).split("/", 1)[0]
    return OwnSources.of([website, *(org.own_domains or [])], org.own_feed_urls or [])


def update_own_sources(
    *, actor: User, domains: list[str], feed_urls: list[str], auto_release: bool
) -> OrganisationSettings:
    """Admins list the organisation's own domains and feeds, and opt in to auto-release."""
    org = stored_organisation()
    before = {
        "own_domains": list(org.own_domains or []),
        "own_feed_urls": list(org.own_feed_urls or []),
        "auto_release": org.auto_release,
    }
    org.own_domains = sorted({d.strip().lower().removeprefix("www.") for d in domains if d.strip()})
    org.own_feed_urls = sorted({u.strip() for u in feed_urls if u.strip()})
    org.auto_release = auto_release
    audit.record(
        actor,
        "own_sources_changed",
        org,
        before=before,
        after={
            "own_domains": org.own_domains,
            "own_feed_urls": org.own_feed_urls,
            "auto_release": auto_release,
        },
    )
    db.session.commit()
    return org


def eligibility_policy() -> EligibilityPolicy:
    """The policy in force: the newest row, or the defaults until an admin saves one.

    The defaults are not stored: staff pages read the policy on every GET, and a read
    must not write (on SQLite it would take the database's one write lock).
    """
    policy = db.session.scalar(
        sa.select(EligibilityPolicy).order_by(EligibilityPolicy.id.desc()).limit(1)
    )
    return policy or EligibilityPolicy(**DEFAULT_ELIGIBILITY)


def update_eligibility_policy(*, actor: User, **values: object) -> EligibilityPolicy:
    """Save a new policy version (the old ones stay, for the record)."""
    from syndication.services.partners import normalise_domain

    values["blocked_domains"] = sorted({normalise_domain(d) for d in values["blocked_domains"]})
    policy = EligibilityPolicy(created_by_id=actor.id, **values)
    db.session.add(policy)
    db.session.flush()
    audit.record(
        actor,
        "eligibility_policy_saved",
        policy,
        **{k: v for k, v in values.items() if k != "blocked_domains"},
    )
    db.session.commit()
    return policy


@dataclass(frozen=True)
class TierTerms:
    """What partners of one tier may take: a monthly quota (None: unlimited) and whether
    embargoed copy is granted to them at once, to hold for release."""

    monthly_quota: int | None = None
    embargoed_copy: bool = False


def tier_terms() -> dict[PartnerTier, TierTerms]:
    """Each tier's terms; a tier with no row has the defaults (unlimited, not trusted)."""
    rows = {row.tier: row for row in db.session.scalars(sa.select(TierSettings))}
    return {
        tier: TierTerms(rows[tier].monthly_quota, rows[tier].embargoed_copy)
        if tier in rows
        else TierTerms()
        for tier in PartnerTier
    }


def update_tier_terms(*, actor: User, terms: dict[PartnerTier, TierTerms]) -> None:
    """Admins set each tier's quota and embargo trust; audited."""
    before = {tier.value: asdict(t) for tier, t in tier_terms().items()}
    for tier, wanted in terms.items():
        if wanted.monthly_quota is not None and wanted.monthly_quota < 0:
            raise DomainError("A quota is zero or more articles (leave it empty for unlimited).")
        row = db.session.get(TierSettings, tier) or TierSettings(tier=tier)
        row.monthly_quota = wanted.monthly_quota
        row.embargoed_copy = wanted.embargoed_copy
        db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "tier_terms_changed",
        stored_organisation(),
        before=before,
        after={tier.value: asdict(t) for tier, t in terms.items()},
    )
    db.session.commit()


def update_ack_hours(*, actor: User, takedown: int, correction: int, update: int) -> None:
    """Admins set the hours partners have to acknowledge each kind of notice; audited."""
    if min(takedown, correction, update) < 1:
        raise DomainError("A deadline is at least one hour.")
    org = stored_organisation()
    before = [org.takedown_ack_hours, org.correction_ack_hours, org.update_ack_hours]
    org.takedown_ack_hours, org.correction_ack_hours = takedown, correction
    org.update_ack_hours = update
    audit.record(
        actor, "notice_deadlines_changed", org, before=before, after=[takedown, correction, update]
    )
    db.session.commit()
