"""Bring article drafts into the catalogue: create, or revise only on change."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime

import nh3
import sqlalchemy as sa
from slugify import slugify
from sqlalchemy.orm import load_only, selectinload

from syndication.extensions import db
from syndication.ingest.drafts import ArticleDraft
from syndication.ingest.identity import Identity, identify, normalise_url, similarity, text_words
from syndication.ingest.sanitise import sanitise_html
from syndication.models import (
    Article,
    ArticleRevision,
    ArticleTag,
    Asset,
    FindingKind,
    ImportFinding,
    IntakeState,
    Origin,
    SyndicationPolicy,
    User,
)
from syndication.models.base import utcnow
from syndication.policy.rights import Provenance as RightsProvenance
from syndication.policy.rights import suggest
from syndication.services import assets, audit, package_sources, settings
from syndication.services.errors import DomainError, NotFound


@dataclass(frozen=True, slots=True)
class ImportResult:
    article: Article
    created: bool
    revised: bool


def content_hash(draft: ArticleDraft) -> str:
    """sha256 of what a revision holds; equal hashes mean nothing to revise."""
    payload = json.dumps(
        [draft.headline, draft.dek, draft.bylines, draft.body_html, draft.summary],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# Block boundaries separate words even with no white space between them
# ("<p>end.</p><p>Start"); inline tags do not ("<em>un</em>likely").
_BLOCK_TAG = re.compile(
    r"</?(?:p|h[1-6]|li|ul|ol|dl|dt|dd|blockquote|pre|div|figure|figcaption|table|caption"
    r"|thead|tbody|tfoot|tr|td|th|br|hr)\b[^>]*>",
    re.IGNORECASE,
)


TAG_LENGTH = 100  # article_tags.tag


def stored_tags(tags: list[str]) -> list[str]:
    """Tags as stored: each one whole, commas and all ("Mayer, Marissa"), and none longer
    than the column (cut at a word). The importers split the fields that are lists."""
    out = set()
    for raw in tags:
        tag = " ".join((raw or "").split())
        if len(tag) > TAG_LENGTH:
            tag = tag[:TAG_LENGTH].rsplit(" ", 1)[0]
        if tag:
            out.add(tag)
    return sorted(out)


def word_count(body_html: str) -> int:
    """Words of a sanitised body's text."""
    return len(nh3.clean(_BLOCK_TAG.sub(" ", body_html), tags=set()).split())


# Two stories this alike under the same headline are one story told twice.
SAME_STORY_SIMILARITY = 0.5


def _find_existing(
    draft: ArticleDraft, identity: Identity
) -> tuple[Article | None, Article | None]:
    """The article this draft is (or None), and one it may duplicate from another source.

    Strongest key first: the source id, the normalised canonical URL, the text's
    fingerprint. Failing those, an article under the same headline whose text
    is nearly the same is this story again when it came the same way (same
    importer, same site: a corrected copy of a file), and only a likely
    duplicate, for staff to judge, when it came another way.
    """
    keys = [
        (Article.source_id, identity.source_id),
        (Article.url_key, identity.url_key),
        (Article.fingerprint, identity.fingerprint),
    ]
    for column, value in keys:
        if value:
            found = db.session.scalar(sa.select(Article).where(column == value).limit(1))
            if found is not None and not _another_item_of_the_site(found, draft, identity, column):
                return found, None
    headline = draft.headline.strip().lower()
    if not headline:
        return None, None
    candidates = db.session.scalars(same_headline(headline)).all()
    if not candidates:
        return None, None  # the usual case: no need to read the body's words
    words = text_words(draft.body_html)
    site = normalise_url(draft.source_site_url)
    duplicate = None
    for candidate in candidates:
        if similarity(words, text_words(candidate.body_html)) < SAME_STORY_SIMILARITY:
            continue
        if (
            candidate.importer == draft.importer
            and normalise_url(candidate.source_site_url) == site
        ):
            return candidate, None
        duplicate = duplicate or candidate
    return None, duplicate


