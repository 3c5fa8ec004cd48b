"""Rules (versioned in rule sets), article requests and grants with terms snapshots."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from syndication.extensions import db
from syndication.models.articles import Article
from syndication.models.base import TimestampMixin, UTCDateTime, enum_column, sql_constant
from syndication.models.partners import Partner
from syndication.policy.requests import RequestState as RequestStatus


class GrantStatus(enum.StrEnum):
    ACTIVE = "active"  # live until valid_until (if any) passes
    REVOKED = "revoked"
    # An active grant whose validity ended, replaced when the partner was granted the
    # article again: one active grant per partner and article is a database rule.
    EXPIRED = "expired"


class RuleSet(TimestampMixin, db.Model):
    """One version of the whole rule set; never edited once a grant used it."""

    __tablename__ = "rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    rules: Mapped[list[Rule]] = relationship(
        back_populates="rule_set", cascade="all, delete-orphan", order_by="Rule.position"
    )


class Rule(db.Model):
    """An attribution/footer rule inside one rule-set version.

    ``key`` identifies the same rule across versions; conditions and actions are
    the JSON shapes of the pure rules engine.
    """

    __tablename__ = "rules"
    __table_args__ = (
        sa.UniqueConstraint("rule_set_id", "key"),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from",
            name="window_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rule_sets.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    priority: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conditions: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    actions: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    rule_set: Mapped[RuleSet] = relationship(back_populates="rules")


class ArticleRequest(TimestampMixin, db.Model):
    """A partner's request for one article; requests made together share a batch."""

    __tablename__ = "article_requests"
    __table_args__ = (
        sa.Index("ix_article_requests_status_created", "status", "created_at"),
        # Every status at once, oldest first (the queue's default order).
        sa.Index("ix_article_requests_created", "created_at", "id"),
        # One open request per partner and article, whoever else is asking at the same time.
        sa.Index(
            "uq_article_requests_one_open",
            "partner_id",
            "article_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch: Mapped[str] = mapped_column(sa.String(36), index=True)
    partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_status"), default=RequestStatus.PENDING
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    partner: Mapped[Partner] = relationship()
    article: Mapped[Article] = relationship()

    __mapper_args__ = {"version_id_col": version}


class Grant(TimestampMixin, db.Model):
    """Permission for one partner to republish one article, with frozen terms."""

    __tablename__ = "grants"
    __table_args__ = (
        sa.Index("ix_grants_partner_article", "partner_id", "article_id"),
        sa.Index("ix_grants_created", "created_at"),  # reports: grants over time
        # A partner's grants newest first, a page at a time (its staff page).
        sa.Index("ix_grants_partner_since", "partner_id", "valid_from", "id"),
        # Concurrent requests for one article by one partner make one grant: the loser's
        # insert fails here and it is answered with the winner's grant.
        sa.Index(
            "uq_grants_one_active",
            "partner_id",
            "article_id",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until > valid_from", name="validity_ordered"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("article_requests.id", ondelete="SET NULL"), unique=True
    )
    rule_set_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_sets.id"))
    revision_number: Mapped[int]
    status: Mapped[GrantStatus] = mapped_column(
        enum_column(GrantStatus, "grant_status"), default=GrantStatus.ACTIVE
    )
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why: for the record, and the words the partner sees (on a 410 and in the notice).
    revoked_reason: Mapped[str] = mapped_column(sa.Text, default="")
    revoked_public_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # No ON DELETE, as with the articles' late references (see migration 0007): notices
    # go only with their article, and the article's grants go with it.
    revoked_notice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notices.id"))
    # The immutable terms snapshot: rendered footer/credit per format, restrictions.
    terms: Mapped[dict] = mapped_column(sa.JSON)
    odrl: Mapped[dict] = mapped_column(sa.JSON)
    terms_hash: Mapped[str] = mapped_column(sa.String(64))

    partner: Mapped[Partner] = relationship()
    article: Mapped[Article] = relationship()
    rule_set: Mapped[RuleSet] = relationship()

    @classmethod
    def live_at(cls, now: datetime | sa.BindParameter) -> tuple[sa.ColumnElement[bool], ...]:
        """WHERE conditions for a grant neither revoked nor expired at ``now``.

        ``now`` is a time, or a bound parameter for statements built once. The
        status is written in (``sql_constant``): the one-active-grant index names it.
        """
        return (
            cls.status == sql_constant(GrantStatus.ACTIVE),
            sa.or_(cls.valid_until.is_(None), cls.valid_until > now),
        )
