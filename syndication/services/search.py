"""Catalogue search: full text over headline, dek, body and bylines, with filters.

One function serves both databases. SQLite keeps a contentless FTS5 table
(``articles_fts``) filled by triggers; PostgreSQL a generated, weighted
``articles.search_vector`` with a GIN index (migration 0002_article_search).
Neither is declared on the models, so this module also names them for
Alembic's comparison (``include_object``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import load_only, selectinload
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression
from sqlalchemy.sql.selectable import ScalarSelect

from syndication.extensions import db
from syndication.models import Article, ArticleTag, CatalogueVersion, SyndicationPolicy
from syndication.models.base import utcnow
from syndication.services import pagination, worker_memory
from syndication.services.errors import Invalid

# Schema objects owned by the search migration rather than by the models.
FTS_TABLE = "articles_fts"
SEARCH_COLUMN = "search_vector"
# Indexes the migrations keep in the database only: the tsvector's GIN index, and
# PostgreSQL's newest-first orderings (migration 0005), which SQLAlchemy's models
# cannot declare for one database alone.
SEARCH_INDEXES = frozenset(
    {"ix_articles_search_vector", "ix_articles_newest", "ix_articles_section_newest"}
)

MAX_PER_PAGE = 100
# Longer input is not a search any more; capping it bounds the query's cost.
MAX_QUERY_LENGTH = 500
# Relevance is computed for the newest (highest id) matches only: ranking all
# 60,000 articles that contain a common word costs hundreds of milliseconds,
# and the best of the newest thousand is what a desk looks for. Smaller
# result sets, almost every real query, are ranked whole; past the window,
# pages go on newest first, so every match still appears exactly once.
RANK_WINDOW = 1_000
# Matches are counted up to this many. Counting every match of a common word
# means reading every row's search vector (hundreds of milliseconds on
# PostgreSQL at 100,000 articles), and counting what a filter keeps, or the
# whole catalogue, most of a million rows; past a thousand, "1,000+" is what
# people need.
COUNT_CAP = 1_000
# bm25 column weights (headline, dek, body, bylines), the same proportions as
# PostgreSQL's default ts_rank weights for A, B, C (1.0, 0.4, 0.2).
BM25_WEIGHTS = (5.0, 2.0, 1.0, 1.0)
# PostgreSQL: phrases expected in at most this many articles are collected from
# the GIN index rather than tested row by row, newest first (see _text_match).
GIN_FIRST_MAX_ROWS = 10_000

_TOKEN = re.compile(r'"([^"]*)"?|([^\s"]+)')
_WORD = re.compile(r"[^\W_]+")


def is_search_object(type_: str, name: str | None, table_name: str | None = None) -> bool:
    """True for the search migration's own tables, columns and indexes."""
    if type_ == "table":
        return name is not None and (name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_"))
    if type_ == "column":
        return table_name == "articles" and name == SEARCH_COLUMN
    if type_ == "index":
        return name in SEARCH_INDEXES
    return False


def include_object(object_, name, type_, reflected, compare_to) -> bool:
    """Alembic hook: leave out search objects that exist only in the database.

    Only database-side objects with no model counterpart are skipped, so a
    model that later declares one of them is still compared.
    """
    if not reflected or compare_to is not None:
        return True
    table = getattr(object_, "table", None)
    return not is_search_object(type_, name, getattr(table, "name", None))


@dataclass(frozen=True, slots=True)
class _Term:
    words: tuple[str, ...]
    negated: bool = False
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class _ParsedQuery:
    """User input read the way websearch_to_tsquery reads it, plus a prefix last word."""

    groups: tuple[tuple[_Term, ...], ...]  # OR of ANDs
    # For PostgreSQL: the text before the prefix word, and how it joins that word.
    head: str
    prefix_word: str | None
    prefix_joins_with_or: bool


def _parse(query: str) -> _ParsedQuery:
    """Split free text into phrases, ``-`` exclusions and ``or`` alternatives."""
    groups: list[list[_Term]] = [[]]
    pending_or = False
    # The last token when it is a plain word: (match, starts an OR alternative).
    last_word: tuple[re.Match[str], bool] | None = None
    for match in _TOKEN.finditer(query):
        quoted, bare = match.group(1), match.group(2)
        last_word = None
        if bare is not None and bare.lower() == "or":
            pending_or = bool(groups[-1])
            continue
        negated = bare is not None and bare.startswith("-") and len(bare) > 1
        text = quoted if quoted is not None else bare[1:] if negated else bare
        words = tuple(_WORD.findall(text))
        if not words:
            continue
        if pending_or:
            groups.append([])
            pending_or = False
        groups[-1].append(_Term(words, negated=negated))
        if bare is not None and bare == words[0]:
            last_word = (match, len(groups) > 1 and len(groups[-1]) == 1)
    # The last word, while still being typed (no space after it), also matches
    # as a prefix: "elect" finds "election". One letter would match nearly all.
    head, prefix_word, joins_with_or = query, None, False
    if last_word is not None and not query[-1].isspace() and len(last_word[0][0]) >= 2:
        match, joins_with_or = last_word
        prefix_word = match[0]
        head = query[: match.start()]
        if joins_with_or:
            head = re.sub(r"(?i)\bor\s*$", "", head)
        groups[-1][-1] = _Term(groups[-1][-1].words, prefix=True)
    kept = tuple(tuple(g) for g in groups if any(not t.negated for t in g))
    return _ParsedQuery(kept, head, prefix_word, joins_with_or)


def _fts5_expression(parsed: _ParsedQuery) -> str:
    """An FTS5 MATCH string in which every user word is a quoted string."""

    def term(t: _Term) -> str:
        # Words are letters and digits only, so a double-quoted FTS5 string
        # can hold them without escaping; operators typed by users stay words.
        return '"' + " ".join(t.words) + '"' + ("*" if t.prefix else "")

    alternatives = []
    for group in parsed.groups:
        positive = " AND ".join(term(t) for t in group if not t.negated)
        negative = "".join(f" NOT {term(t)}" for t in group if t.negated)
        alternatives.append(f"({positive}{negative})")
    return " OR ".join(alternatives)


def _pg_tsquery(parsed: _ParsedQuery) -> sa.ColumnElement:
    """websearch_to_tsquery for the text, combined with a prefix query for the last word."""
    config = sa.literal_column("'simple'::regconfig")
    tsquery = sa.func.websearch_to_tsquery(config, parsed.head)
    if parsed.prefix_word is None:
        return tsquery
    # A quoted lexeme of letters and digits cannot carry tsquery syntax.
    prefix = sa.func.to_tsquery(config, f"'{parsed.prefix_word}':*")
    return tsquery.op("||" if parsed.prefix_joins_with_or else "&&")(prefix)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _Filter:
    """One structured filter: the articles it keeps, and, for a filter that keeps
    nearly all of them, the few it drops (its exact complement).

    SQLite's text search tests each match against a set of article ids per
    filter; built from the kept side, "offered to partners" would be a set of
    nine articles in ten, costing more than all the rest of a search.
    """

    keeps: sa.ColumnElement[bool]
    drops: sa.ColumnElement[bool] | None = None


def _filters(
    *,
    policy: str | None,
    section: str | None,
    tag: str | None,
    published_from: date | None,
    published_to: date | None,
    embargoed: bool | None,
    now: datetime,
    article_ids: Collection[int] | None,
    offered_only: bool = False,
) -> list[_Filter]:
    """The structured filters; they all have to hold."""
    filters: list[_Filter] = []
    if offered_only:
        filters.append(_Filter(Article.offered_sql(), Article.not_offered_sql()))
    if policy:
        try:
            filters.append(_Filter(Article.policy == SyndicationPolicy(policy)))
        except ValueError:
            raise Invalid(f"Unknown syndication policy: {policy!r}.") from None
    if section:
        filters.append(_Filter(Article.section == section))
    if tag:
        tagged = sa.select(ArticleTag.article_id).where(ArticleTag.tag == tag)
        filters.append(_Filter(Article.id.in_(tagged)))
    # Dates are whole UTC days, both ends included.
    if published_from is not None:
        filters.append(_Filter(Article.published_at >= _day_start(published_from)))
    if published_to is not None:
        end = _day_start(published_to + timedelta(days=1))
        filters.append(_Filter(Article.published_at < end))
    if embargoed is True:
        filters.append(_Filter(Article.embargo_until > now))
    elif embargoed is False:
        free = sa.or_(Article.embargo_until.is_(None), Article.embargo_until <= now)
        filters.append(_Filter(free, Article.embargo_until > now))
    if article_ids is not None:
        filters.append(_Filter(Article.id.in_(list(article_ids))))
    return filters


def _kept_by(filters: list[_Filter]) -> list[sa.ColumnElement[bool]]:
    """The filters as WHERE clauses."""
    return [f.keeps for f in filters]


@dataclass(frozen=True, slots=True)
class _TextMatch:
    """How one database matches and scores the parsed query."""

    where: list[sa.ColumnElement[bool]]
    score: sa.ColumnElement  # smaller is better
    fts: sa.TableClause | None = None  # SQLite's index, to join
    # PostgreSQL: walk newest first, testing each row (False), or collect every
    # match from the GIN index and keep the newest (True).
    gin_first: bool = False
    # PostgreSQL, gin_first phrases: the tsquery, and the same with every phrase
    # loosened to "all its words" (see _matching).
    tsquery: sa.ColumnElement | None = None
    loosened: sa.ColumnElement | None = None


def _text_match(parsed: _ParsedQuery, dialect: str) -> _TextMatch:
    """FTS5 MATCH and bm25 on SQLite; @@ and ts_rank on PostgreSQL."""
    if dialect == "sqlite":
        fts = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer))
        matches = sa.literal_column(FTS_TABLE).op("MATCH")(_fts5_expression(parsed))
        # bm25 is negative, the better the smaller.
        return _TextMatch([matches], sa.func.bm25(sa.literal_column(FTS_TABLE), *BM25_WEIGHTS), fts)
    vector = sa.literal_column(f"articles.{SEARCH_COLUMN}")
    tsquery = _pg_tsquery(parsed)
    where = [vector.op("@@")(tsquery)]
    gin_first = _few_phrase_matches(parsed, where)
    loosened = None
    if gin_first and not any(t.negated for group in parsed.groups for t in group):
        # "a <-> b" becomes "a & b": a superset the GIN index answers exactly,
        # without reading each candidate's positions. (Not under a NOT, where
        # loosening would shrink the set, hence no negated terms at all.)
        loosened = sa.cast(
            sa.func.regexp_replace(sa.cast(tsquery, sa.Text), r"<(-|\d+)>", "&", "g"),
            TSQUERY,
        )
    return _TextMatch(
        where,
        -sa.func.ts_rank(vector, tsquery),
        gin_first=gin_first,
        tsquery=tsquery,
        loosened=loosened,
    )