def same_headline(headline: str) -> sa.Select:
    """Up to twenty articles under a headline, whatever its case (served by an index, 0034)."""
    return sa.select(Article).where(sa.func.lower(Article.headline) == headline).limit(20)


def _another_item_of_the_site(
    article: Article, draft: ArticleDraft, identity: Identity, column: object
) -> bool:
    """True when a URL or text match is another item of the same site, not this story again.

    Within one site (one feed, one export) its own identifiers decide: two
    entries of a live blog share a page URL but not their GUIDs, and a site's
    test posts share their words but not their URLs. Across sources, the URL
    and then the text still make one story one article.
    """
    site = normalise_url(draft.source_site_url)
    if not site or normalise_url(article.source_site_url) != site:
        return False
    if column is Article.url_key:
        return bool(
            article.source_id and identity.source_id and article.source_id != identity.source_id
        )
    if column is Article.fingerprint:
        return bool(article.url_key and identity.url_key and article.url_key != identity.url_key)
    return False


# Slugs the first look-up tries ("base", "base-2", ... "base-32"); each later one, twice as many.
_SLUG_PROBES = 32
_SLUG_BATCH_MOST = 1024  # bound parameters in one look-up, well under SQLite's limit


def _unique_slug(headline: str) -> str:
    """The headline's slug, numbered past those taken ("letters-to-the-editor-7").

    Candidates are looked up by equality, a few dozen per statement, on the slug's
    unique index: a pattern (``LIKE 'base-%'``) is indexed by neither database as
    the column is collated, so it read every slug, 90 ms an imported item in a
    million-article archive. The lowest free number is taken: a headline that
    recurs past a batch looks at the numbers right after it, in a batch twice
    as long (up to _SLUG_BATCH_MOST), so no free number is ever skipped and a
    thousand copies take six statements.
    """
    base = slugify(headline, max_length=80, word_boundary=True) or "article"
    first, size = 1, _SLUG_PROBES
    while True:
        candidates = [base if n == 1 else f"{base}-{n}" for n in range(first, first + size)]
        taken = set(db.session.scalars(sa.select(Article.slug).where(Article.slug.in_(candidates))))
        for slug in candidates:
            if slug not in taken:
                return slug
        first, size = first + size, min(size * 2, _SLUG_BATCH_MOST)


def _apply_content(article: Article, draft: ArticleDraft) -> None:
    article.headline = draft.headline
    article.dek = draft.dek
    article.bylines = list(draft.bylines)
    article.dateline = draft.dateline
    article.section = canonical_section(draft.section)
    article.language = draft.language or "en"
    article.canonical_url = draft.canonical_url
    article.summary = draft.summary
    article.body_html = draft.body_html
    article.word_count = word_count(draft.body_html)
    article.published_at = draft.published_at or article.published_at
    article.updated_at = draft.updated_at or utcnow()
    article.tag_rows = [ArticleTag(tag=tag) for tag in stored_tags(draft.tags)]
    # A file stored for an image (uploaded or fetched) stays with it across revisions.
    stored = {a.url: (a.sha256, a.mime_type) for a in article.assets if a.sha256}
    article.assets = [
        Asset(
            position=position,
            url=asset.url,
            caption=asset.caption,
            credit=asset.credit,
            rights_holder=asset.rights_holder,
            mime_type=stored.get(asset.url, (None, asset.mime_type))[1],
            syndicatable=asset.syndicatable,
            sha256=stored.get(asset.url, (None, ""))[0],
        )
        for position, asset in enumerate(draft.assets)
    ]
    article.findings = [
        ImportFinding(kind=FindingKind(f.kind), text=f.text, detail=f.detail[:200])
        for f in draft.findings
    ]


def _unchanged(article: Article, digest: str) -> bool:
    return bool(article.revisions) and article.revisions[-1].content_hash == digest


