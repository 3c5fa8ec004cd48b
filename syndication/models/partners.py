"""Partner outlets, their domains, API keys, terms and the eligibility policy."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from syndication.extensions import db
from syndication.models.base import TimestampMixin, UTCDateTime, enum_column, utcnow
from syndication.policy.lifecycle import Status as PartnerStatus

if TYPE_CHECKING:
    from syndication.models.users import User


class PartnerTier(enum.StrEnum):
    STANDARD = "standard"
    PREMIUM = "premium"


class OutletType(enum.StrEnum):
    NEWSPAPER = "newspaper"
    DIGITAL = "digital"
    MAGAZINE = "magazine"
    BROADCASTER = "broadcaster"
    NEWSLETTER = "newsletter"
    AGGREGATOR = "aggregator"


class TermsVersion(TimestampMixin, db.Model):
    """A published version of the syndication terms partners accept."""

    __tablename__ = "terms_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(32), unique=True)
    text: Mapped[str] = mapped_column(sa.Text)


class Partner(TimestampMixin, db.Model):
    __tablename__ = "partners"
    __table_args__ = (
        sa.CheckConstraint("monthly_unique_visitors >= 0", name="visitors_non_negative"),
        sa.CheckConstraint("newsletter_subscribers >= 0", name="subscribers_non_negative"),
        sa.CheckConstraint("print_circulation >= 0", name="circulation_non_negative"),
        sa.CheckConstraint("ninjs_version IN ('1.6', '2.2', '3.1')", name="ninjs_version_known"),
        sa.Index("ix_partners_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    website: Mapped[str] = mapped_column(sa.String(500))
    outlet_type: Mapped[OutletType] = mapped_column(enum_column(OutletType, "outlet_type"))
    region: Mapped[str] = mapped_column(sa.String(64), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(200))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    monthly_unique_visitors: Mapped[int | None]
    newsletter_subscribers: Mapped[int | None]
    print_circulation: Mapped[int | None]
    intended_use: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[PartnerStatus] = mapped_column(
        enum_column(PartnerStatus, "partner_status"), default=PartnerStatus.APPLIED
    )
    tier: Mapped[PartnerTier | None] = mapped_column(enum_column(PartnerTier, "partner_tier"))
    terms_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("terms_versions.id"))
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The eligibility recommendation computed when the application arrived.
    recommendation: Mapped[dict | None] = mapped_column(sa.JSON)
    webhook_url: Mapped[str | None] = mapped_column(sa.String(500))
    # The signing secrets, Fernet-encrypted (services/webhooks.py); never stored in clear.
    webhook_secret: Mapped[str | None] = mapped_column(sa.String(500))
    # After a rotation the previous secret signs too, until webhook_previous_until.
    webhook_previous_secret: Mapped[str | None] = mapped_column(sa.String(500))
    webhook_previous_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the endpoint answered 410 Gone (or its secret must be issued again).
    webhook_disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    webhook_disabled_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # The ninjs version its system reads (packaging.ninjs.VERSIONS): its packages' profile.
    ninjs_version: Mapped[str] = mapped_column(sa.String(8), default="2.2", server_default="2.2")
    feed_token_hash: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: two staff deciding at once cannot both win.
    version: Mapped[int] = mapped_column(default=1)

    domains: Mapped[list[PartnerDomain]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerDomain.domain"
    )
    users: Mapped[list[User]] = relationship(back_populates="partner")
    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="partner")
    terms_version: Mapped[TermsVersion | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Partner {self.name} {self.status}>"


class PartnerDomain(db.Model):
    """A domain a partner publishes on; used to refuse duplicate applications."""

    __tablename__ = "partner_domains"
    __table_args__ = (sa.UniqueConstraint("partner_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(sa.String(253), index=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner] = relationship(back_populates="domains")


class ApiKey(TimestampMixin, db.Model):
    """A partner's API key; only a hash of the secret is ever stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    label: Mapped[str] = mapped_column(sa.String(100))
    # The first characters of the key, shown in lists so people can tell keys apart.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    key_hash: Mapped[str] = mapped_column(sa.String(128), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner] = relationship(back_populates="api_keys")


class EligibilityPolicy(TimestampMixin, db.Model):
    """What "a large enough audience" means; a new row per edit, the newest applies."""

    __tablename__ = "eligibility_policies"
    __table_args__ = (
        sa.CheckConstraint("min_monthly_unique_visitors >= 0", name="min_visitors_non_negative"),
        sa.CheckConstraint("min_newsletter_subscribers >= 0", name="min_subscribers_non_negative"),
        sa.CheckConstraint("min_print_circulation >= 0", name="min_circulation_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    min_monthly_unique_visitors: Mapped[int] = mapped_column(default=100_000)
    # Alternative thresholds: meeting any one of the three is enough.
    # None switches an alternative off; the defaults are set where the first row is made.
    min_newsletter_subscribers: Mapped[int | None]
    min_print_circulation: Mapped[int | None]
    blocked_domains: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    required_fields: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class TierSettings(db.Model):
    """What a partner tier may take: free articles per calendar month (None: unlimited)."""

    __tablename__ = "tier_settings"
    __table_args__ = (
        sa.CheckConstraint(
            "monthly_quota IS NULL OR monthly_quota >= 0", name="quota_non_negative"
        ),
    )

    tier: Mapped[PartnerTier] = mapped_column(
        enum_column(PartnerTier, "tier_name"), primary_key=True
    )
    monthly_quota: Mapped[int | None]
    # Trusted with embargoed copy: an embargoed free article is granted at once, the
    # package carrying the embargo (hold for release) in every format.
    embargoed_copy: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OrganisationSettings(db.Model):
    """The publishing organisation's own details, one row, edited by admins."""

    __tablename__ = "organisation_settings"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    name: Mapped[str] = mapped_column(sa.String(200))
    website_url: Mapped[str] = mapped_column(sa.String(500))
    licensing_email: Mapped[str] = mapped_column(sa.String(254))
    # The organisation's own sources: content from anywhere else is third party.
    own_domains: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    own_feed_urls: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Own content with no third-party findings skips the intake queue (admins opt in).
    auto_release: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Hours a partner has to acknowledge each kind of notice.
    takedown_ack_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    correction_ack_hours: Mapped[int] = mapped_column(default=72, server_default="72")
    update_ack_hours: Mapped[int] = mapped_column(default=72, server_default="72")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