def _few_phrase_matches(parsed: _ParsedQuery, where: list) -> bool:
    """True for a phrase that the planner expects in few articles.

    Walking the primary key backwards tests the phrase on every article until
    enough match: a phrase in one article in twenty means reading twenty
    search vectors per match. The GIN index hands over only the articles that
    hold its words, and sorting a few thousand ids is cheap; for a phrase of
    common words that set is most of the catalogue, so the planner's estimate
    (one EXPLAIN, no execution) decides.
    """
    if not any(len(t.words) > 1 for group in parsed.groups for t in group):
        return False
    estimate = sa.select(Article.id).where(*where)
    compiled = estimate.compile(dialect=db.session.get_bind().dialect)
    explain = f"EXPLAIN (FORMAT JSON) {compiled}"
    plan = db.session.connection().exec_driver_sql(explain, compiled.params).scalar_one()
    return plan[0]["Plan"]["Plan Rows"] <= GIN_FIRST_MAX_ROWS


def _matching(text: _TextMatch, filters: list[_Filter], *, score: bool = False) -> sa.Select:
    """SELECT the matching articles' ids (labelled "id"), and their score, filters applied."""
    clauses = _kept_by(filters)
    if text.loosened is not None:
        # A phrase check reads each row's whole search vector (out of line, in
        # TOAST), so it runs last and only until enough rows are found: the GIN
        # index lists the articles holding all the phrase's words, newest first
        # (a sort of ids), and the phrase is tested on those in order. OFFSET 0
        # keeps the planner from folding the phrase test into the index scan.
        vector = sa.literal_column(f"articles.{SEARCH_COLUMN}")  # not mapped: see migrations
        candidates = (
            sa.select(Article.id.label("id"), vector.label("vector"))
            .where(vector.op("@@")(text.loosened), *clauses)
            .order_by(Article.id.desc())
            .offset(0)
            .subquery("candidates")
        )
        columns = [candidates.c.id]
        if score:
            columns.append((-sa.func.ts_rank(candidates.c.vector, text.tsquery)).label("score"))
        return sa.select(*columns).where(candidates.c.vector.op("@@")(text.tsquery))
    columns = [text.score.label("score")] if score else []
    if text.fts is None:
        ids = Article.id.label("id")
        return sa.select(ids, *columns).select_from(Article).where(*text.where, *clauses)
    # The FTS index answers alone and walks its matches newest first, so a
    # LIMIT stops it early. Each filter becomes the set of ids it keeps (or,
    # for a filter that keeps nearly all, the set it drops), read from that
    # filter's own index (no article row, whose long body would have to be
    # read past to reach the columns after it), and every match is probed
    # against those sets. The unary plus keeps SQLite from handing the IN to
    # FTS5, which would run the whole MATCH once per listed id.
    probe = sa.literal_column(f"+{FTS_TABLE}.rowid")
    tests = [
        probe.in_(_ids_kept_by(f.keeps))
        if f.drops is None
        else probe.not_in(sa.select(Article.id).where(f.drops))
        for f in filters
    ]
    rowid = text.fts.c.rowid
    return sa.select(rowid.label("id"), *columns).select_from(text.fts).where(*text.where, *tests)