def _append_revision(
    article: Article, draft: ArticleDraft, digest: str, note: str, actor: User | None
) -> ArticleRevision:
    """Record the draft's content as the article's next revision (the caller commits).

    Its body forms are made now, once, for every package built from it.
    """
    article.current_revision = len(article.revisions) + 1
    revision = ArticleRevision(
        number=article.current_revision,
        headline=draft.headline,
        dek=draft.dek,
        bylines=list(draft.bylines),
        body_html=draft.body_html,
        summary=draft.summary,
        note=note,
        content_hash=digest,
        created_by_id=actor.id if actor is not None else None,
        forms=_forms(draft.body_html, article),
    )
    article.revisions.append(revision)
    return revision


def _forms(body_html: str, article: Article) -> str | None:
    """The new revision's body forms; None (made later by the worker's upkeep) when one of
    its images has no file name in its address, since packages name it after its row id,
    which a new image has only once it is written (a flush here would count as a change)."""
    if any(asset.id is None and not package_sources.named(asset) for asset in article.assets):
        return None
    return package_sources.stored_forms(
        body_html, tuple(map(package_sources.asset_input, article.assets))
    )


def import_draft(
    draft: ArticleDraft,
    *,
    actor: User | None = None,
    note: str = "Imported",
    origin: Origin | None = None,
    policy: SyndicationPolicy | None = None,
    release: bool = False,
    commit: bool = True,
) -> ImportResult:
    """Store a draft: a new article, a new revision when its content changed, or nothing.

    A new article waits in the intake queue with suggested rights
    (``policy.rights``) unless ``release`` (a caller that has confirmed the
    rights itself: the demo loader, tests) or the organisation's auto-release
    lets its own clean content through. A re-import keeps a released
    article released, unless its byline changed: then it goes back to review.
    """
    digest = content_hash(draft)
    identity = identify(draft.source_id, draft.canonical_url, draft.body_html)
    article, duplicate = _find_existing(draft, identity)
    now = utcnow()
    if article is not None:
        if _unchanged(article, digest):
            return ImportResult(article, created=False, revised=False)
        created = False
        if article.intake is IntakeState.RELEASED and list(article.bylines) != list(draft.bylines):
            article.intake = IntakeState.AWAITING_REVIEW
            article.intake_reason = (
                f"The byline changed on re-import ({', '.join(article.bylines) or 'none'} → "
                f"{', '.join(draft.bylines) or 'none'}): confirm whose work it is."
            )
            audit.record(actor, "intake_reopened", article, reason=article.intake_reason)
    else:
        suggestion = suggest(
            RightsProvenance(canonical_url=draft.canonical_url, site_url=draft.source_site_url),
            settings.own_sources(),
            wire_byline=any(f.kind == FindingKind.WIRE_BYLINE for f in draft.findings),
            third_party_assets=any(f.kind == FindingKind.THIRD_PARTY_ASSET for f in draft.findings)
            or any(not a.syndicatable for a in draft.assets),
        )
        automatic = (
            suggestion.may_release_automatically
            and duplicate is None
            and settings.organisation().auto_release
        )
        article = Article(
            source_id=identity.source_id or None,
            slug=_unique_slug(draft.headline),
            origin=origin or Origin(suggestion.origin),
            policy=policy or SyndicationPolicy(suggestion.policy),
            intake=IntakeState.RELEASED if release or automatic else IntakeState.AWAITING_REVIEW,
            intake_reason=suggestion.reason,
            possible_duplicate_of_id=duplicate.id if duplicate is not None else None,
            import_source=draft.import_source,
            importer=draft.importer,
            source_title=draft.source_title,
            source_site_url=draft.source_site_url[:1000],
            imported_by_id=actor.id if actor is not None else None,
            imported_at=now,
        )
        if article.intake is IntakeState.RELEASED:
            article.released_at = now
            article.released_by_id = actor.id if actor is not None else None
        db.session.add(article)
        created = True
    article.url_key = identity.url_key[:1000] or article.url_key
    article.fingerprint = identity.fingerprint or article.fingerprint
    _apply_content(article, draft)
    _append_revision(
        article, draft, digest, note if created else f"{note} (content changed)", actor
    )
    assets.queue_fetches(article)
    if commit:
        db.session.commit()
    return ImportResult(article, created=created, revised=not created)


