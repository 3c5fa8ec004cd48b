"""Articles, their revisions, assets, tags and import findings."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column, relationship

from syndication.extensions import db
from syndication.models.base import TimestampMixin, UTCDateTime, enum_column, utcnow


class Origin(enum.StrEnum):
    ORIGINAL = "original"
    THIRD_PARTY = "third_party"
    MIXED = "mixed"


class SyndicationPolicy(enum.StrEnum):
    FREE_ELIGIBLE = "free_eligible"
    LICENSED = "licensed"
    NOT_SYNDICATED = "not_syndicated"


class IntakeState(enum.StrEnum):
    """Whether staff have confirmed an imported article's rights: only released ones are offered."""

    AWAITING_REVIEW = "awaiting_review"
    RELEASED = "released"


class FindingKind(enum.StrEnum):
    FOOTER = "footer"
    PROMO = "promo"
    THIRD_PARTY_ASSET = "third_party_asset"
    CITED_OUTLET = "cited_outlet"
    WIRE_BYLINE = "wire_byline"
    # Provenance of the import itself: where the byline came from, how the bytes were
    # decoded, and URLs dropped for not being http(s).
    BYLINE_SOURCE = "byline_source"
    ENCODING = "encoding"
    DROPPED_URL = "dropped_url"


class Article(TimestampMixin, db.Model):
    """The current state of an article; its history lives in ArticleRevision."""

    __tablename__ = "articles"
    __table_args__ = (
        sa.CheckConstraint("word_count >= 0", name="word_count_non_negative"),
        sa.CheckConstraint(
            "expires_at IS NULL OR embargo_until IS NULL OR expires_at > embargo_until",
            name="expiry_after_embargo",
        ),
        sa.Index("ix_articles_policy_published", "policy", "published_at"),
        sa.Index("ix_articles_section_published", "section", "published_at"),
        # Import looks a story up by its headline, whatever its case (services/articles.py).
        sa.Index("ix_articles_headline_lower", sa.text("lower(headline)")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # GUID, ninjs uri or canonical URL of the source: makes re-import idempotent.
    source_id: Mapped[str | None] = mapped_column(sa.String(1000), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    headline: Mapped[str] = mapped_column(sa.String(500))
    dek: Mapped[str] = mapped_column(sa.Text, default="")
    bylines: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    dateline: Mapped[str] = mapped_column(sa.String(200), default="")
    section: Mapped[str] = mapped_column(sa.String(100), default="")
    language: Mapped[str] = mapped_column(sa.String(16), default="en")
    canonical_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    word_count: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    current_revision: Mapped[int] = mapped_column(default=1)
    # Bumped (in SQL, so concurrent writers never hand out the same number) by
    # any change to the article, its revisions, assets or tags: see
    # bump_content_versions. Cached downloads compare it instead of the content.
    content_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Rights.
    origin: Mapped[Origin] = mapped_column(
        enum_column(Origin, "article_origin"), default=Origin.ORIGINAL
    )
    policy: Mapped[SyndicationPolicy] = mapped_column(
        enum_column(SyndicationPolicy, "syndication_policy"),
        default=SyndicationPolicy.FREE_ELIGIBLE,
    )
    embargo_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Taken down: no longer syndicated, every grant revoked; feeds keep a tombstone.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The latest correction or update note sent to holders ("correction" / "update"):
    # every format of every package shows it, each in its own way.
    public_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    public_note_kind: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")
    territory: Mapped[str] = mapped_column(sa.String(100), default="")
    # Third-party content that staff syndicate anyway: the licence that allows it. The
    # credit line then names the rights holder, never the organisation.
    rights_holder: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    licence_reference: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    licence_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Intake: nothing is in the catalogue, the feeds or the API until staff release it.
    intake: Mapped[IntakeState] = mapped_column(
        enum_column(IntakeState, "intake_state"),
        default=IntakeState.AWAITING_REVIEW,
        server_default=IntakeState.RELEASED.value,
        index=True,
    )
    intake_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # (No ON DELETE on these three: see migration 0007.)
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Identity (ingest/identity.py): the same story is the same article however it arrives.
    url_key: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="", index=True)
    fingerprint: Mapped[str] = mapped_column(
        sa.String(64), default="", server_default="", index=True
    )
    possible_duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("articles.id"))
    # Provenance: where it came from, how and by whom.
    import_source: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    importer: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    source_title: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    source_site_url: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="")
    source_feed_url: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="")
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    revisions: Mapped[list[ArticleRevision]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleRevision.number"
    )
    assets: Mapped[list[Asset]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Asset.position"
    )
    tag_rows: Mapped[list[ArticleTag]] = relationship(
        cascade="all, delete-orphan", order_by="ArticleTag.tag"
    )
    findings: Mapped[list[ImportFinding]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ImportFinding.id"
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def is_offered(self) -> bool:
        """In the catalogue, feeds and API: released from intake and syndicated at all."""
        return (
            self.intake is IntakeState.RELEASED
            and self.policy is not SyndicationPolicy.NOT_SYNDICATED
        )

    @classmethod
    def offered_sql(cls) -> sa.ColumnElement[bool]:
        """``is_offered`` as a WHERE condition: the one definition every listing uses."""
        return sa.and_(
            cls.intake == IntakeState.RELEASED, cls.policy != SyndicationPolicy.NOT_SYNDICATED
        )

    @classmethod
    def not_offered_sql(cls) -> sa.ColumnElement[bool]:
        return sa.or_(
            cls.intake != IntakeState.RELEASED, cls.policy == SyndicationPolicy.NOT_SYNDICATED
        )

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.slug}>"