def _ids_kept_by(clause: sa.ColumnElement[bool]) -> sa.Select:
    """SELECT the ids of the articles that satisfy one filter."""
    if (
        isinstance(clause, BinaryExpression)
        and clause.operator is operators.in_op
        and clause.left.compare(Article.__table__.c.id)
        and isinstance(clause.right, ScalarSelect)
    ):
        # Already "id IN (SELECT ...)" (the tag filter): that SELECT is the set.
        return clause.right.element
    return sa.select(Article.id).where(clause)


def _loaded(columns: Collection | None) -> list:
    """Loader options: only ``columns`` (any other attribute raises rather than costing a
    query per row), or whole articles with their tags (lists that show tags load them with
    the page, not one query per article)."""
    if columns:
        return [load_only(*columns, raiseload=True)]
    return [selectinload(Article.tag_rows)]


def _articles(ids: list[int], columns: Collection | None = None) -> list[Article]:
    """The articles with these ids, in this order."""
    select = sa.select(Article).where(Article.id.in_(ids)).options(*_loaded(columns))
    found = {a.id: a for a in db.session.scalars(select)}
    return [found[i] for i in ids if i in found]


# The catalogue without text: newest published first (nulls last), then newest id.
NEWEST = pagination.Sort("published", descending=True)
NEWEST_COLUMNS = {"published": Article.published_at}


