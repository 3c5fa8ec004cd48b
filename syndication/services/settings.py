"""Run-time policy kept in the database: the organisation and eligibility."""

from __future__ import annotations

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import EligibilityPolicy, OrganisationSettings, User

DEFAULT_ORGANISATION = {
    "name": "The Daily Caller News Foundation",
    "website_url": "https://dailycallernewsfoundation.org",
    "licensing_email": "licensing@dailycallernewsfoundation.org",
}


def organisation() -> OrganisationSettings:
    """The organisation's settings row, created with the defaults on first use."""
    row = db.session.get(OrganisationSettings, 1)
    if row is None:
        row = OrganisationSettings(id=1, **DEFAULT_ORGANISATION)
        db.session.add(row)
        db.session.flush()
    return row


def eligibility_policy() -> EligibilityPolicy:
    """The policy in force: the newest row (a default one until an admin edits it)."""
    policy = db.session.scalar(
        sa.select(EligibilityPolicy).order_by(EligibilityPolicy.id.desc()).limit(1)
    )
    if policy is None:
        policy = EligibilityPolicy(
            min_monthly_unique_visitors=100_000,
            min_newsletter_subscribers=50_000,
            min_print_circulation=25_000,
            blocked_domains=[],
            required_fields=[],
        )
        db.session.add(policy)
        db.session.flush()
    return policy


def update_eligibility_policy(*, actor: User, **values: object) -> EligibilityPolicy:
    """Save a new policy version (the old ones stay, for the record)."""
    from syndication.services import audit
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