def get(article_id: int) -> Article:
    """The article with this id, or NotFound."""
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFound("No such article.")
    return article


def asset_of(article_id: int, asset_id: int) -> Asset:
    """The asset of this article, or NotFound (an asset of another article is not found)."""
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.article_id != article_id:
        raise NotFound("No such asset.")
    return asset


def find(article_id: int | None) -> Article | None:
    """The article with this id, or None (no id, or no such article)."""
    return db.session.get(Article, article_id) if article_id else None


def with_details(article_id: int) -> Article:
    """The article with its assets, findings, revisions and tags loaded, for its staff page."""
    article = db.session.scalar(
        sa.select(Article)
        .where(Article.id == article_id)
        .options(
            selectinload(Article.assets),
            selectinload(Article.findings),
            selectinload(Article.revisions),
            selectinload(Article.tag_rows),
        )
    )
    if article is None:
        raise NotFound("No such article.")
    return article


def offered(article_id: int) -> Article:
    """An article partners may see (released and syndicated), or NotFound."""
    article = db.session.get(Article, article_id)
    if article is None or not article.is_offered:
        raise NotFound("No such article in the catalogue.")
    return article


def by_ids(article_ids: list[int]) -> list[Article]:
    """These articles, in the order given (ids that no longer exist are left out)."""
    if not article_ids:
        return []
    found = {
        a.id: a for a in db.session.scalars(sa.select(Article).where(Article.id.in_(article_ids)))
    }
    return [found[i] for i in article_ids if i in found]


def canonical_section(section: str) -> str:
    """The section as the catalogue already spells it, whatever the case: "World" and
    "world" are one section, named as it was first stored."""
    section = " ".join(section.split())
    if not section:
        return ""
    # No autoflush: the article being imported may not be complete yet.
    with db.session.no_autoflush:
        existing = db.session.scalar(
            sa.select(Article.section)
            .where(sa.func.lower(Article.section) == section.lower())
            .order_by(Article.id)
            .limit(1)
        )
    return existing or section


def recent(limit: int) -> list[Article]:
    """The most recently published articles, newest first, with the columns their lists
    show (headline, policy, date): not a body each."""
    return list(
        db.session.scalars(
            sa.select(Article)
            .options(load_only(Article.headline, Article.policy, Article.published_at))
            .order_by(Article.published_at.desc().nulls_last())
            .limit(limit)
        )
    )


def count_by_policy() -> dict[SyndicationPolicy, int]:
    """How many articles each syndication policy holds."""
    rows = db.session.execute(sa.select(Article.policy, sa.func.count()).group_by(Article.policy))
    return dict(rows.all())