@dataclass(frozen=True, slots=True)
class _Hit:
    """One match in a text search's walk: in the ranked window (score) or past it."""

    id: int
    score: float | None = None  # None: past the window, newest first

    @property
    def cursor(self) -> dict:
        return {"i": self.id} if self.score is None else {"i": self.id, "v": self.score}


def _window(text: _TextMatch, filters: list[_Filter], newest_first, *, top=None, floor=None):
    """The newest matches with their scores (ids from ``floor`` to ``top`` when given):
    enough to rank the window and to tell whether there are more than COUNT_CAP."""
    select = _matching(text, filters, score=True)
    match_id = select.selected_columns[0]
    if top is not None:
        select = select.where(match_id <= top)
    if floor is not None:
        select = select.where(match_id >= floor)
    fetch = max(RANK_WINDOW, COUNT_CAP + 1)
    return db.session.execute(select.order_by(newest_first).limit(fetch)).all()


def _older(text: _TextMatch, filters: list[_Filter], newest_first, *, below=None, above=None,
           under: int, limit: int) -> list[_Hit]:  # fmt: skip
    """Matches past the window (ids under ``under``), newest first: those below ``below``,
    or the ``limit`` just above ``above`` (for a page backwards)."""
    select = _matching(text, filters)
    match_id = select.selected_columns[0]
    select = select.where(match_id < under)
    if below is not None:
        select = select.where(match_id < below).order_by(newest_first)
    else:
        select = select.where(match_id > above).order_by(sa.literal_column("id").asc())
    found = [_Hit(i) for i in db.session.scalars(select.limit(limit))]
    return found if below is not None else found[::-1]


