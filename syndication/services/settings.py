"""Run-time policy kept in the database: the organisation and eligibility."""

from __future__ import annotations

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import EligibilityPolicy, OrganisationSettings

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
        policy = EligibilityPolicy(blocked_domains=[], required_fields=[])
        db.session.add(policy)
        db.session.flush()
    return policy