class ArticleRevision(TimestampMixin, db.Model):
    """An immutable copy of the article's content at one point, with a public note."""

    __tablename__ = "article_revisions"
    __table_args__ = (
        sa.UniqueConstraint("article_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        # The revisions whose forms the worker's upkeep has yet to store.
        sa.Index(
            "ix_article_revisions_without_forms",
            "article_id",
            "number",
            postgresql_where=sa.text("forms IS NULL"),
            sqlite_where=sa.text("forms IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int]
    headline: Mapped[str] = mapped_column(sa.String(500))
    dek: Mapped[str] = mapped_column(sa.Text, default="")
    bylines: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    body_html: Mapped[str] = mapped_column(sa.Text)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # sha256 of the content fields: re-imports add a revision only when it changes.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # The body's forms every package of this revision is put together from
    # (packaging.forms, as JSON): made with the revision, made again when its
    # article's assets change; None for revisions made before they were stored.
    forms: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    article: Mapped[Article] = relationship(back_populates="revisions")


class Asset(TimestampMixin, db.Model):
    """An image or other media of an article; only syndicatable ones leave in packages."""

    __tablename__ = "assets"
    __table_args__ = (sa.CheckConstraint("position >= 0", name="position_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    url: Mapped[str] = mapped_column(sa.String(1000))
    mime_type: Mapped[str] = mapped_column(sa.String(100), default="")
    caption: Mapped[str] = mapped_column(sa.Text, default="")
    credit: Mapped[str] = mapped_column(sa.String(500), default="")
    rights_holder: Mapped[str] = mapped_column(sa.String(200), default="")
    syndicatable: Mapped[bool] = mapped_column(default=True)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # Why the last fetch of ``url`` stored no file (refused address, 404, not an image).
    fetch_error: Mapped[str] = mapped_column(sa.String(500), default="")

    article: Mapped[Article] = relationship(back_populates="assets")


class ArticleTag(db.Model):
    __tablename__ = "article_tags"
    # A tag's articles in id order, from the index alone (the tag filter's count).
    __table_args__ = (sa.Index("ix_article_tags_tag_article", "tag", "article_id"),)

    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(sa.String(100), primary_key=True)


class CatalogueVersion(db.Model):
    """Counters that every change to the articles or their tags moves on; their sum is
    the catalogue's version.

    Moved by the database itself (triggers on ``articles`` and ``article_tags``,
    migrations 0033 and 0036), whoever writes, in the writing transaction: a reader
    sees the new sum exactly when it sees the change. On PostgreSQL each connection
    moves its own row of 16, so that writers do not queue on one row's lock; SQLite
    has one. What the catalogue shows is made from the articles alone, so pages kept
    under one version stay right until it moves (views/catalogue.py).
    """

    __tablename__ = "catalogue_versions"
    __table_args__ = (sa.CheckConstraint("id BETWEEN 1 AND 16", name="shard"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=1)

    @classmethod
    def current(cls) -> sa.ScalarSelect[int]:
        """The version: the counters' sum, as a subquery of any statement."""
        return sa.select(sa.cast(sa.func.sum(cls.version), sa.BigInteger)).scalar_subquery()


class ImportFinding(TimestampMixin, db.Model):
    """What ingest noticed (footers, promos, third-party material), computed once."""

    __tablename__ = "import_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[FindingKind] = mapped_column(enum_column(FindingKind, "finding_kind"))
    text: Mapped[str] = mapped_column(sa.Text)
    detail: Mapped[str] = mapped_column(sa.String(200), default="")

    article: Mapped[Article] = relationship(back_populates="findings")


# What a package is built from besides the article row itself.
_PACKAGED_PARTS = (ArticleRevision, Asset, ArticleTag)


@sa.event.listens_for(Session, "before_flush")
def bump_content_versions(session: Session, flush_context: object, instances: object) -> None:
    """Bump ``content_version`` of every stored article changed in this transaction.

    Any change counts: a column of the article, its revisions, assets or tags,
    made through the ORM (the app makes no bulk UPDATEs of these tables). The
    increment is an SQL expression, so two transactions never both write N+1;
    once per transaction is enough, as readers see all of its changes or none.
    """
    bumped: set[int] = session.info.setdefault("content_versions_bumped", set())
    changed: set[Article] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Article):
            if obj not in session.new and obj not in session.deleted and session.is_modified(obj):
                changed.add(obj)
        elif isinstance(obj, _PACKAGED_PARTS) and (
            obj in session.new or obj in session.deleted or session.is_modified(obj)
        ):
            article = session.get(Article, obj.article_id) if obj.article_id else None
            if article is not None and article not in session.deleted:
                changed.add(article)
    for article in changed:
        if article not in session.new and article.id not in bumped:
            article.content_version = Article.content_version + 1
            bumped.add(article.id)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_bumps(session: Session, transaction: SessionTransaction) -> None:
    # Flushes run in subtransactions of their own: only the outermost one's end counts.
    if transaction.parent is None:
        session.info.pop("content_versions_bumped", None)