def _text_page(
    text: _TextMatch,
    filters: list[_Filter],
    position: dict | None,
    scope: str,
    per_page: int,
    columns: Collection | None = None,
) -> pagination.Keyset[Article]:
    """A page of text matches: best first within the newest RANK_WINDOW, then the older
    ones newest first, so every match appears exactly once.

    The first page fixes the window's bounds (its newest and oldest ids) in every cursor
    after it: articles published while someone pages neither shift the ranking nor
    push a match from one page to the next. It fixes the total too: the count of the
    matches is taken once per walk, not again for each page (on a million articles
    it was a third of a page's time).
    """
    # "id + 0" is not the primary key's order: PostgreSQL then takes the GIN
    # index and sorts, rather than walking the key backwards. Same order.
    gin_sort = text.gin_first and text.loosened is None
    newest_first = (Article.id + 0 if gin_sort else sa.literal_column("id")).desc()
    try:
        top, floor = (position["top"], position["floor"]) if position else (None, None)
        last = _Hit(position["i"], position.get("v")) if position and "i" in position else None
        backward = bool(position and position.get("b") is True)
        carried = position.get("n") if position else None
        assert all(isinstance(x, int | None) for x in (top, floor, carried))
        assert last is None or isinstance(last.id, int)
        assert last is None or isinstance(last.score, int | float | None)
    except (KeyError, AssertionError, TypeError):
        raise pagination.BadCursor() from None
    total: int | None = None
    ranked: list[_Hit] = []
    if last is None or last.score is not None or backward:
        newest = _window(text, filters, newest_first, top=top, floor=floor)
        if position is None:
            # Fewer than fetched: the exact total; as many: more than COUNT_CAP.
            total = len(newest)
            top = newest[0].id if newest else None
            floor = newest[RANK_WINDOW - 1].id if len(newest) >= RANK_WINDOW else None
        window = newest[:RANK_WINDOW]
        ranked = [_Hit(row.id, row.score) for row in sorted(window, key=lambda r: (r.score, -r.id))]

    def after(hit: _Hit) -> list[_Hit]:
        """The ranked hits after ``hit``. Found by id first: SQLite's bm25 weighs words by
        how rare they are in the whole catalogue, so scores move as articles arrive; the
        order within the window's fixed ids barely does."""
        place = next((n for n, h in enumerate(ranked) if h.id == hit.id), None)
        if place is not None:
            return ranked[place + 1 :]
        return [h for h in ranked if (h.score, -h.id) > (hit.score, -hit.id)]

    def before(hit: _Hit) -> list[_Hit]:
        place = next((n for n, h in enumerate(ranked) if h.id == hit.id), None)
        if place is not None:
            return ranked[:place]
        return [h for h in ranked if (h.score, -h.id) < (hit.score, -hit.id)]

    if last is None:
        hits = ranked[: per_page + 1]
        if len(hits) <= per_page and floor is not None:
            hits += _older(text, filters, newest_first, below=floor, under=floor,
                           limit=per_page + 1 - len(hits))  # fmt: skip
    elif not backward:
        if last.score is not None:
            hits = after(last)[: per_page + 1]
            if len(hits) <= per_page and floor is not None:
                hits += _older(text, filters, newest_first, below=floor, under=floor,
                               limit=per_page + 1 - len(hits))  # fmt: skip
        else:
            hits = _older(text, filters, newest_first, below=last.id, under=floor or 0,
                          limit=per_page + 1)  # fmt: skip
    else:
        if last.score is not None:
            hits = before(last)[-(per_page + 1) :]
        else:
            hits = _older(text, filters, newest_first, above=last.id, under=floor or 0,
                          limit=per_page + 1)  # fmt: skip
            if len(hits) <= per_page:
                hits = ranked[-(per_page + 1 - len(hits)) :] + hits
        if len(hits) <= per_page:
            # Fewer than a page before it: that is the first page (of the same window),
            # shown whole.
            first = {"top": top, "floor": floor, "n": carried}
            return _text_page(text, filters, first, scope, per_page, columns)
    beyond = len(hits) > per_page
    hits = hits[-per_page:] if backward else hits[:per_page]
    has_next = beyond or backward
    has_prev = beyond if backward else last is not None

    def at(hit: _Hit, back: bool) -> str:
        cursor = {**hit.cursor, "top": top, "floor": floor, "n": total, "b": back}
        return pagination.sign_cursor(scope, cursor)

    if total is None:
        total = carried
    if total is None:
        # LIMIT inside the count lets the database stop at the cap.
        capped = _matching(text, filters).limit(COUNT_CAP + 1).subquery()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(capped)) or 0
    return pagination.Keyset(
        _articles([h.id for h in hits], columns),
        next_cursor=at(hits[-1], False) if hits and has_next else None,
        prev_cursor=at(hits[0], True) if hits and has_prev else None,
        total=min(total, COUNT_CAP),
        more=total > COUNT_CAP,
    )