def update_rights(
    article: Article,
    *,
    actor: User,
    origin: Origin,
    policy: SyndicationPolicy,
    embargo_until: datetime | None,
    expires_at: datetime | None,
    territory: str,
    syndicatable_asset_ids: set[int],
    reason: str = "",
    rights_holder: str | None = None,
    licence_reference: str | None = None,
    licence_reason: str | None = None,
) -> Article:
    """Change an article's rights and its assets' syndicatable flags, audited.

    Third-party content keeps a syndicating policy only with its licence
    recorded (``intake.check_licence``); the licence fields, when given, replace
    the recorded ones.
    """
    from syndication.services import intake  # intake builds on this module

    if embargo_until and expires_at and expires_at <= embargo_until:
        raise DomainError("The syndication expiry must come after the embargo ends.")
    before = {
        "origin": article.origin.value,
        "policy": article.policy.value,
        "embargo_until": article.embargo_until.isoformat() if article.embargo_until else None,
        "expires_at": article.expires_at.isoformat() if article.expires_at else None,
        "territory": article.territory,
        "rights_holder": article.rights_holder,
        "licence_reference": article.licence_reference,
    }
    article.origin, article.policy = origin, policy
    article.embargo_until, article.expires_at = embargo_until, expires_at
    article.territory = territory.strip()
    for asset in article.assets:
        asset.syndicatable = asset.id in syndicatable_asset_ids
    if rights_holder is not None:
        article.rights_holder = rights_holder.strip()
    if licence_reference is not None:
        article.licence_reference = licence_reference.strip()
    if licence_reason is not None:
        article.licence_reason = licence_reason.strip()
    try:
        intake.check_licence(article)
    except DomainError:
        db.session.rollback()
        raise
    # Which pictures ship decides the prepared bodies: the stored forms follow.
    package_sources.store_forms([article.id])
    audit.record(
        actor,
        "rights_changed",
        article,
        from_status=before["policy"],
        to_status=policy.value,
        reason=reason,
        before=before,
    )
    db.session.commit()
    return article


def _revision_draft(article: Article, headline: str, dek: str, body_html: str) -> ArticleDraft:
    return ArticleDraft(
        headline=headline.strip(),
        dek=dek.strip(),
        bylines=list(article.bylines),
        body_html=sanitise_html(body_html),
        summary=article.summary,
    )


def would_change(article: Article, *, headline: str, dek: str, body_html: str) -> bool:
    """Whether these texts, cleaned as a revision cleans them, differ from the article's own
    (a form sends the body back with its line endings changed: that is no change)."""
    return not _unchanged(article, content_hash(_revision_draft(article, headline, dek, body_html)))


def edit_content(
    article: Article,
    *,
    actor: User | None,
    headline: str,
    dek: str,
    body_html: str,
    note: str,
    commit: bool = True,
) -> ArticleRevision:
    """A staff correction or update: a new revision with a public note, never an overwrite."""
    note = note.strip()
    if not note:
        raise DomainError("Every revision needs a note saying what changed.")
    draft = _revision_draft(article, headline, dek, body_html)
    if not draft.headline or not draft.body_html.strip():
        raise DomainError("A revision needs a headline and a body.")
    digest = content_hash(draft)
    if _unchanged(article, digest):
        raise DomainError("Nothing changed: no revision was made.")
    article.headline, article.dek, article.body_html = draft.headline, draft.dek, draft.body_html
    article.word_count = word_count(draft.body_html)
    article.updated_at = utcnow()
    revision = _append_revision(article, draft, digest, note, actor)
    db.session.flush()
    audit.record(actor, "revised", article, revision=revision.number, note=note)
    if commit:
        db.session.commit()
    return revision


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


def _paragraphs(revision: ArticleRevision) -> list[str]:
    blocks = re.split(r"</(?:p|h[1-6]|li|blockquote|figcaption|td|th)>", revision.body_html)
    texts = [" ".join(nh3.clean(b, tags=set()).split()) for b in blocks]
    return [
        f"# {revision.headline}",
        *([revision.dek] if revision.dek else []),
        *(t for t in texts if t),
    ]


def diff_revisions(old: ArticleRevision | None, new: ArticleRevision) -> list[DiffLine]:
    """A paragraph-level diff of two revisions' readable text; no ``old``: all added."""
    lines: list[DiffLine] = []
    before = _paragraphs(old) if old is not None else []
    matcher = difflib.SequenceMatcher(a=before, b=_paragraphs(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [DiffLine("same", t) for t in matcher.a[i1:i2]]
            continue
        lines += [DiffLine("removed", t) for t in matcher.a[i1:i2]]
        lines += [DiffLine("added", t) for t in matcher.b[j1:j2]]
    return lines