def search_articles(
    query: str = "",
    *,
    policy: str | None = None,
    section: str | None = None,
    tag: str | None = None,
    published_from: date | None = None,
    published_to: date | None = None,
    embargoed: bool | None = None,
    now: datetime | None = None,
    cursor: str | None = None,
    per_page: int = 25,
    article_ids: Collection[int] | None = None,
    offered_only: bool = False,
    scope: object = None,
    columns: Collection | None = None,
) -> pagination.Keyset[Article]:
    """Search the catalogue: best matches first with text, else newest published first;
    the page after or before the one ``cursor`` (a signed keyset cursor) names.

    ``offered_only`` leaves out articles that are not syndicated: what partners see.
    ``scope`` names who is looking (a partner's id): a cursor is refused for anyone else.
    ``columns`` (Article attributes): load only these, for a page that shows no more;
    by default whole articles with their tags.
    """
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    # PostgreSQL text cannot hold NUL, and nothing typed in a form needs it.
    query = query.replace("\x00", " ")[:MAX_QUERY_LENGTH]
    ids = None if article_ids is None else sorted(article_ids)
    asked = (policy, section, tag, published_from, published_to, embargoed, ids, offered_only)
    if not query.strip():
        newest = sa.select(Article).where(*_kept_by(_filters(
            policy=policy, section=section, tag=tag, published_from=published_from,
            published_to=published_to, embargoed=embargoed, now=now or utcnow(),
            article_ids=ids, offered_only=offered_only,
        ))).options(*_loaded(columns))  # fmt: skip
        return pagination.keyset(
            newest,
            sort=NEWEST,
            columns=NEWEST_COLUMNS,
            tiebreak=Article.id,
            cursor=cursor,
            scope=("catalogue", *asked, scope),
            per_page=per_page,
            count=True,
        )
    signed_for = pagination.scope_of("catalogue search", query, *asked, scope)
    position = pagination.read_cursor(cursor, signed_for)
    if ids is not None and not ids:
        return pagination.Keyset([], total=0)
    parsed = _parse(query)
    if not parsed.groups:
        # Only punctuation, emoji or exclusions: nothing to look for.
        return pagination.Keyset([], total=0)
    filters = _filters(
        policy=policy,
        section=section,
        tag=tag,
        published_from=published_from,
        published_to=published_to,
        embargoed=embargoed,
        now=now or utcnow(),
        article_ids=ids,
        offered_only=offered_only,
    )
    text = _text_match(parsed, db.session.get_bind().dialect.name)
    return _text_page(text, filters, position, signed_for, per_page, columns)


def catalogue_version() -> int:
    """The catalogue's version (models.CatalogueVersion): whatever is made from the
    articles alone (a page of the catalogue, its sections) stays right while it holds."""
    return db.session.scalar(_CATALOGUE_VERSION)


_CATALOGUE_VERSION = sa.select(CatalogueVersion.current())


def sections(*, offered_only: bool = False, version: int | None = None) -> list[str]:
    """The sections in use, for a filter's choices (offered_only: of what partners see).

    One per spelling regardless of case: "World" and "world" are one section. With the
    catalogue's ``version`` (read in this transaction), kept by the worker until it moves.
    """
    kept = worker_memory.memory_of(
        current_app, "catalogue_sections", megabytes=1, size_of=lambda found: len(repr(found))
    )
    key = (offered_only, version)
    found = kept.get(key) if version is not None else None
    if found is None:
        seen: dict[str, str] = {}
        for section in db.session.scalars(_OFFERED_SECTIONS if offered_only else _SECTIONS):
            seen.setdefault(section.casefold(), section)
        found = tuple(sorted(seen.values(), key=str.casefold))
        if version is not None:
            kept.put(key, found)
    return list(found)


def _sections_statement(*, offered_only: bool) -> sa.Select:
    """The sections as sections() lists them (before folding case)."""
    # SELECT DISTINCT would read every article; walking the section index from one
    # section to the next reads one entry per section (a "skip scan", spelled out).
    first = sa.select(sa.func.min(Article.section).label("section"))
    walk = first.where(Article.section > "").cte("sections", recursive=True)
    following = sa.select(sa.func.min(Article.section)).where(Article.section > walk.c.section)
    walk = walk.union_all(sa.select(following.scalar_subquery()).where(walk.c.section.is_not(None)))
    found = sa.select(walk.c.section).where(walk.c.section.is_not(None))
    if offered_only:
        # A section holding only articles partners never see would filter to nothing.
        # Tested per section, so the section's index finds its first offered article.
        offered = sa.exists().where(Article.section == walk.c.section, Article.offered_sql())
        found = found.where(offered)
    return found


# sections()'s statements, built once: the catalogue pages run one on every request.
_SECTIONS = _sections_statement(offered_only=False)
_OFFERED_SECTIONS = _sections_statement(offered_only=True)
